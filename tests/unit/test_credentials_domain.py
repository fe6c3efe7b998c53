"""Bearer secrets: their shape, their hashes, and when a credential may be used."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.credentials import (
    ApiKey,
    CredentialKind,
    IssuedSecret,
    PresentedToken,
    UserToken,
    hash_secret,
    issue_api_key_secret,
    issue_user_token_secret,
)
from domain.errors import InvalidStateTransition, InvalidValue
from domain.ids import ApiKeyId, TenantId, UserId, UserTokenId
from domain.tenancy import Role

CREATED = datetime(2026, 1, 1, 12, tzinfo=UTC)
TENANT = TenantId(UUID("0190f0a1-2b3c-7d4e-8f60-718293a4b5c6"))

# Issued once per run: hypothesis then varies what is done to them, reproducibly.
USER_SECRET = issue_user_token_secret()
API_KEY_SECRET = issue_api_key_secret(TENANT)
SECRETS = {"user token": USER_SECRET, "api key": API_KEY_SECRET}


def api_key(*, expires_at: datetime | None = None, created_at: datetime = CREATED) -> ApiKey:
    return ApiKey(
        id=ApiKeyId(uuid4()),
        tenant_id=TENANT,
        name="ci",
        prefix=API_KEY_SECRET.prefix,
        secret_hash=API_KEY_SECRET.secret_hash,
        role=Role.MEMBER,
        created_by=None,
        created_at=created_at,
        expires_at=expires_at,
    )


def user_token(*, expires_at: datetime | None = None, created_at: datetime = CREATED) -> UserToken:
    return UserToken(
        id=UserTokenId(uuid4()),
        user_id=UserId(uuid4()),
        name="laptop",
        prefix=USER_SECRET.prefix,
        secret_hash=USER_SECRET.secret_hash,
        created_at=created_at,
        expires_at=expires_at,
    )


Build = Callable[..., ApiKey | UserToken]
CREDENTIALS: dict[str, Build] = {"api key": api_key, "user token": user_token}


# --- issuing and parsing ------------------------------------------------------------------


def test_a_user_token_is_recognised_as_a_user_token_with_its_prefix() -> None:
    issued = issue_user_token_secret()

    presented = PresentedToken.parse(issued.token)

    assert presented == PresentedToken(CredentialKind.USER_TOKEN, issued.prefix, None, issued.token)
    assert re.fullmatch(r"[0-9a-f]{12}", issued.prefix)
    assert issued.token.startswith(f"vau_{issued.prefix}_")


@given(st.uuids())
def test_an_api_key_is_recognised_with_its_prefix_and_tenant(tenant: UUID) -> None:
    issued = issue_api_key_secret(TenantId(tenant))

    presented = PresentedToken.parse(issued.token)

    assert presented is not None
    assert presented.kind is CredentialKind.API_KEY
    assert presented.prefix == issued.prefix
    assert presented.tenant_id == tenant
    assert presented.raw == issued.token
    assert issued.token.startswith(f"vak_{tenant.hex}_{issued.prefix}_")


def test_every_issue_draws_a_new_secret_and_prefix() -> None:
    tokens = [issue_user_token_secret() for _ in range(20)] + [
        issue_api_key_secret(TENANT) for _ in range(20)
    ]

    assert len({t.token for t in tokens}) == 40
    assert len({t.prefix for t in tokens}) == 40


@pytest.mark.parametrize("kind", SECRETS)
def test_the_stored_hash_is_the_sha256_hex_of_the_token_and_never_the_token(kind: str) -> None:
    issued: IssuedSecret = SECRETS[kind]

    assert issued.secret_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert hash_secret(issued.token) == issued.secret_hash
    assert re.fullmatch(r"[0-9a-f]{64}", issued.secret_hash)
    # All that follows the prefix: the secret's own alphabet has "_", so the last "_" is not
    # where it starts (a last fragment of one character would be found in any hash).
    secret_part = issued.token.split(f"_{issued.prefix}_", 1)[1]
    assert issued.token not in issued.secret_hash
    assert secret_part not in issued.secret_hash


@pytest.mark.parametrize("kind", SECRETS)
def test_the_exact_token_matches_its_hash(kind: str) -> None:
    issued = SECRETS[kind]

    presented = PresentedToken.parse(issued.token)

    assert presented is not None
    assert presented.matches(issued.secret_hash)


def test_a_token_does_not_match_another_tokens_hash() -> None:
    user = PresentedToken.parse(USER_SECRET.token)
    key = PresentedToken.parse(API_KEY_SECRET.token)
    assert user is not None
    assert key is not None

    assert not user.matches(API_KEY_SECRET.secret_hash)
    assert not key.matches(USER_SECRET.secret_hash)
    assert not user.matches(USER_SECRET.token)  # the raw token is not a hash


@given(st.sampled_from(sorted(SECRETS)), st.data())
def test_any_single_character_change_makes_the_token_unparsable_or_unmatched(
    kind: str, data: st.DataObject
) -> None:
    issued = SECRETS[kind]
    token = issued.token
    index = data.draw(st.integers(0, len(token) - 1), label="index")
    replacement = data.draw(st.characters().filter(lambda c: c != token[index]), label="char")
    changed = token[:index] + replacement + token[index + 1 :]

    presented = PresentedToken.parse(changed)

    assert presented is None or not presented.matches(issued.secret_hash)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "vau",
        "Bearer " + USER_SECRET.token,
        USER_SECRET.token[:-1],
        USER_SECRET.token.upper(),
        "vak_" + USER_SECRET.token[4:],
        "vau_" + API_KEY_SECRET.token[4:],
    ],
    # the tokens are random: name the cases so every test worker collects the same ones
    ids=[
        "empty",
        "prefix-only",
        "with-scheme",
        "truncated",
        "upper-case",
        "wrong-kind",
        "key-as-user",
    ],
)
def test_parse_returns_none_for_what_is_not_a_token(raw: str) -> None:
    assert PresentedToken.parse(raw) is None


@pytest.mark.parametrize("suffix", [" ", "x", "=", "\n", "\r\n"])
@pytest.mark.parametrize("kind", SECRETS)
def test_parse_returns_none_for_a_token_with_anything_appended(kind: str, suffix: str) -> None:
    assert PresentedToken.parse(SECRETS[kind].token + suffix) is None


# --- usability, expiry and revocation -------------------------------------------------------


@pytest.mark.parametrize("build", CREDENTIALS.values(), ids=CREDENTIALS.keys())
def test_a_credential_without_expiry_is_usable_until_revoked(build: Build) -> None:
    credential = build()
    far = CREATED + timedelta(days=36500)

    assert credential.usable_at(CREATED)
    assert credential.usable_at(far)

    credential.revoke(CREATED + timedelta(days=1))

    assert not credential.usable_at(CREATED)
    assert not credential.usable_at(far)


@pytest.mark.parametrize("build", CREDENTIALS.values(), ids=CREDENTIALS.keys())
def test_a_credential_stops_being_usable_exactly_at_its_expiry(build: Build) -> None:
    expires = CREATED + timedelta(hours=1)
    credential = build(expires_at=expires)

    assert credential.usable_at(CREATED)
    assert credential.usable_at(expires - timedelta(microseconds=1))
    assert not credential.usable_at(expires)
    assert not credential.usable_at(expires + timedelta(microseconds=1))


@given(
    kind=st.sampled_from(sorted(CREDENTIALS)),
    lifetime=st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=3650)),
    offset=st.timedeltas(min_value=timedelta(days=-10), max_value=timedelta(days=3660)),
    revoked=st.booleans(),
)
def test_usable_exactly_while_unrevoked_and_before_expiry(
    kind: str, lifetime: timedelta, offset: timedelta, revoked: bool
) -> None:
    credential = CREDENTIALS[kind](expires_at=CREATED + lifetime)
    if revoked:
        credential.revoke(CREATED)

    assert credential.usable_at(CREATED + offset) == (not revoked and offset < lifetime)


@pytest.mark.parametrize("build", CREDENTIALS.values(), ids=CREDENTIALS.keys())
@pytest.mark.parametrize("delta", [timedelta(0), timedelta(seconds=-1), timedelta(days=-400)])
def test_an_expiry_not_after_creation_is_invalid(build: Build, delta: timedelta) -> None:
    with pytest.raises(InvalidValue) as raised:
        build(expires_at=CREATED + delta)

    assert raised.value.field == "expires_at"


@pytest.mark.parametrize("build", CREDENTIALS.values(), ids=CREDENTIALS.keys())
def test_moving_the_expiry_to_creation_is_invalid_too(build: Build) -> None:
    credential = build(expires_at=CREATED + timedelta(days=1))

    with pytest.raises(InvalidValue) as raised:
        credential.expires_at = CREATED

    assert raised.value.field == "expires_at"
    assert credential.expires_at == CREATED + timedelta(days=1)


@pytest.mark.parametrize("build", CREDENTIALS.values(), ids=CREDENTIALS.keys())
def test_revoking_twice_is_an_invalid_transition_and_keeps_the_first_time(build: Build) -> None:
    credential = build()
    first = CREATED + timedelta(minutes=5)
    credential.revoke(first)

    with pytest.raises(InvalidStateTransition) as raised:
        credential.revoke(first + timedelta(minutes=5))

    assert raised.value.field == "revoked_at"
    assert credential.revoked_at == first

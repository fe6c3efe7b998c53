"""Bearer credentials: user tokens and tenant API keys.

A credential is an opaque random secret shown once. At rest only its SHA-256 hash is kept,
found again by a short public prefix embedded in the token. A tenant API key also carries
its tenant id in the clear, so it can be looked up inside that tenant's row-level security
context without any privileged lookup.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from domain.errors import InvalidStateTransition, InvalidValue
from domain.ids import ApiKeyId, TenantId, UserId, UserTokenId
from domain.tenancy import Role
from domain.values import check_horizon, non_blank

USER_TOKEN_MARK = "vau"
API_KEY_MARK = "vak"
LAST_USED_GRANULARITY = timedelta(minutes=1)
_SECRET_BYTES = 32
_PREFIX_BYTES = 6
_TOKEN = re.compile(
    r"(?:(?P<user>vau)_(?P<uprefix>[0-9a-f]{12})|(?P<key>vak)_(?P<tenant>[0-9a-f]{32})_(?P<kprefix>[0-9a-f]{12}))"
    r"_(?P<secret>[A-Za-z0-9_-]{43})"
)


class CredentialKind(enum.StrEnum):
    USER_TOKEN = "user_token"
    API_KEY = "api_key"


@attrs.frozen
class PresentedToken:
    """What a bearer token says about itself, before it is checked against the store."""

    kind: CredentialKind
    prefix: str
    tenant_id: TenantId | None
    raw: str

    @functools.cached_property
    def secret_hash(self) -> str:
        return hash_secret(self.raw)

    @classmethod
    def parse(cls, raw: str) -> PresentedToken | None:
        match = _TOKEN.fullmatch(raw)  # fullmatch: `$` would let a trailing newline in
        if match is None:
            return None
        if match["user"]:
            return cls(CredentialKind.USER_TOKEN, match["uprefix"], None, raw)
        return cls(
            CredentialKind.API_KEY, match["kprefix"], TenantId(UUID(hex=match["tenant"])), raw
        )

    def matches(self, secret_hash: str) -> bool:
        return hmac.compare_digest(self.secret_hash, secret_hash)


@attrs.frozen
class IssuedSecret:
    """A freshly issued token: `token` is shown once, `secret_hash` is stored."""

    token: str
    prefix: str
    secret_hash: str


def hash_secret(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_user_token_secret() -> IssuedSecret:
    prefix = secrets.token_hex(_PREFIX_BYTES)
    token = f"{USER_TOKEN_MARK}_{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    return IssuedSecret(token, prefix, hash_secret(token))


def issue_api_key_secret(tenant_id: TenantId) -> IssuedSecret:
    prefix = secrets.token_hex(_PREFIX_BYTES)
    token = f"{API_KEY_MARK}_{tenant_id.hex}_{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    return IssuedSecret(token, prefix, hash_secret(token))


def _expiry_in_future(instance: Credential, _a: object, value: datetime | None) -> None:
    if value is not None and value <= instance.created_at:
        raise InvalidValue("expires_at must be in the future", field="expires_at")
    check_horizon(value, instance.created_at)


@attrs.define(kw_only=True)
class Credential:
    """What user tokens and API keys share: a named, hashed secret that expires and is revoked."""

    name: str = attrs.field(validator=non_blank(max_len=100))
    prefix: str
    secret_hash: str
    created_at: datetime
    expires_at: datetime | None = attrs.field(default=None, validator=_expiry_in_future)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def use_worth_recording(self, now: datetime) -> bool:
        """Whether a use at `now` should be written: `last_used_at` is kept to the minute, so
        a busy credential costs one write a minute, not one per request."""
        return self.last_used_at is None or now - self.last_used_at >= LAST_USED_GRANULARITY

    def revoke(self, at: datetime) -> None:
        if self.revoked_at is not None:
            raise InvalidStateTransition("the credential is already revoked", field="revoked_at")
        self.revoked_at = at


@attrs.define(kw_only=True)
class ApiKey(Credential):
    """A tenant API key: acts inside one tenant with its role."""

    id: ApiKeyId
    tenant_id: TenantId
    role: Role
    created_by: UserId | None

    def acting_role(self, creator_ceiling: Role | None, now: datetime) -> Role | None:
        """The role the key acts with at `now`: its own, capped by `creator_ceiling`, the most
        its creator may do in the tenant today (None: nothing, so neither may the key).
        None when the key cannot act at all: revoked, expired or without a standing creator.

        A key never does more than the person behind it could do themself right now.
        """
        if creator_ceiling is None or not self.usable_at(now):
            return None
        return self.role if creator_ceiling.at_least(self.role) else creator_ceiling


@attrs.define(kw_only=True)
class UserToken(Credential):
    """A personal access token: acts as its user."""

    id: UserTokenId
    user_id: UserId

"""Sign-in, sign-out, password change and reset, on the in-memory adapters with a fast hasher
and a clock the test moves."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest.mock import MagicMock

import argon2
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from hypothesis import given
from hypothesis import strategies as st

from adapters.memory.email import RecordingMailer
from adapters.passwords import Argon2PasswordHasher
from application.access import Principal
from application.context import UseCaseDeps
from application.credentials import CredentialService
from application.errors import RateLimited, ResetTokenInvalid, Unauthenticated
from application.sign_in import INVALID_CREDENTIALS, SignInPolicy, SignInService
from domain.errors import InvalidValue
from domain.passwords import ThrottleRule, after_failure, new_password
from domain.tenancy import User
from domain.values import Email
from entrypoints.http.routing import USE_CASES
from entrypoints.http.sign_in import client_address
from tests.support import MutableClock, World
from tests.unit.helpers import AuditTap

PASSWORD = "correct horse battery"
CLIENT = "203.0.113.7"
RESET_TOKEN = re.compile(r"vpr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")
FAST_HASHER = Argon2PasswordHasher.fast_for_tests()


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


@pytest.fixture
def service(deps: UseCaseDeps, mailer: RecordingMailer) -> SignInService:
    return SignInService(deps, FAST_HASHER, mailer)


async def with_password(
    deps: UseCaseDeps,
    user: User,
    password: str = PASSWORD,
    hasher: Argon2PasswordHasher = FAST_HASHER,
) -> None:
    async with deps.uows() as tx:
        stored = await tx.users.get(user.id)
        assert stored is not None
        stored.set_password(hasher.hash(password), deps.clock.now())
        await tx.users.save(stored)
        await tx.commit()


async def stored_user(deps: UseCaseDeps, user: User) -> User:
    async with deps.uows() as tx:
        found = await tx.users.get(user.id)
    assert found is not None
    return found


async def test_unknown_address_no_password_wrong_password_and_inactive_user_answer_alike(
    world: World, deps: UseCaseDeps, service: SignInService, audit_tap: AuditTap
):
    ada = await world.user("ada@example.com")
    await with_password(deps, ada)
    await world.user("nopass@example.com")
    gone = await world.user("gone@example.com")
    await with_password(deps, gone)
    async with deps.uows() as tx:
        stored = await tx.users.get(gone.id)
        assert stored is not None
        stored.deactivate(deps.clock.now())
        await tx.users.save(stored)
        await tx.commit()
    audit_tap.new()

    cases = [
        ("nobody@example.com", PASSWORD, "unknown_address"),
        ("nopass@example.com", PASSWORD, "no_password"),
        ("ada@example.com", "wrong password!", "wrong_password"),
        ("gone@example.com", PASSWORD, "inactive_user"),
    ]
    for email, password, _ in cases:
        with pytest.raises(Unauthenticated) as refused:
            await service.sign_in(Email.parse(email), password, CLIENT)
        assert refused.value.message == INVALID_CREDENTIALS

    entries = audit_tap.new()
    assert [e.action for e in entries] == ["user.sign_in_failed"] * 4
    assert [e.changes["reason"] for e in entries] == [reason for *_, reason in cases]
    assert all(e.tenant_id is None and e.actor.kind == "anonymous" for e in entries)
    assert not any(PASSWORD in str(e.changes) or "nobody@" in str(e.changes) for e in entries)


async def test_a_sign_in_gives_a_token_that_acts_as_the_user_until_it_expires(
    world: World, deps: UseCaseDeps, service: SignInService, clock: MutableClock, audit_tap
):
    ada = await world.user("ada@example.com")
    await with_password(deps, ada)

    signed_in = await service.sign_in(Email.parse("ADA@example.com"), PASSWORD, CLIENT)

    assert signed_in.user.id == ada.id
    assert signed_in.credential.name == "sign-in"
    assert signed_in.credential.expires_at == clock.now() + timedelta(hours=12)
    credentials = CredentialService(deps)
    assert (await credentials.authenticate(signed_in.token)).user_id == ada.id
    assert [e.action for e in audit_tap.new()][-1] == "user.signed_in"

    await service.sign_out(Principal.user(ada.id), signed_in.token)
    deps.access.forget_all()
    with pytest.raises(Unauthenticated):
        await credentials.authenticate(signed_in.token)

    again = await service.sign_in(Email.parse("ada@example.com"), PASSWORD, CLIENT)
    clock.advance(hours=12)
    with pytest.raises(Unauthenticated):
        await credentials.authenticate(again.token)


async def test_a_hash_made_with_other_parameters_is_replaced_at_sign_in(
    world: World, deps: UseCaseDeps, service: SignInService
):
    ada = await world.user("ada@example.com")
    older = Argon2PasswordHasher(argon2.PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    await with_password(deps, ada, hasher=older)
    before = (await stored_user(deps, ada)).password_hash
    assert before is not None
    assert FAST_HASHER.needs_rehash(before)

    await service.sign_in(Email.parse("ada@example.com"), PASSWORD, CLIENT)

    after = (await stored_user(deps, ada)).password_hash
    assert after is not None
    assert after != before
    assert not FAST_HASHER.needs_rehash(after)
    assert FAST_HASHER.verify(after, PASSWORD)


async def test_the_fifth_failure_blocks_the_address_and_a_success_starts_the_count_again(
    world: World, deps: UseCaseDeps, service: SignInService, clock: MutableClock
):
    ada = await world.user("ada@example.com")
    await with_password(deps, ada)
    email = Email.parse("ada@example.com")

    async def fail(times: int) -> None:
        for _ in range(times):
            with pytest.raises(Unauthenticated):
                await service.sign_in(email, "not the password", CLIENT)

    await fail(4)
    await service.sign_in(email, PASSWORD, CLIENT)  # clears the count
    await fail(4)
    clock.advance(minutes=1)
    with pytest.raises(RateLimited) as fifth:  # the fifth in the window: counted, and says so
        await service.sign_in(email, "not the password", CLIENT)
    assert fifth.value.retry_after_seconds == 15 * 60

    with pytest.raises(RateLimited) as blocked:
        await service.sign_in(email, PASSWORD, CLIENT)  # not even the right one is checked
    assert blocked.value.retry_after_seconds == 15 * 60
    clock.advance(minutes=10)
    with pytest.raises(RateLimited) as still:
        await service.sign_in(email, PASSWORD, "198.51.100.1")  # from anywhere
    assert still.value.retry_after_seconds == 5 * 60

    clock.advance(minutes=5)
    assert (await service.sign_in(email, PASSWORD, CLIENT)).user.id == ada.id


async def test_one_client_failing_on_many_addresses_is_blocked(deps: UseCaseDeps, mailer):
    window = timedelta(minutes=15)
    service = SignInService(
        deps, FAST_HASHER, mailer, SignInPolicy(per_client=ThrottleRule(3, window, window))
    )
    for n in range(2):
        with pytest.raises(Unauthenticated):
            await service.sign_in(Email.parse(f"guess{n}@example.com"), PASSWORD, CLIENT)
    with pytest.raises(RateLimited):  # the third failure blocks the client
        await service.sign_in(Email.parse("guess2@example.com"), PASSWORD, CLIENT)

    with pytest.raises(RateLimited):
        await service.sign_in(Email.parse("another@example.com"), PASSWORD, CLIENT)
    with pytest.raises(Unauthenticated):  # another client is not blocked
        await service.sign_in(Email.parse("another@example.com"), PASSWORD, "198.51.100.1")


async def test_changing_a_password_needs_the_current_one_and_signs_out_the_other_tokens(
    world: World, deps: UseCaseDeps, service: SignInService, mailer: RecordingMailer
):
    ada = await world.user("ada@example.com")
    await with_password(deps, ada)
    email = Email.parse("ada@example.com")
    here = await service.sign_in(email, PASSWORD, CLIENT)
    elsewhere = await service.sign_in(email, PASSWORD, CLIENT)
    me = Principal.user(ada.id)

    with pytest.raises(InvalidValue) as missing:
        await service.change_password(me, here.token, "a brand new password", None)
    assert missing.value.field == "current_password"
    with pytest.raises(InvalidValue) as wrong:
        await service.change_password(me, here.token, "a brand new password", "guess")
    assert wrong.value.field == "current_password"
    with pytest.raises(InvalidValue) as short:
        await service.change_password(me, here.token, "short", PASSWORD)
    assert short.value.field == "new_password"

    await service.change_password(me, here.token, "a brand new password", PASSWORD)
    await service.drain()

    credentials = CredentialService(deps)
    deps.access.forget_all()
    assert (await credentials.authenticate(here.token)).user_id == ada.id
    with pytest.raises(Unauthenticated):
        await credentials.authenticate(elsewhere.token)
    with pytest.raises(Unauthenticated):
        await service.sign_in(email, PASSWORD, CLIENT)
    await service.sign_in(email, "a brand new password", CLIENT)
    assert [m.kind for m in mailer.to("ada@example.com")] == ["password_changed"]


async def test_a_first_password_needs_no_current_one(
    world: World, deps: UseCaseDeps, service: SignInService
):
    ada = await world.user("ada@example.com")
    await service.change_password(Principal.user(ada.id), "", "my first password", None)
    assert await service.sign_in(Email.parse("ada@example.com"), "my first password", CLIENT)


async def test_a_reset_token_comes_by_mail_works_once_and_signs_out_everywhere(
    world: World,
    deps: UseCaseDeps,
    service: SignInService,
    mailer: RecordingMailer,
    audit_tap: AuditTap,
):
    ada = await world.user("ada@example.com")
    await with_password(deps, ada)
    email = Email.parse("ada@example.com")
    session = await service.sign_in(email, PASSWORD, CLIENT)

    await service.request_reset(email, CLIENT)
    await service.request_reset(Email.parse("nobody@example.com"), CLIENT)
    await service.drain()

    assert [m.kind for m in mailer.sent] == ["password_reset"]
    found = RESET_TOKEN.search(mailer.sent[0].body)
    assert found is not None
    token = found[0]
    await service.confirm_reset(token, "a brand new password", CLIENT)
    await service.drain()

    with pytest.raises(ResetTokenInvalid):
        await service.confirm_reset(token, "yet another password", CLIENT)
    deps.access.forget_all()
    with pytest.raises(Unauthenticated):
        await CredentialService(deps).authenticate(session.token)
    with pytest.raises(Unauthenticated):
        await service.sign_in(email, PASSWORD, CLIENT)
    await service.sign_in(email, "a brand new password", CLIENT)
    assert [m.kind for m in mailer.sent] == ["password_reset", "password_changed"]
    actions = [e.action for e in audit_tap.new()]
    assert actions.count("user.password_reset_requested") == 2
    assert "user.password_reset" in actions
    assert "user.password_reset_failed" in actions


async def test_an_expired_or_unknown_reset_token_is_refused_alike(
    world: World,
    deps: UseCaseDeps,
    service: SignInService,
    mailer: RecordingMailer,
    clock: MutableClock,
):
    ada = await world.user("ada@example.com")
    await service.request_reset(Email.parse("ada@example.com"), CLIENT)
    await service.drain()
    found = RESET_TOKEN.search(mailer.sent[0].body)
    assert found is not None

    with pytest.raises(InvalidValue):  # a refused password leaves the token usable...
        await service.confirm_reset(found[0], "ada@example.com", CLIENT)
    clock.advance(minutes=31)  # ...for 30 minutes
    refusals = []
    for token in (found[0], "vpr_" + "0" * 12 + "_" + "A" * 43, "garbage"):
        with pytest.raises(ResetTokenInvalid) as refused:
            await service.confirm_reset(token, "a brand new password", CLIENT)
        refusals.append(refused.value.message)
    assert len(set(refusals)) == 1
    assert (await stored_user(deps, ada)).password_hash is None


def test_the_password_policy_says_what_is_wrong():
    ada = Email.parse("Ada@Example.com")
    assert new_password("ten chars!", ada) == "ten chars!"
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c != " " else c for c in "fullwidth pass")
    assert new_password(fullwidth, ada) == "fullwidth pass"  # NFKC
    for bad, words in [
        ("nine char", "at least 10"),
        ("x" * 257, "at most 256"),
        ("ada@example.com", "email address"),
        ("with\x00nul char", "NUL"),
    ]:
        with pytest.raises(InvalidValue) as refused:
            new_password(bad, ada)
        assert words in refused.value.message
        assert refused.value.field == "password"


RULE = ThrottleRule(5, timedelta(minutes=15), timedelta(minutes=15))


@given(gaps=st.lists(st.integers(0, 40 * 60), min_size=1, max_size=20))
def test_a_key_is_blocked_exactly_when_limit_failures_fall_in_one_window(gaps: list[int]):
    """Replaying failures `gaps` seconds apart: blocked right after the failure that makes
    `limit` of them since the window began (the window restarting when it has passed or a
    block has ended), and for `block` from then."""
    clock = MutableClock()
    state = None
    started, count = clock.now(), 0
    for gap in gaps:
        clock.advance(seconds=gap)
        now = clock.now()
        ended = state is not None and state.blocked_until is not None and now >= state.blocked_until
        if state is None or now >= started + RULE.window or ended:
            started, count = now, 0
        count += 1
        state = after_failure(state, RULE, now)
        assert state.failures == count
        assert state.blocked_at(now) == (count >= RULE.limit)
        if count >= RULE.limit:
            assert state.blocked_until == now + RULE.block


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.9", "192.0.2.1"),  # no proxy: the header is the client's to write
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "10.0.0.1, 198.51.100.9", "198.51.100.9"),  # the forged first entry is ignored
        (2, "10.0.0.1, 198.51.100.9, 203.0.113.5", "198.51.100.9"),
        (2, "198.51.100.9", "192.0.2.1"),  # fewer entries than proxies: the peer
    ],
)
def test_the_client_address_believes_only_what_trusted_proxies_wrote(
    proxies: int, forwarded: str, expected: str
):
    app = web.Application()
    app[USE_CASES] = MagicMock(sign_in=MagicMock(policy=SignInPolicy(trusted_proxies=proxies)))
    transport = MagicMock()
    transport.get_extra_info.return_value = ("192.0.2.1", 40000)
    request = make_mocked_request(
        "POST",
        "/v1/auth/sign-in",
        headers={"X-Forwarded-For": forwarded},
        app=app,
        transport=transport,
    )
    assert client_address(request) == expected

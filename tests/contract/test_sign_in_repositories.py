"""The sign-in throttle, password reset tokens and a user's password, on every adapter."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from adapters.ids import Uuid7Generator
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.credentials import UserToken, issue_user_token_secret
from domain.ids import UserId, UserTokenId
from domain.passwords import (
    PasswordResetToken,
    PasswordResetTokenId,
    ThrottleKey,
    ThrottleRule,
    issue_reset_secret,
)
from domain.tenancy import User
from domain.values import Email

ids = Uuid7Generator()
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
RULE = ThrottleRule(3, timedelta(minutes=15), timedelta(minutes=10))
ADA = ThrottleKey.of("sign_in.address", "ada@example.com")
CLIENT = ThrottleKey.of("sign_in.client", "203.0.113.7")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def a_user(uows: UnitOfWorkFactory, email: str = "ada@example.com") -> User:
    user = User(UserId(ids.new()), Email.parse(email), created_at=T0, updated_at=T0)
    async with uows() as tx:
        await tx.users.add(user)
        await tx.commit()
    return user


async def test_failures_block_a_key_at_the_limit_and_clear_forgets_them(uows):
    async with uows() as tx:
        states = [await tx.sign_in_throttle.record_failure(ADA, RULE, at(m)) for m in (0, 1, 2)]
        await tx.sign_in_throttle.record_failure(CLIENT, RULE, at(2))
        await tx.commit()

    assert [(s.failures, s.blocked_until) for s in states] == [(1, None), (2, None), (3, at(12))]
    assert states[-1].window_started_at == at(0)
    async with uows() as tx:
        assert await tx.sign_in_throttle.blocked_until([CLIENT, ADA], at(5)) == at(12)
        assert await tx.sign_in_throttle.blocked_until([CLIENT], at(5)) is None
        assert await tx.sign_in_throttle.blocked_until([ADA], at(12)) is None
        # After the block, the count starts again.
        after = await tx.sign_in_throttle.record_failure(ADA, RULE, at(13))
        assert (after.failures, after.window_started_at, after.blocked_until) == (1, at(13), None)
        await tx.sign_in_throttle.clear(ADA)
        again = await tx.sign_in_throttle.record_failure(ADA, RULE, at(14))
        assert (again.failures, again.window_started_at) == (1, at(14))
        await tx.commit()


async def test_a_window_that_has_passed_starts_the_count_again(uows):
    async with uows() as tx:
        await tx.sign_in_throttle.record_failure(ADA, RULE, at(0))
        await tx.sign_in_throttle.record_failure(ADA, RULE, at(14))
        state = await tx.sign_in_throttle.record_failure(ADA, RULE, at(15))
        await tx.commit()
    assert (state.failures, state.window_started_at, state.blocked_until) == (1, at(15), None)


async def test_failures_counted_at_once_by_two_transactions_are_both_counted(uows):
    async def fail() -> None:
        async with uows() as tx:
            await tx.sign_in_throttle.record_failure(ADA, RULE, at(0))
            await asyncio.sleep(0)
            await tx.commit()

    await asyncio.gather(fail(), fail())
    async with uows() as tx:
        state = await tx.sign_in_throttle.record_failure(ADA, RULE, at(1))
    assert state.failures == 3


async def test_purge_forgets_only_what_has_ended(uows):
    other = ThrottleKey.of("sign_in.address", "bob@example.com")
    async with uows() as tx:
        for m in (0, 1, 2):
            await tx.sign_in_throttle.record_failure(ADA, RULE, at(m))  # blocked until 12
        await tx.sign_in_throttle.record_failure(other, RULE, at(1))
        await tx.commit()
    async with uows() as tx:
        assert await tx.sign_in_throttle.purge(at(1)) == 0
        assert await tx.sign_in_throttle.purge(at(11)) == 1  # bob's; ada is still blocked
        await tx.commit()
    async with uows() as tx:
        assert await tx.sign_in_throttle.blocked_until([ADA], at(11)) == at(12)
        assert await tx.sign_in_throttle.purge(at(13)) == 1
        await tx.commit()


async def test_reset_tokens_are_found_by_prefix_used_and_voided_together(uows):
    ada = await a_user(uows)
    tokens = [
        PasswordResetToken.issue(
            PasswordResetTokenId(ids.new()), ada.id, issue_reset_secret(), at(n)
        )
        for n in range(2)
    ]
    async with uows() as tx:
        for token in tokens:
            await tx.password_resets.add(token)
        await tx.commit()

    async with uows() as tx:
        found = await tx.password_resets.by_prefix_for_update(tokens[0].prefix)
        assert found == tokens[0]
        assert found is not None
        found.use(at(1))
        await tx.password_resets.save(found)
        assert await tx.password_resets.by_prefix_for_update("0" * 12) is None
        await tx.commit()
    async with uows() as tx:
        assert await tx.password_resets.use_all_of(ada.id, at(2)) == 1
        await tx.commit()
    async with uows() as tx:
        first = await tx.password_resets.by_prefix_for_update(tokens[0].prefix)
        second = await tx.password_resets.by_prefix_for_update(tokens[1].prefix)
    assert first is not None
    assert first.used_at == at(1)
    assert second is not None
    assert second.used_at == at(2)


async def test_a_password_is_stored_with_the_user_and_tokens_revoked_but_one(uows):
    ada = await a_user(uows)
    made = []
    for n in range(3):
        secret = issue_user_token_secret()
        made.append(
            UserToken(
                id=UserTokenId(ids.new()),
                user_id=ada.id,
                name=f"t{n}",
                prefix=secret.prefix,
                secret_hash=secret.secret_hash,
                created_at=at(n),
            )
        )
    async with uows() as tx:
        for token in made:
            await tx.user_tokens.add(token)
        user = await tx.users.get(ada.id)
        assert user is not None
        assert user.password_hash is None
        user.set_password("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA", at(5))
        await tx.users.save(user)
        await tx.commit()

    async with uows() as tx:
        revoked = await tx.user_tokens.revoke_all_of(ada.id, at(6), keep=made[1].id)
        await tx.commit()
    assert [t.id for t in revoked] == [made[0].id, made[2].id]
    async with uows() as tx:
        user = await tx.users.get(ada.id)
        kept = await tx.user_tokens.get(ada.id, made[1].id)
        gone = await tx.user_tokens.get(ada.id, made[0].id)
    assert user is not None
    assert user.password_hash == "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA"
    assert user.password_changed_at == at(5)
    assert kept is not None
    assert kept.revoked_at is None
    assert gone is not None
    assert gone.revoked_at == at(6)

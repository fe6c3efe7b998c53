"""Password reset tokens and the sign-in throttle in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from adapters.memory.repositories import Overlay
from domain.ids import UserId
from domain.passwords import (
    PasswordResetToken,
    ThrottleKey,
    ThrottleRule,
    ThrottleState,
    after_failure,
)

if TYPE_CHECKING:
    from adapters.memory.unit_of_work import InMemoryUnitOfWork


class InMemoryPasswordResetTokenRepository:
    def __init__(self, overlay: Overlay, uow: InMemoryUnitOfWork) -> None:
        self._o = overlay
        self._uow = uow

    async def add(self, token: PasswordResetToken) -> None:
        self._o.put("password_reset_tokens", token.prefix, token)

    async def by_prefix_for_update(self, prefix: str) -> PasswordResetToken | None:
        await self._uow.lock_row("password_reset_tokens", prefix)
        token: PasswordResetToken | None = self._o.get("password_reset_tokens", prefix)
        return token

    async def save(self, token: PasswordResetToken) -> None:
        self._o.put("password_reset_tokens", token.prefix, token)

    async def use_all_of(self, user_id: UserId, at: datetime) -> int:
        unused = [
            t
            for t in self._o.rows("password_reset_tokens")
            if t.user_id == user_id and t.used_at is None
        ]
        for token in unused:
            token.use(at)
            self._o.put("password_reset_tokens", token.prefix, token)
        return len(unused)


class InMemorySignInThrottle:
    def __init__(self, overlay: Overlay, uow: InMemoryUnitOfWork) -> None:
        self._o = overlay
        self._uow = uow

    async def blocked_until(self, keys: Sequence[ThrottleKey], now: datetime) -> datetime | None:
        ends = [
            state.blocked_until
            for key in keys
            if (state := self._o.get("sign_in_throttle", key)) is not None
            and state.blocked_until is not None
            and state.blocked_at(now)
        ]
        return max(ends, default=None)

    async def record_failure(
        self, key: ThrottleKey, rule: ThrottleRule, now: datetime
    ) -> ThrottleState:
        # The row lock of the UPSERT: counts of one key never interleave.
        await self._uow.lock_row("sign_in_throttle", key)
        state = after_failure(self._o.get("sign_in_throttle", key), rule, now)
        self._o.put("sign_in_throttle", key, state)
        return state

    async def clear(self, key: ThrottleKey) -> None:
        if self._o.get("sign_in_throttle", key) is not None:
            self._o.delete("sign_in_throttle", key)

    async def purge(self, before: datetime) -> int:
        stale = [
            key
            for key, state in self._o.items("sign_in_throttle")
            if state.last_failure_at < before
            and (state.blocked_until is None or state.blocked_until < before)
        ]
        for key in stale:
            self._o.delete("sign_in_throttle", key)
        return len(stale)

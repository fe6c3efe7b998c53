"""What sign-in needs kept: password reset tokens and the throttle of failed attempts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.ids import UserId
from domain.passwords import PasswordResetToken, ThrottleKey, ThrottleRule, ThrottleState


class PasswordResetTokenRepository(Protocol):
    async def add(self, token: PasswordResetToken) -> None: ...
    async def by_prefix_for_update(self, prefix: str) -> PasswordResetToken | None:
        """The token, locked until the transaction ends: two confirmations of one token
        queue, and the second finds it used."""
        ...

    async def save(self, token: PasswordResetToken) -> None:
        """Store its `used_at`."""
        ...

    async def use_all_of(self, user_id: UserId, at: datetime) -> int:
        """Mark every unused token of the user used as of `at` (a new password voids the
        links still in the mailbox); returns how many."""
        ...


class SignInThrottle(Protocol):
    """Counts of failed attempts per key, shared by every API process."""

    async def blocked_until(self, keys: Sequence[ThrottleKey], now: datetime) -> datetime | None:
        """The latest end of a block, among `keys`, still running at `now`; None if none is."""
        ...

    async def record_failure(
        self, key: ThrottleKey, rule: ThrottleRule, now: datetime
    ) -> ThrottleState:
        """Count one failure (`domain.passwords.after_failure`) in one atomic step, however
        many processes count the same key at once."""
        ...

    async def clear(self, key: ThrottleKey) -> None: ...

    async def purge(self, before: datetime) -> int:
        """Forget the keys with no failure since `before` and no block running past it
        (`before` at least one window ago: their windows have ended)."""
        ...

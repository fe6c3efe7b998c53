"""PostgreSQL: password reset tokens and the sign-in throttle (global tables, no tenant)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres.repositories import insert_row
from adapters.postgres.tables import password_reset_tokens, sign_in_throttle
from domain.ids import UserId
from domain.passwords import (
    PasswordResetToken,
    PasswordResetTokenId,
    ThrottleKey,
    ThrottleRule,
    ThrottleState,
)


def _reset_token(row: Row[Any]) -> PasswordResetToken:
    m = row._mapping
    return PasswordResetToken(
        id=PasswordResetTokenId(m["id"]),
        user_id=UserId(m["user_id"]),
        prefix=m["prefix"],
        secret_hash=m["secret_hash"],
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        used_at=m["used_at"],
    )


class PostgresPasswordResetTokenRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, token: PasswordResetToken) -> None:
        await insert_row(
            self._conn,
            password_reset_tokens,
            {
                "id": token.id,
                "user_id": token.user_id,
                "prefix": token.prefix,
                "secret_hash": token.secret_hash,
                "created_at": token.created_at,
                "expires_at": token.expires_at,
                "used_at": token.used_at,
            },
        )

    async def by_prefix_for_update(self, prefix: str) -> PasswordResetToken | None:
        query = (
            sa.select(password_reset_tokens)
            .where(password_reset_tokens.c.prefix == prefix)
            .with_for_update()
        )
        row = (await self._conn.execute(query)).first()
        return _reset_token(row) if row else None

    async def save(self, token: PasswordResetToken) -> None:
        await self._conn.execute(
            sa.update(password_reset_tokens)
            .where(password_reset_tokens.c.id == token.id)
            .values(used_at=token.used_at)
        )

    async def use_all_of(self, user_id: UserId, at: datetime) -> int:
        result = await self._conn.execute(
            sa.update(password_reset_tokens)
            .where(
                password_reset_tokens.c.user_id == user_id,
                password_reset_tokens.c.used_at.is_(None),
            )
            .values(used_at=at)
        )
        return int(result.rowcount)


# domain.passwords.after_failure in one statement: the row lock of ON CONFLICT serialises
# the processes counting one key, so no failure is lost and none counted twice.
_FRESH = (
    "(:now >= t.window_started_at + :window"
    " OR (t.blocked_until IS NOT NULL AND :now >= t.blocked_until))"
)
_COUNT = f"CASE WHEN {_FRESH} THEN 1 ELSE t.failures + 1 END"
_RECORD_FAILURE = sa.text(
    "INSERT INTO sign_in_throttle AS t"
    " (scope, key_hash, failures, window_started_at, last_failure_at, blocked_until)"
    " VALUES (:scope, :key_hash, 1, :now, :now,"
    "  CASE WHEN 1 >= :limit THEN :now + :block END)"
    " ON CONFLICT (scope, key_hash) DO UPDATE SET"
    f" failures = {_COUNT},"
    f" window_started_at = CASE WHEN {_FRESH} THEN :now ELSE t.window_started_at END,"
    " last_failure_at = :now,"
    f" blocked_until = CASE WHEN {_COUNT} >= :limit"
    f"  THEN GREATEST(:now + :block, CASE WHEN {_FRESH} THEN NULL ELSE t.blocked_until END)"
    f"  ELSE CASE WHEN {_FRESH} THEN NULL ELSE t.blocked_until END END"
    " RETURNING failures, window_started_at, last_failure_at, blocked_until"
).bindparams(
    sa.bindparam("now", type_=sa.DateTime(timezone=True)),
    sa.bindparam("window", type_=sa.Interval()),
    sa.bindparam("block", type_=sa.Interval()),
    sa.bindparam("limit", type_=sa.Integer()),
)


class PostgresSignInThrottle:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def blocked_until(self, keys: Sequence[ThrottleKey], now: datetime) -> datetime | None:
        if not keys:
            return None
        query = sa.select(sa.func.max(sign_in_throttle.c.blocked_until)).where(
            sa.tuple_(sign_in_throttle.c.scope, sign_in_throttle.c.key_hash).in_(
                [(k.scope, k.key_hash) for k in keys]
            ),
            sign_in_throttle.c.blocked_until > now,
        )
        until: datetime | None = (await self._conn.execute(query)).scalar_one()
        return until

    async def record_failure(
        self, key: ThrottleKey, rule: ThrottleRule, now: datetime
    ) -> ThrottleState:
        row = (
            await self._conn.execute(
                _RECORD_FAILURE,
                {
                    "scope": key.scope,
                    "key_hash": key.key_hash,
                    "now": now,
                    "window": rule.window,
                    "block": rule.block,
                    "limit": rule.limit,
                },
            )
        ).one()
        return ThrottleState(
            row.failures, row.window_started_at, row.last_failure_at, row.blocked_until
        )

    async def clear(self, key: ThrottleKey) -> None:
        await self._conn.execute(
            sa.delete(sign_in_throttle).where(
                sign_in_throttle.c.scope == key.scope,
                sign_in_throttle.c.key_hash == key.key_hash,
            )
        )

    async def purge(self, before: datetime) -> int:
        result = await self._conn.execute(
            sa.delete(sign_in_throttle).where(
                sign_in_throttle.c.last_failure_at < before,
                sa.or_(
                    sign_in_throttle.c.blocked_until.is_(None),
                    sign_in_throttle.c.blocked_until < before,
                ),
            )
        )
        return int(result.rowcount)

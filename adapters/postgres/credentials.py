"""PostgreSQL repositories of tenant API keys and personal tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres import mapping
from adapters.postgres.repositories import insert_row, keyset
from adapters.postgres.tables import api_keys, user_tokens
from application.pagination import PageRequest
from domain.credentials import LAST_USED_GRANULARITY, ApiKey, UserToken
from domain.ids import ApiKeyId, TenantId, UserId, UserTokenId

# The statements of the hot path (authentication) are built apart from running them, so
# that their plans can be checked (tests/integration/test_query_plans.py).


def api_key_by_prefix(tenant_id: TenantId, prefix: str) -> sa.Select[Any]:
    return sa.select(api_keys).where(api_keys.c.tenant_id == tenant_id, api_keys.c.prefix == prefix)


def user_token_by_prefix(prefix: str) -> sa.Select[Any]:
    return sa.select(user_tokens).where(user_tokens.c.prefix == prefix)


def _credential_values(credential: ApiKey | UserToken) -> dict[str, Any]:
    return {
        "id": credential.id,
        "name": credential.name,
        "prefix": credential.prefix,
        "secret_hash": credential.secret_hash,
        "created_at": credential.created_at,
        "updated_at": credential.created_at,
        "expires_at": credential.expires_at,
        "last_used_at": credential.last_used_at,
        "revoked_at": credential.revoked_at,
    }


def _touch(table: sa.Table, credential_id: Any, at: datetime) -> sa.Update:
    """Record a use, unless one was recorded within the granularity, or another request is
    recording one right now: a busy credential's requests never queue on its row."""
    free = (
        sa.select(table.c.id)
        .where(
            table.c.id == credential_id,
            sa.or_(
                table.c.last_used_at.is_(None), table.c.last_used_at < at - LAST_USED_GRANULARITY
            ),
        )
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return sa.update(table).where(table.c.id == free).values(last_used_at=at)


class PostgresApiKeyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, key: ApiKey) -> None:
        await insert_row(
            self._conn,
            api_keys,
            {
                **_credential_values(key),
                "tenant_id": key.tenant_id,
                "role": key.role.value,
                "created_by": key.created_by,
            },
        )

    async def get(self, tenant_id: TenantId, key_id: ApiKeyId) -> ApiKey | None:
        query = sa.select(api_keys).where(
            api_keys.c.tenant_id == tenant_id, api_keys.c.id == key_id
        )
        row = (await self._conn.execute(query)).first()
        return mapping.api_key_from(row) if row else None

    async def by_prefix(self, tenant_id: TenantId, prefix: str) -> ApiKey | None:
        row = (await self._conn.execute(api_key_by_prefix(tenant_id, prefix))).first()
        return mapping.api_key_from(row) if row else None

    async def save(self, key: ApiKey) -> None:
        await self._conn.execute(
            sa.update(api_keys)
            .where(api_keys.c.tenant_id == key.tenant_id, api_keys.c.id == key.id)
            .values(name=key.name, revoked_at=key.revoked_at, updated_at=sa.func.now())
        )

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[ApiKey]:
        where, order = keyset(api_keys.c.created_at, api_keys.c.id, page)
        query = (
            sa.select(api_keys)
            .where(api_keys.c.tenant_id == tenant_id, *where)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [mapping.api_key_from(r) for r in await self._conn.execute(query)]

    async def mark_used(self, key_id: ApiKeyId, at: datetime) -> None:
        await self._conn.execute(_touch(api_keys, key_id, at))

    async def revoke_created_by(
        self, tenant_id: TenantId, user_id: UserId, at: datetime
    ) -> Sequence[ApiKey]:
        revoked = await self._conn.execute(
            sa.update(api_keys)
            .where(
                api_keys.c.tenant_id == tenant_id,
                api_keys.c.created_by == user_id,
                api_keys.c.revoked_at.is_(None),
            )
            .values(revoked_at=at, updated_at=sa.func.now())
            .returning(*api_keys.c)
        )
        keys = [mapping.api_key_from(r) for r in revoked]
        return sorted(keys, key=lambda k: (k.created_at, k.id))


class PostgresUserTokenRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, token: UserToken) -> None:
        await insert_row(
            self._conn, user_tokens, {**_credential_values(token), "user_id": token.user_id}
        )

    async def get(self, user_id: UserId, token_id: UserTokenId) -> UserToken | None:
        query = sa.select(user_tokens).where(
            user_tokens.c.user_id == user_id, user_tokens.c.id == token_id
        )
        row = (await self._conn.execute(query)).first()
        return mapping.user_token_from(row) if row else None

    async def by_prefix(self, prefix: str) -> UserToken | None:
        row = (await self._conn.execute(user_token_by_prefix(prefix))).first()
        return mapping.user_token_from(row) if row else None

    async def save(self, token: UserToken) -> None:
        await self._conn.execute(
            sa.update(user_tokens)
            .where(user_tokens.c.id == token.id)
            .values(name=token.name, revoked_at=token.revoked_at, updated_at=sa.func.now())
        )

    async def list(self, user_id: UserId, page: PageRequest) -> list[UserToken]:
        where, order = keyset(user_tokens.c.created_at, user_tokens.c.id, page)
        query = (
            sa.select(user_tokens)
            .where(user_tokens.c.user_id == user_id, *where)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [mapping.user_token_from(r) for r in await self._conn.execute(query)]

    async def mark_used(self, token_id: UserTokenId, at: datetime) -> None:
        await self._conn.execute(_touch(user_tokens, token_id, at))

    async def revoke_all_of(
        self, user_id: UserId, at: datetime, *, keep: UserTokenId | None = None
    ) -> Sequence[UserToken]:
        conditions = [user_tokens.c.user_id == user_id, user_tokens.c.revoked_at.is_(None)]
        if keep is not None:
            conditions.append(user_tokens.c.id != keep)
        revoked = await self._conn.execute(
            sa.update(user_tokens)
            .where(*conditions)
            .values(revoked_at=at, updated_at=sa.func.now())
            .returning(*user_tokens.c)
        )
        tokens = [mapping.user_token_from(r) for r in revoked]
        return sorted(tokens, key=lambda t: (t.created_at, t.id))

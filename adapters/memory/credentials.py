"""Tenant API keys and personal tokens in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.memory.repositories import Overlay, page_of
from application.pagination import PageRequest, Position
from domain.credentials import ApiKey, UserToken
from domain.ids import ApiKeyId, TenantId, UserId, UserTokenId


def _save_credential(overlay: Overlay, table: str, credential: ApiKey | UserToken) -> None:
    """Like the SQL adapter: only the name and the revocation change; last use is kept."""
    stored = overlay.get(table, credential.id)
    if stored is not None:
        stored.name = credential.name
        stored.revoked_at = credential.revoked_at
        overlay.put(table, credential.id, stored)


class InMemoryApiKeyRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def add(self, key: ApiKey) -> None:
        self._o.put("api_keys", key.id, key)

    async def get(self, tenant_id: TenantId, key_id: ApiKeyId) -> ApiKey | None:
        key = self._o.get("api_keys", key_id)
        return key if key is not None and key.tenant_id == tenant_id else None

    async def by_prefix(self, tenant_id: TenantId, prefix: str) -> ApiKey | None:
        return next(
            (
                k
                for k in self._o.rows("api_keys")
                if k.tenant_id == tenant_id and k.prefix == prefix
            ),
            None,
        )

    async def save(self, key: ApiKey) -> None:
        _save_credential(self._o, "api_keys", key)

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[ApiKey]:
        rows = [k for k in self._o.rows("api_keys") if k.tenant_id == tenant_id]
        return page_of(rows, page, lambda k: Position(k.created_at, k.id))

    async def mark_used(self, key_id: ApiKeyId, at: datetime) -> None:
        key = self._o.get("api_keys", key_id)
        if key is not None:
            key.last_used_at = at
            self._o.put("api_keys", key_id, key)

    async def revoke_created_by(
        self, tenant_id: TenantId, user_id: UserId, at: datetime
    ) -> Sequence[ApiKey]:
        revoked = sorted(
            (
                k
                for k in self._o.rows("api_keys")
                if k.tenant_id == tenant_id and k.created_by == user_id and k.revoked_at is None
            ),
            key=lambda k: (k.created_at, k.id),
        )
        for key in revoked:
            key.revoked_at = at
            self._o.put("api_keys", key.id, key)
        return revoked


class InMemoryUserTokenRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def add(self, token: UserToken) -> None:
        self._o.put("user_tokens", token.id, token)

    async def get(self, user_id: UserId, token_id: UserTokenId) -> UserToken | None:
        token = self._o.get("user_tokens", token_id)
        return token if token is not None and token.user_id == user_id else None

    async def by_prefix(self, prefix: str) -> UserToken | None:
        return next((t for t in self._o.rows("user_tokens") if t.prefix == prefix), None)

    async def save(self, token: UserToken) -> None:
        _save_credential(self._o, "user_tokens", token)

    async def list(self, user_id: UserId, page: PageRequest) -> list[UserToken]:
        rows = [t for t in self._o.rows("user_tokens") if t.user_id == user_id]
        return page_of(rows, page, lambda t: Position(t.created_at, t.id))

    async def mark_used(self, token_id: UserTokenId, at: datetime) -> None:
        token = self._o.get("user_tokens", token_id)
        if token is not None:
            token.last_used_at = at
            self._o.put("user_tokens", token_id, token)

    async def revoke_all_of(
        self, user_id: UserId, at: datetime, *, keep: UserTokenId | None = None
    ) -> Sequence[UserToken]:
        revoked = sorted(
            (
                t
                for t in self._o.rows("user_tokens")
                if t.user_id == user_id and t.revoked_at is None and t.id != keep
            ),
            key=lambda t: (t.created_at, t.id),
        )
        for token in revoked:
            token.revoked_at = at
            self._o.put("user_tokens", token.id, token)
        return revoked

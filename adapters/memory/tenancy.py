"""Users, tenants and memberships in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from adapters.memory.repositories import Overlay, page_of, save_versioned
from application.errors import AlreadyExists, ConcurrencyConflict
from application.pagination import PageRequest, Position
from domain.ids import TenantId, UserId
from domain.tenancy import Member, Membership, Role, Tenant, User, UserTenant
from domain.values import Email

if TYPE_CHECKING:
    from adapters.memory.unit_of_work import InMemoryUnitOfWork


# What refers to a user, as the database's foreign keys say: rows that go with them, and
# (table, field) of rows that stay and forget them.
_USER_OWNED = ("memberships", "user_tokens", "password_reset_tokens")
_USER_NAMED = (
    ("api_keys", "created_by"),
    ("overrides", "granted_by"),
    ("agents", "created_by"),
    ("batches", "created_by"),
    ("invitations", "invited_by"),
    ("invitations", "accepted_by"),
)


class InMemoryUserRepository:
    def __init__(self, overlay: Overlay, uow: InMemoryUnitOfWork) -> None:
        self._o = overlay
        self._uow = uow

    async def get(self, user_id: UserId) -> User | None:
        return self._o.get("users", user_id)  # type: ignore[no-any-return]

    async def by_email(self, email: Email) -> User | None:
        return next((u for u in self._o.rows("users") if u.email == email), None)

    async def add(self, user: User) -> None:
        if await self.by_email(user.email) is not None:
            raise AlreadyExists("user", "email")
        self._o.put("users", user.id, user)

    async def save(self, user: User) -> None:
        other = await self.by_email(user.email)
        if other is not None and other.id != user.id:
            raise AlreadyExists("user", "email")
        save_versioned(self._o, "users", user, "user")

    async def get_for_update(self, user_id: UserId) -> User | None:
        await self._uow.lock_row("users", user_id)
        return await self.get(user_id)

    async def remove(self, user: User) -> None:
        current = self._o.get("users", user.id)
        if current is None or current.version != user.version:
            raise ConcurrencyConflict("user", user.id)
        if self._o.committed("users", user.id) is not None:
            self._o.based_on.setdefault(("users", user.id), user.version)
        self._o.delete("users", user.id)
        for table in _USER_OWNED:
            for key, row in self._o.items(table):
                if getattr(row, "user_id", None) == user.id:
                    self._o.delete(table, key)
        for table, field in _USER_NAMED:
            for key, row in self._o.items(table):
                if getattr(row, field, None) == user.id:
                    self._o.put(table, key, attrs.evolve(row, **{field: None}))

    async def list(self, page: PageRequest) -> list[User]:
        return page_of(self._o.rows("users"), page, lambda u: Position(u.created_at, u.id))


class InMemoryTenantRepository:
    def __init__(self, overlay: Overlay, uow: InMemoryUnitOfWork) -> None:
        self._o = overlay
        self._uow = uow

    async def get(self, tenant_id: TenantId) -> Tenant | None:
        return self._o.get("tenants", tenant_id)  # type: ignore[no-any-return]

    async def get_for_update(self, tenant_id: TenantId) -> Tenant | None:
        await self._uow.lock_tenant(tenant_id)
        return await self.get(tenant_id)

    async def add(self, tenant: Tenant) -> None:
        self._o.put("tenants", tenant.id, tenant)

    async def save(self, tenant: Tenant) -> None:
        save_versioned(self._o, "tenants", tenant, "tenant")

    async def remove(self, tenant: Tenant) -> None:
        self._o.delete("tenants", tenant.id)

    async def list(self, page: PageRequest) -> list[Tenant]:
        return page_of(self._o.rows("tenants"), page, lambda t: Position(t.created_at, t.id))


class InMemoryMembershipRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def get(self, tenant_id: TenantId, user_id: UserId) -> Membership | None:
        return next(
            (
                m
                for m in self._o.rows("memberships")
                if m.tenant_id == tenant_id and m.user_id == user_id
            ),
            None,
        )

    async def add(self, membership: Membership) -> None:
        if await self.get(membership.tenant_id, membership.user_id) is not None:
            raise AlreadyExists(
                "membership", "user_id", "the user is already a member of this tenant"
            )
        self._o.put("memberships", membership.id, membership)

    async def save(self, membership: Membership) -> None:
        save_versioned(self._o, "memberships", membership, "membership")

    async def remove(self, membership: Membership) -> None:
        self._o.delete("memberships", membership.id)

    async def count_owners(self, tenant_id: TenantId) -> int:
        return sum(
            1
            for m in self._o.rows("memberships")
            if m.tenant_id == tenant_id and m.role is Role.OWNER
        )

    async def count(self, tenant_id: TenantId) -> int:
        return sum(1 for m in self._o.rows("memberships") if m.tenant_id == tenant_id)

    async def members(self, tenant_id: TenantId, page: PageRequest) -> list[Member]:
        rows = [
            Member(m, self._o.get("users", m.user_id))
            for m in self._o.rows("memberships")
            if m.tenant_id == tenant_id
        ]
        return page_of(rows, page, lambda r: Position(r.membership.created_at, r.membership.id))

    async def tenants_of(self, user_id: UserId, page: PageRequest) -> list[UserTenant]:
        rows = [
            UserTenant(self._o.get("tenants", m.tenant_id), m)
            for m in self._o.rows("memberships")
            if m.user_id == user_id
        ]
        return page_of(rows, page, lambda r: Position(r.membership.created_at, r.membership.id))

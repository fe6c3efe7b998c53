"""PostgreSQL repositories of users, tenants and memberships."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres import mapping
from adapters.postgres.prebuilt import Prebuilt
from adapters.postgres.repositories import insert_row, keyset, update_versioned
from adapters.postgres.tables import memberships, tenants, users
from application.errors import ConcurrencyConflict
from application.pagination import PageRequest
from domain.ids import TenantId, UserId
from domain.tenancy import Member, Membership, Role, Tenant, User, UserTenant
from domain.values import Email

_member_columns = [
    *(c.label(f"m_{c.name}") for c in memberships.c),
    *(c.label(f"u_{c.name}") for c in users.c),
]
_user_tenant_columns = [
    *(c.label(f"m_{c.name}") for c in memberships.c),
    *(c.label(f"t_{c.name}") for c in tenants.c),
]


class PostgresUserRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, user_id: UserId) -> User | None:
        row = (await self._conn.execute(sa.select(users).where(users.c.id == user_id))).first()
        return mapping.user_from(row) if row else None

    async def by_email(self, email: Email) -> User | None:
        # lower() on both sides: the database's case folding, the one its unique index uses.
        query = sa.select(users).where(sa.func.lower(users.c.email) == sa.func.lower(email.value))
        row = (await self._conn.execute(query)).first()
        return mapping.user_from(row) if row else None

    async def add(self, user: User) -> None:
        await insert_row(
            self._conn,
            users,
            {
                "id": user.id,
                "created_at": user.created_at,
                "version": user.version,
                **mapping.user_values(user),
            },
        )

    async def save(self, user: User) -> None:
        await update_versioned(self._conn, users, user, mapping.user_values(user), "user")

    async def get_for_update(self, user_id: UserId) -> User | None:
        # FOR UPDATE, not FOR NO KEY UPDATE: it is the lock a new row's foreign key check
        # waits for.
        query = sa.select(users).where(users.c.id == user_id).with_for_update()
        row = (await self._conn.execute(query)).first()
        return mapping.user_from(row) if row else None

    async def remove(self, user: User) -> None:
        # The foreign keys do the rest (ON DELETE CASCADE or SET NULL), run as the tables'
        # owner, so the user's rows in every tenant go whatever tenant this context is in.
        result = await self._conn.execute(
            sa.delete(users).where(users.c.id == user.id, users.c.version == user.version)
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict("user", user.id)

    async def list(self, page: PageRequest) -> list[User]:
        where, order = keyset(users.c.created_at, users.c.id, page)
        query = sa.select(users).where(*where).order_by(*order).limit(page.limit + 1)
        return [mapping.user_from(r) for r in await self._conn.execute(query)]


# The statements of the hot path (authorization) are built apart from running them, so
# that their plans can be checked (tests/integration/test_query_plans.py).


def tenant_by_id(tenant_id: TenantId | sa.BindParameter[Any]) -> sa.Select[Any]:
    return sa.select(tenants).where(tenants.c.id == tenant_id)


# Built once: every inbound call and every unit of work a tenant's request opens reads it.
TENANT_BY_ID = Prebuilt(tenant_by_id(sa.bindparam("tenant_id")))


def membership_of(tenant_id: TenantId, user_id: UserId) -> sa.Select[Any]:
    return sa.select(memberships).where(
        memberships.c.tenant_id == tenant_id, memberships.c.user_id == user_id
    )


class PostgresTenantRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, tenant_id: TenantId) -> Tenant | None:
        row = (await TENANT_BY_ID.run(self._conn, {"tenant_id": tenant_id})).first()
        return mapping.tenant_from_mapping(row) if row else None

    async def get_for_update(self, tenant_id: TenantId) -> Tenant | None:
        # NO KEY UPDATE: writers of the tenant queue behind each other, but the key-share
        # locks that foreign-key checks take on the tenant row do not wait for it — inserting
        # a lead or an audit row never waits for a long import.
        query = tenant_by_id(tenant_id).with_for_update(key_share=True)
        row = (await self._conn.execute(query)).first()
        return mapping.tenant_from(row) if row else None

    async def add(self, tenant: Tenant) -> None:
        await insert_row(
            self._conn,
            tenants,
            {
                "id": tenant.id,
                "created_at": tenant.created_at,
                "version": tenant.version,
                **mapping.tenant_values(tenant),
            },
        )

    async def save(self, tenant: Tenant) -> None:
        await update_versioned(self._conn, tenants, tenant, mapping.tenant_values(tenant), "tenant")

    async def remove(self, tenant: Tenant) -> None:
        await self._conn.execute(sa.delete(tenants).where(tenants.c.id == tenant.id))

    async def list(self, page: PageRequest) -> list[Tenant]:
        where, order = keyset(tenants.c.created_at, tenants.c.id, page)
        query = sa.select(tenants).where(*where).order_by(*order).limit(page.limit + 1)
        return [mapping.tenant_from(r) for r in await self._conn.execute(query)]


class PostgresMembershipRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, tenant_id: TenantId, user_id: UserId) -> Membership | None:
        row = (await self._conn.execute(membership_of(tenant_id, user_id))).first()
        return mapping.membership_from(row) if row else None

    async def add(self, membership: Membership) -> None:
        await insert_row(
            self._conn,
            memberships,
            {
                "id": membership.id,
                "tenant_id": membership.tenant_id,
                "user_id": membership.user_id,
                "role": membership.role.value,
                "created_at": membership.created_at,
                "updated_at": membership.updated_at,
                "version": membership.version,
            },
        )

    async def save(self, membership: Membership) -> None:
        await update_versioned(
            self._conn,
            memberships,
            membership,
            {"role": membership.role.value, "updated_at": membership.updated_at},
            "membership",
            memberships.c.tenant_id == membership.tenant_id,
        )

    async def remove(self, membership: Membership) -> None:
        await self._conn.execute(
            sa.delete(memberships).where(
                memberships.c.tenant_id == membership.tenant_id, memberships.c.id == membership.id
            )
        )

    async def count_owners(self, tenant_id: TenantId) -> int:
        query = sa.select(sa.func.count()).where(
            memberships.c.tenant_id == tenant_id, memberships.c.role == Role.OWNER.value
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def count(self, tenant_id: TenantId) -> int:
        query = sa.select(sa.func.count()).where(memberships.c.tenant_id == tenant_id)
        return int((await self._conn.execute(query)).scalar_one())

    async def members(self, tenant_id: TenantId, page: PageRequest) -> list[Member]:
        where, order = keyset(memberships.c.created_at, memberships.c.id, page)
        query = (
            sa.select(*_member_columns)
            .select_from(memberships.join(users, users.c.id == memberships.c.user_id))
            .where(memberships.c.tenant_id == tenant_id, *where)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [
            Member(mapping.membership_from(r, "m_"), mapping.user_from(r, "u_"))
            for r in await self._conn.execute(query)
        ]

    async def tenants_of(self, user_id: UserId, page: PageRequest) -> list[UserTenant]:
        where, order = keyset(memberships.c.created_at, memberships.c.id, page)
        query = (
            sa.select(*_user_tenant_columns)
            .select_from(memberships.join(tenants, tenants.c.id == memberships.c.tenant_id))
            .where(memberships.c.user_id == user_id, *where)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [
            UserTenant(mapping.tenant_from(r, "t_"), mapping.membership_from(r, "m_"))
            for r in await self._conn.execute(query)
        ]

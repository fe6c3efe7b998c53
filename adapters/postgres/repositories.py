"""PostgreSQL repositories: SQLAlchemy Core statements and explicit mapping.

Every query of a tenant-scoped table filters by tenant_id itself (the first isolation
layer); row-level security (the third) holds even if one forgot to.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres import mapping
from adapters.postgres.errors import constraint_of, unique_violation
from adapters.postgres.tables import (
    api_keys,
    audit_log,
    features,
    memberships,
    plan_features,
    plans,
    tenant_features,
    tenants,
    user_tokens,
    users,
)
from application.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    lead_phone_taken,
    number_taken,
    provider_number_taken,
)
from application.pagination import PageRequest
from domain.audit import AuditEntry
from domain.credentials import LAST_USED_GRANULARITY, ApiKey, UserToken
from domain.errors import InvalidValue
from domain.ids import ApiKeyId, FeatureId, PlanId, TenantId, UserId, UserTokenId
from domain.plans import Feature, FeatureValue, Override, Plan
from domain.tenancy import Member, Membership, Role, Tenant, User, UserTenant
from domain.values import Email

# A credential's last use is recorded at most this often: auth stays one cheap read.

_UNIQUE: dict[str, Callable[[], AlreadyExists]] = {
    "uq_users_email_lower": lambda: AlreadyExists("user", "email"),
    "uq_plans_name": lambda: AlreadyExists("plan", "name"),
    "uq_features_feature_key": lambda: AlreadyExists("feature", "feature_key"),
    "uq_memberships_user_id_tenant_id": lambda: AlreadyExists(
        "membership", "user_id", "the user is already a member of this tenant"
    ),
    "uq_phone_numbers_number_active": number_taken,
    "uq_phone_numbers_provider_number_id_active": provider_number_taken,
    "uq_leads_tenant_id_phone": lead_phone_taken,
    "uq_voice_calls_tenant_id_idempotency_key": lambda: AlreadyExists("call", "idempotency_key"),
    "uq_voice_calls_vapi_call_id": lambda: AlreadyExists("call", "vapi_call_id"),
}

# Links the use cases check first; the database refusing one means a record went away
# meanwhile, or another tenant's id got through — the client's input either way.
_LINKS = {
    "fk_voice_agents_tenant_id_voice_id_voices": "voice_id",
    "fk_voice_agents_tenant_id_default_number_id_phone_numbers": "default_number_id",
    "fk_voice_calls_tenant_id_agent_id_voice_agents": "agent_id",
    "fk_voice_calls_tenant_id_lead_id_leads": "lead_id",
    "fk_voice_calls_tenant_id_voice_id_voices": "voice_id",
    "fk_voice_calls_tenant_id_from_number_id_phone_numbers": "from_number_id",
}


def refused(error: IntegrityError) -> Exception | None:
    """The application error for a known unique key or tenant link, else None."""
    known = unique_violation(error, _UNIQUE)
    if known is not None:
        return known
    field = _LINKS.get(constraint_of(error) or "")
    if field is not None:
        return InvalidValue(f"{field} does not name a record of this tenant", field=field)
    return None


def keyset(
    created: sa.ColumnElement[Any],
    id_: sa.ColumnElement[Any],
    page: PageRequest,
    *,
    newest_first: bool = False,
) -> tuple[list[sa.ColumnElement[bool]], list[sa.UnaryExpression[Any]]]:
    """WHERE and ORDER BY clauses for one page over (created, id)."""
    where: list[sa.ColumnElement[bool]] = []
    if page.after is not None:
        mark = sa.tuple_(sa.literal(page.after.created_at), sa.literal(page.after.id))
        key = sa.tuple_(created, id_)
        where.append(key < mark if newest_first else key > mark)
    order = [created.desc(), id_.desc()] if newest_first else [created.asc(), id_.asc()]
    return where, order


async def insert_row(conn: AsyncConnection, table: sa.Table, values: dict[str, Any]) -> None:
    try:
        await conn.execute(sa.insert(table).values(**values))
    except IntegrityError as error:
        known = refused(error)
        if known is None:
            raise
        raise known from None


def tenant_row(entity: Any, values: dict[str, Any]) -> dict[str, Any]:
    """A new tenant-scoped entity's row: its identity and creation, then its values."""
    return {
        "id": entity.id,
        "tenant_id": entity.tenant_id,
        "created_at": entity.created_at,
        "version": entity.version,
        **values,
    }


async def insert_tenant_row(
    conn: AsyncConnection, table: sa.Table, entity: Any, values: dict[str, Any]
) -> None:
    await insert_row(conn, table, tenant_row(entity, values))


async def update_versioned(
    conn: AsyncConnection,
    table: sa.Table,
    entity: Any,
    values: dict[str, Any],
    name: str,
    *scope: sa.ColumnElement[bool],
) -> None:
    await _run_versioned(
        conn,
        sa.update(table)
        .where(table.c.id == entity.id, table.c.version == entity.version, *scope)
        .values(**values, version=entity.version + 1),
        {},
        entity,
        name,
    )


class VersionedUpdate:
    """`update_versioned` of one table's `columns`, its statement built once: a hot save
    (a call's, at each provider message) then builds no statement and no cache key."""

    def __init__(self, table: sa.Table, columns: Sequence[str], scope: Sequence[str] = ()) -> None:
        self._statement = (
            sa.update(table)
            .where(
                table.c.id == sa.bindparam("where_id"),
                table.c.version == sa.bindparam("where_version"),
                *(table.c[column] == sa.bindparam(f"where_{column}") for column in scope),
            )
            .values(
                {column: sa.bindparam(f"set_{column}") for column in columns}
                | {"version": sa.bindparam("set_version")}
            )
        )

    async def __call__(
        self,
        conn: AsyncConnection,
        entity: Any,
        values: dict[str, Any],
        name: str,
        **scope: Any,
    ) -> None:
        parameters = {f"set_{column}": value for column, value in values.items()}
        parameters.update({f"where_{column}": value for column, value in scope.items()})
        parameters.update(
            where_id=entity.id, where_version=entity.version, set_version=entity.version + 1
        )
        await _run_versioned(conn, self._statement, parameters, entity, name)


async def _run_versioned(
    conn: AsyncConnection,
    statement: sa.Update,
    parameters: dict[str, Any],
    entity: Any,
    name: str,
) -> None:
    try:
        result = await conn.execute(statement, parameters)
    except IntegrityError as error:
        known = refused(error)
        if known is None:
            raise
        raise known from None
    if result.rowcount != 1:
        raise ConcurrencyConflict(name, entity.id)
    entity.version += 1


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

    async def list(self, page: PageRequest) -> list[User]:
        where, order = keyset(users.c.created_at, users.c.id, page)
        query = sa.select(users).where(*where).order_by(*order).limit(page.limit + 1)
        return [mapping.user_from(r) for r in await self._conn.execute(query)]


# The statements of the hot paths (authentication, authorization) are built apart from
# running them, so that their plans can be checked (tests/integration/test_query_plans.py).


def tenant_by_id(tenant_id: TenantId) -> sa.Select[Any]:
    return sa.select(tenants).where(tenants.c.id == tenant_id)


def membership_of(tenant_id: TenantId, user_id: UserId) -> sa.Select[Any]:
    return sa.select(memberships).where(
        memberships.c.tenant_id == tenant_id, memberships.c.user_id == user_id
    )


def api_key_by_prefix(tenant_id: TenantId, prefix: str) -> sa.Select[Any]:
    return sa.select(api_keys).where(api_keys.c.tenant_id == tenant_id, api_keys.c.prefix == prefix)


def user_token_by_prefix(prefix: str) -> sa.Select[Any]:
    return sa.select(user_tokens).where(user_tokens.c.prefix == prefix)


class PostgresTenantRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, tenant_id: TenantId) -> Tenant | None:
        row = (await self._conn.execute(tenant_by_id(tenant_id))).first()
        return mapping.tenant_from(row) if row else None

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


class PostgresAuditLog:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record(self, entry: AuditEntry) -> None:
        await self._conn.execute(
            sa.insert(audit_log).values(
                id=entry.id,
                tenant_id=entry.tenant_id,
                actor_type=entry.actor.kind.value,
                actor_id=entry.actor.id,
                action=entry.action,
                entity=entry.entity,
                entity_id=entry.entity_id,
                changes=entry.changes,
                at=entry.at,
                created_at=entry.at,
                updated_at=entry.at,
            )
        )

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[AuditEntry]:
        where, order = keyset(audit_log.c.at, audit_log.c.id, page, newest_first=True)
        query = (
            sa.select(audit_log)
            .where(audit_log.c.tenant_id == tenant_id, *where)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [mapping.audit_from(r) for r in await self._conn.execute(query)]


class PostgresPlanRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def list(self) -> list[Plan]:
        query = sa.select(plans).order_by(plans.c.created_at, plans.c.id)
        return [mapping.plan_from(r) for r in await self._conn.execute(query)]

    async def get(self, plan_id: PlanId) -> Plan | None:
        row = (await self._conn.execute(sa.select(plans).where(plans.c.id == plan_id))).first()
        return mapping.plan_from(row) if row else None

    async def default(self) -> Plan | None:
        row = (await self._conn.execute(sa.select(plans).where(plans.c.is_default))).first()
        return mapping.plan_from(row) if row else None

    async def add(self, plan: Plan) -> None:
        await insert_row(
            self._conn,
            plans,
            {
                "id": plan.id,
                "created_at": plan.created_at,
                "version": plan.version,
                **mapping.plan_values(plan),
            },
        )

    async def save(self, plan: Plan) -> None:
        await update_versioned(self._conn, plans, plan, mapping.plan_values(plan), "plan")

    async def values(self, plan_id: PlanId) -> dict[FeatureId, FeatureValue]:
        query = sa.select(plan_features.c.feature_id, plan_features.c.feature_value).where(
            plan_features.c.plan_id == plan_id
        )
        return {FeatureId(r.feature_id): r.feature_value for r in await self._conn.execute(query)}

    async def set_value(self, plan_id: PlanId, feature_id: FeatureId, value: FeatureValue) -> None:
        statement = pg_insert(plan_features).values(
            id=uuid.uuid4(), plan_id=plan_id, feature_id=feature_id, feature_value=value
        )
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=[plan_features.c.plan_id, plan_features.c.feature_id],
                set_={
                    "feature_value": statement.excluded.feature_value,
                    "updated_at": sa.func.now(),
                },
            )
        )

    async def remove_value(self, plan_id: PlanId, feature_id: FeatureId) -> bool:
        result = await self._conn.execute(
            sa.delete(plan_features).where(
                plan_features.c.plan_id == plan_id, plan_features.c.feature_id == feature_id
            )
        )
        return bool(result.rowcount)


class PostgresFeatureRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def list(self) -> list[Feature]:
        query = sa.select(features).order_by(features.c.feature_key)
        return [mapping.feature_from(r) for r in await self._conn.execute(query)]

    async def by_key(self, key: str) -> Feature | None:
        query = sa.select(features).where(features.c.feature_key == key)
        row = (await self._conn.execute(query)).first()
        return mapping.feature_from(row) if row else None

    async def add(self, feature: Feature) -> None:
        await insert_row(
            self._conn,
            features,
            {
                "id": feature.id,
                "feature_key": feature.key,
                "name": feature.name,
                "description": feature.description,
                "feature_type": feature.type.value,
                "default_value": feature.default,
                "created_at": feature.created_at,
                "updated_at": feature.created_at,
            },
        )


class PostgresOverrideRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def for_tenant(self, tenant_id: TenantId) -> list[Override]:
        query = sa.select(tenant_features).where(tenant_features.c.tenant_id == tenant_id)
        return [mapping.override_from(r) for r in await self._conn.execute(query)]

    async def put(self, override: Override) -> None:
        values = {
            "feature_value": override.value,
            "enabled_at": override.enabled_at,
            "expires_at": override.expires_at,
            "reason": override.reason,
            "granted_by": override.granted_by,
        }
        statement = pg_insert(tenant_features).values(
            id=override.id, tenant_id=override.tenant_id, feature_id=override.feature_id, **values
        )
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=[tenant_features.c.tenant_id, tenant_features.c.feature_id],
                set_={**values, "updated_at": sa.func.now()},
            )
        )

    async def remove(self, tenant_id: TenantId, feature_id: FeatureId) -> bool:
        result = await self._conn.execute(
            sa.delete(tenant_features).where(
                tenant_features.c.tenant_id == tenant_id, tenant_features.c.feature_id == feature_id
            )
        )
        return bool(result.rowcount)

"""Row-level security: the third isolation layer holds even for raw SQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.postgres.rls import APP_ROLE, POLICIES
from application.context import UseCaseDeps
from domain.ids import TenantId
from tests.support import World

pytestmark = pytest.mark.postgres

TENANT_SCOPED = sorted(POLICIES)


@pytest.fixture
async def two_tenants(pg_deps: UseCaseDeps) -> tuple[TenantId, TenantId]:
    """Tenants A and B, each with an owner, an API key and audit rows."""
    from application.access import Principal
    from application.credentials import CreateApiKey, CredentialService
    from domain.tenancy import Role

    world = World(pg_deps)
    ids = []
    for name in ("A", "B"):
        owner = await world.user(f"owner-{name.lower()}@example.com")
        tenant = await world.tenant(owner, name)
        await CredentialService(pg_deps).create_api_key(
            Principal.user(owner.id), CreateApiKey(tenant.id, f"key {name}", Role.MEMBER)
        )
        ids.append(tenant.id)
    return ids[0], ids[1]


async def _as_app(
    engine: AsyncEngine, tenant_id: uuid.UUID | None
) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        await conn.execute(
            sa.text(
                "SELECT set_config('role', :role, true), set_config('app.tenant_id', :t, true)"
            ),
            {"role": APP_ROLE, "t": str(tenant_id) if tenant_id else ""},
        )
        yield conn


@pytest.mark.parametrize("table", TENANT_SCOPED)
async def test_in_a_tenants_context_raw_select_sees_none_of_another_tenants_rows(
    engine, two_tenants, table
):
    a, b = two_tenants
    async for conn in _as_app(engine, a):
        tenant_ids = set((await conn.execute(sa.text(f"SELECT tenant_id FROM {table}"))).scalars())
        assert b not in tenant_ids
        # The filter is the policy, not a WHERE clause: asking for B by name finds nothing.
        rows = await conn.execute(
            sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :b"), {"b": b}
        )
        assert rows.scalar_one() == 0


async def test_the_same_raw_select_does_see_the_tenants_own_rows(engine, two_tenants):
    a, _ = two_tenants
    async for conn in _as_app(engine, a):
        for table in ("memberships", "api_keys", "audit_log"):
            tenant_ids = set(
                (await conn.execute(sa.text(f"SELECT tenant_id FROM {table}"))).scalars()
            )
            assert tenant_ids == {a}, table


@pytest.mark.parametrize("table", TENANT_SCOPED)
async def test_without_a_tenant_context_tenant_rows_are_invisible(engine, two_tenants, table):
    async for conn in _as_app(engine, None):
        count = (
            await conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id IS NOT NULL"))
        ).scalar_one()
        assert count == 0


async def test_an_insert_with_another_tenants_id_is_refused(engine, two_tenants):
    a, b = two_tenants
    async for conn in _as_app(engine, a):
        user_id = (await conn.execute(sa.text("SELECT id FROM users LIMIT 1"))).scalar_one()
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(
                sa.text(
                    "INSERT INTO memberships (id, tenant_id, user_id, role) "
                    "VALUES (:id, :tenant, :user, 'owner')"
                ),
                {"id": uuid.uuid4(), "tenant": b, "user": user_id},
            )


async def test_an_update_cannot_move_a_row_into_another_tenant(engine, two_tenants):
    a, b = two_tenants
    async for conn in _as_app(engine, a):
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(sa.text("UPDATE api_keys SET tenant_id = :b"), {"b": b})


async def test_updates_and_deletes_cannot_reach_another_tenants_rows(engine, two_tenants):
    a, b = two_tenants
    async for conn in _as_app(engine, a):
        deleted = await conn.execute(sa.text("DELETE FROM api_keys WHERE tenant_id = :b"), {"b": b})
        assert deleted.rowcount == 0
        await conn.commit()
    async for conn in _as_app(engine, b):
        remaining = (await conn.execute(sa.text("SELECT count(*) FROM api_keys"))).scalar_one()
        assert remaining == 1


async def test_the_application_role_cannot_bypass_row_level_security(engine):
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.text(
                    "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = :r"
                ),
                {"r": APP_ROLE},
            )
        ).one()
        # It is also the application's login (revision 0006): no superuser, no BYPASSRLS.
        assert tuple(row) == (False, False, True)
        owners = set(
            (
                await conn.execute(
                    sa.text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
                )
            ).scalars()
        )
        assert APP_ROLE not in owners


@pytest.mark.parametrize("table", TENANT_SCOPED)
async def test_every_tenant_scoped_table_forces_row_level_security(engine, table):
    async with engine.connect() as conn:
        enabled, forced = (
            await conn.execute(
                sa.text(
                    "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = :t"
                ),
                {"t": table},
            )
        ).one()
    assert enabled
    assert forced


async def test_every_table_with_a_tenant_id_is_under_row_level_security(engine):
    async with engine.connect() as conn:
        with_tenant = set(
            (
                await conn.execute(
                    sa.text(
                        "SELECT table_name FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND column_name = 'tenant_id'"
                    )
                )
            ).scalars()
        )
    assert with_tenant == set(TENANT_SCOPED)


async def test_nothing_runs_on_a_unit_of_work_after_its_commit(engine, two_tenants):
    """The tenant context ends with the transaction; a later query would run without it."""
    from adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory

    a, _ = two_tenants
    async with PostgresUnitOfWorkFactory(engine)(tenant_id=a) as tx:
        assert await tx.memberships.count(a) == 1
        await tx.commit()
        with pytest.raises(Exception, match="closed"):
            await tx.memberships.count(a)

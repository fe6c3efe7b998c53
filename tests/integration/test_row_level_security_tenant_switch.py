"""A unit of work that moves to another tenant is isolated from the one it left."""

from __future__ import annotations

import pytest

from adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.access import Principal
from application.context import UseCaseDeps
from application.credentials import CreateApiKey, CredentialService
from domain.tenancy import Role
from tests.support import World

pytestmark = pytest.mark.postgres


async def test_after_a_switch_only_the_new_tenants_rows_are_seen_or_written(
    pg_deps: UseCaseDeps, engine
):
    world = World(pg_deps)
    keys = {}
    for name in ("a", "b"):
        owner = await world.user(f"owner-{name}@example.com")
        tenant = await world.tenant(owner, name)
        issued = await CredentialService(pg_deps).create_api_key(
            Principal.user(owner.id), CreateApiKey(tenant.id, f"key {name}", Role.MEMBER)
        )
        keys[name] = issued.credential
    a, b = keys["a"], keys["b"]

    async with PostgresUnitOfWorkFactory(engine)(tenant_id=a.tenant_id) as tx:
        assert await tx.api_keys.get(a.tenant_id, a.id) is not None
        await tx.switch_tenant(b.tenant_id)
        # The query names tenant A; the policy now answers for B only.
        assert await tx.api_keys.get(a.tenant_id, a.id) is None
        assert await tx.api_keys.revoke_created_by(a.tenant_id, a.created_by, a.created_at) == []
        assert await tx.api_keys.get(b.tenant_id, b.id) is not None
        await tx.switch_tenant(None)
        assert await tx.api_keys.get(b.tenant_id, b.id) is None

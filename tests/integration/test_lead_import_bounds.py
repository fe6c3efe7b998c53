"""A lead import is bulk work for the database bounds: it waits for its tenant's lock, held
by another import's writing, longer than a request may, as two imports into one tenant run
one after the other."""

from __future__ import annotations

import asyncio
import time

import attrs
import psycopg
import pytest

from adapters.postgres.engine import libpq_url
from adapters.postgres.timeouts import DatabaseTimeouts
from adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.access import Principal
from application.lead_import import ImportLeads, LeadImportService
from tests.support import World

pytestmark = pytest.mark.postgres

# A request gives up on a lock after 0.3 s; bulk work after 10 s.
BOUNDS = DatabaseTimeouts(pool_seconds=5, statement_seconds=0.6, lock_seconds=0.3, bulk_seconds=10)
HELD_FOR = 2.0


async def test_an_import_waits_for_its_tenants_lock_past_a_requests_bound(engine, pg_url, pg_deps):
    world = World(pg_deps)
    owner = await world.user("owner@acme.example")
    tenant = await world.tenant(owner, "Acme")
    importer = LeadImportService(
        attrs.evolve(pg_deps, uows=PostgresUnitOfWorkFactory(engine, BOUNDS))
    )

    async with await psycopg.AsyncConnection.connect(libpq_url(pg_url)) as holder:
        # Another import of this tenant is writing: it holds the tenant's row.
        await holder.execute("SELECT 1 FROM tenants WHERE id = %s FOR UPDATE", (tenant.id,))
        started = time.monotonic()

        async def finish_writing() -> None:
            await asyncio.sleep(HELD_FOR)
            await holder.rollback()

        writing = asyncio.create_task(finish_writing())
        try:
            report = await asyncio.wait_for(
                importer.import_leads(
                    Principal.user(owner.id), ImportLeads(tenant.id, "phone\n+12127365000\n")
                ),
                timeout=BOUNDS.bulk_seconds,
            )
        finally:
            await writing
        waited = time.monotonic() - started

    assert report.created == 1
    assert waited >= HELD_FOR

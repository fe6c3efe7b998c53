"""A lead import on PostgreSQL with a worker process checking rows: the same report and
the same lead book as without one, and nothing written when it fails midway."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import AsyncIterator
from typing import Any
from unittest import mock

import pytest

from adapters.workers import ProcessWorkerPool
from application import lead_import
from application.access import Principal
from application.context import UseCaseDeps
from application.lead_import import ImportLeads, ImportReport, LeadImportService
from application.pagination import PageRequest
from application.ports.leads import LeadFilter
from domain.errors import InvalidValue
from domain.tenancy import Tenant, User
from tests.support import World

pytestmark = pytest.mark.postgres


@pytest.fixture
async def workers() -> AsyncIterator[ProcessWorkerPool]:
    pool = ProcessWorkerPool(1)
    try:
        yield pool
    finally:
        await pool.close()


def a_file(rows: int, seed: int) -> str:
    """Numbers in several writings, some twice, bad rows and blank lines among them."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["phone", "name", "email", "timezone", "company"])
    for n in range(rows):
        number = rng.randrange(rows * 3 // 4)  # a quarter of the rows repeat a number
        area, line = 201 + number % 7, 1000 + number
        phone = rng.choice(
            [f"+1 {area} 555 {line:04d}", f"({area}) 555-{line:04d}", f"1{area}555{line:04d}"]
        )
        kind = rng.random()
        if kind < 0.05:
            writer.writerow([])
        elif kind < 0.1:
            writer.writerow(["12345", "Bad", "", "", ""])
        elif kind < 0.15:
            writer.writerow([phone, "", "not-an-email", "", ""])
        else:
            writer.writerow(
                [
                    phone,
                    rng.choice(["", f"Lead {n}"]),
                    rng.choice(["", f"lead{n}@example.com", f"Lead{n}@Example.com"]),
                    rng.choice(["", "Europe/Paris"]),
                    rng.choice(["", f"Company {n % 13}"]),
                ]
            )
    return out.getvalue()


async def imported(
    deps: UseCaseDeps, owner: User, tenant: Tenant, text: str, pool: ProcessWorkerPool | None
) -> tuple[ImportReport, dict[str, Any]]:
    with mock.patch.object(lead_import, "BATCH_SIZE", 50):
        report = await LeadImportService(deps, pool).import_leads(
            Principal.user(owner.id), ImportLeads(tenant.id, text, region="US")
        )
    async with deps.uows(tenant_id=tenant.id) as tx:
        leads = await tx.leads.list(tenant.id, LeadFilter(), PageRequest(limit=5000))
    return report, {
        lead.phone.e164: (lead.name, lead.email, lead.timezone, lead.metadata, lead.version)
        for lead in leads
    }


async def test_a_worker_imports_a_file_as_the_process_alone_does(pg_deps, workers):
    world = World(pg_deps)
    owner = await world.user("owner@acme.example")
    alone, helped = await world.tenant(owner, "Alone"), await world.tenant(owner, "Helped")

    for seed in (1, 2):  # the second file updates the leads the first made
        text = a_file(1500, seed)
        report, book = await imported(pg_deps, owner, alone, text, None)
        report_helped, book_helped = await imported(pg_deps, owner, helped, text, workers)

        assert report.created + report.updated > 0
        assert report.failed > 0
        assert (report_helped.rows, report_helped.created, report_helped.updated) == (
            report.rows,
            report.created,
            report.updated,
        )
        assert (report_helped.unchanged, report_helped.duplicates, report_helped.failed) == (
            report.unchanged,
            report.duplicates,
            report.failed,
        )
        assert report_helped.errors == report.errors
        assert book_helped == book


async def test_a_file_refused_midway_writes_nothing_and_the_worker_serves_on(pg_deps, workers):
    world = World(pg_deps)
    owner = await world.user("owner@acme.example")
    tenant = await world.tenant(owner, "Acme")
    text = a_file(600, 3)
    huge = '"' + "x" * (csv.field_size_limit() + 1) + '"'
    broken = text + f"+1 201 555 9999,{huge}\n"  # an unreadable record at the end

    with pytest.raises(InvalidValue, match="cannot be read"):
        await imported(pg_deps, owner, tenant, broken, workers)
    _, book = await imported(pg_deps, owner, tenant, "phone\n", workers)
    assert book == {}

    report, book = await imported(pg_deps, owner, tenant, text, workers)
    assert report.created == len(book) > 0

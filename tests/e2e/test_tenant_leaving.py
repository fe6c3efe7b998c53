"""An owner takes the tenant's data out (an export holding every record it has, and nothing
of another tenant's) and closes it (refused at once, reopenable for the grace period, then
purged to the last row while other tenants keep theirs)."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from dependency_injector import providers
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.rls import POLICIES
from adapters.postgres.tenant_data import SOURCES
from application.errors import ProviderUnreachable
from application.tenant_closure import LeavingPolicy
from domain.calls import AiUsage, UsageItem, UsageKind
from domain.ids import CallId, TenantId
from domain.tenant_exports import ExportKind
from entrypoints.container import Container
from tests.e2e.helpers import OffsetClock, expect
from tests.e2e.test_tenant_isolation import Tenants, tenants  # noqa: F401 (a fixture)
from tests.support import Api

pytestmark = pytest.mark.postgres

GRACE = timedelta(minutes=5)


@pytest.fixture
def pg_container(pg_container: Container) -> Container:
    """The app with a short grace period and small archive chunks (several per export)."""
    pg_container.leaving_policy.override(
        providers.Object(LeavingPolicy(purge_grace=GRACE, export_chunk_bytes=512))
    )
    return pg_container


async def _unreachable(provider_number_id: str) -> None:
    raise ProviderUnreachable("Vapi cannot be reached: connection refused")


async def _add_usage(container: Container, tenant_id: str, call_id: str) -> None:
    deps = container.deps()
    item = UsageItem(UsageKind.LLM, Decimal("0.0123"), "model", provider="openai")
    row = AiUsage(
        deps.ids.new(), TenantId(UUID(tenant_id)), CallId(UUID(call_id)), item, deps.clock.now()
    )
    async with deps.uows(tenant_id=row.tenant_id) as tx:
        await tx.ai_usage.add_many([row])
        await tx.commit()


async def _download(api: Api, path: str) -> tuple[int, Any, bytes]:
    response = await api.client.get(path, headers={"Authorization": f"Bearer {api.token}"})
    return response.status, response.headers, await response.read()


async def _rows_of(engine: AsyncEngine, tenant_id: str) -> dict[str, int]:
    """The tenant's rows in every tenant-scoped table (and its own row), counted in SQL."""
    async with engine.connect() as conn:
        counts = {
            table: (
                await conn.execute(
                    sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t"), {"t": tenant_id}
                )
            ).scalar_one()
            for table in POLICIES
        }
        counts["tenants"] = (
            await conn.execute(
                sa.text("SELECT count(*) FROM tenants WHERE id = :t"), {"t": tenant_id}
            )
        ).scalar_one()
    return counts


async def _export(owner: Api, container: Container, tenant_id: str) -> dict[str, Any]:
    base = f"/v1/tenants/{tenant_id}/exports"
    status, pending = await owner.post(base)
    assert status == 202, pending
    assert pending["status"] == "pending"
    assert pending["download_url"] is None
    status, _, _ = await _download(owner, f"{base}/{pending['id']}/download")
    assert status == 409  # not ready yet
    report = await container.tenant_exports().run_due()
    assert report.built >= 1
    assert report.failed == 0
    ready: dict[str, Any] = expect(await owner.get(f"{base}/{pending['id']}"), 200)
    assert ready["status"] == "ready", ready
    return ready


async def test_the_export_holds_every_record_of_the_tenant_and_nothing_of_another(
    tenants: Tenants,  # noqa: F811 (the fixture imported above)
    pg_container: Container,
    engine: AsyncEngine,
) -> None:
    t = tenants
    await _add_usage(pg_container, t.a, t.a_records["call_id"])
    # B has records of its own that must not show: a lead, and usage of a call of its own.
    b_lead = {"phone": "4155550199", "country": "US", "name": "Customer of B"}
    expect(await t.b_owner.api.post(f"/v1/tenants/{t.b}/leads", b_lead), 201)
    owner = t.a_owner.api

    ready = await _export(owner, pg_container, t.a)
    status, headers, archive = await _download(owner, ready["download_url"])
    assert status == 200
    assert headers["Content-Type"] == "application/gzip"
    assert (
        f'filename="tenant-{t.a}-export-{ready["id"]}.jsonl.gz"' in headers["Content-Disposition"]
    )
    assert headers["ETag"] == f'"{ready["sha256"]}"' == f'"{hashlib.sha256(archive).hexdigest()}"'
    assert len(archive) == ready["size_bytes"]
    text = gzip.decompress(archive).decode()
    lines = [json.loads(line) for line in text.splitlines()]

    # Every kind is read from somewhere, and the archive lists each record once.
    assert set(SOURCES) == set(ExportKind)
    by_kind = Counter(line["kind"] for line in lines)
    assert dict(by_kind) == {k: n for k, n in ready["counts"].items() if n}
    async with engine.connect() as conn:
        for kind, source in SOURCES.items():
            table = source.table
            owned = table.c.id if table.name == "tenants" else table.c.tenant_id
            key = [c.name for c in table.primary_key.columns]
            query = sa.select(*table.primary_key.columns).where(owned == UUID(t.a))
            if kind is ExportKind.AUDIT:  # what the export's own completion and download add
                query = query.where(
                    ~(
                        (table.c.entity_id == UUID(ready["id"]))
                        & table.c.action.in_(["tenant.export_ready", "tenant.export_downloaded"])
                    )
                )
            expected = {tuple(str(v) for v in row) for row in await conn.execute(query)}
            got = {
                tuple(str(line["data"][k]) for k in key) for line in lines if line["kind"] == kind
            }
            assert expected, f"the tenant has no {kind}: the check would prove nothing"
            assert got == expected, kind
    # Nothing of B's, and no secret.
    assert t.b not in text
    assert "Customer of B" not in text
    for line in lines:
        if line["kind"] == "api_key":
            assert "secret_hash" not in line["data"]
        if line["kind"] == "webhook_endpoint":
            assert not {"secret", "previous_secret"} & set(line["data"])
    call = next(line["data"] for line in lines if line["kind"] == "call")
    assert {"transcription", "analysis", "cost", "cost_breakdown"} <= set(call)

    # Another tenant's owner and key, and A's admin, cannot see or ask for A's exports.
    for who in (t.b_owner.api, t.b_key):
        assert (await who.get(f"/v1/tenants/{t.a}/exports"))[0] == 404
        assert (await who.post(f"/v1/tenants/{t.a}/exports"))[0] == 404
        assert (await _download(who, ready["download_url"]))[0] == 404
    listed = expect(await owner.get(f"/v1/tenants/{t.a}/exports"), 200)
    assert ready["id"] in [e["id"] for e in listed["items"]]
    assert expect(await t.b_owner.api.get(f"/v1/tenants/{t.b}/exports"), 200)["items"] == []


async def test_a_closed_tenant_is_refused_reopenable_then_purged_alone(
    tenants: Tenants,  # noqa: F811
    pg_container: Container,
    engine: AsyncEngine,
    server_clock: OffsetClock,
    admin: Api,
) -> None:
    t = tenants
    owner = t.a_owner.api
    base = f"/v1/tenants/{t.a}"
    ready = await _export(owner, pg_container, t.a)
    before_a, before_b = await _rows_of(engine, t.a), await _rows_of(engine, t.b)

    closed = expect(await owner.post(f"{base}/close"), 200)
    assert closed["status"] == "closed"
    assert closed["is_active"] is False
    assert closed["purge_after"] is not None
    # Refused like a suspended tenant, but its owner may read it, take the data out, reopen.
    assert (await owner.get(f"{base}/leads"))[0] == 403
    assert (await owner.post(f"{base}/leads", {"phone": "+14155550111"}))[0] == 403
    assert (await owner.post(f"{base}/exports"))[0] == 403
    assert (await owner.post(f"{base}/close"))[0] == 409  # closed already
    assert expect(await owner.get(base), 200)["status"] == "closed"
    assert (await _download(owner, ready["download_url"]))[0] == 200
    # The other tenant is untouched by it.
    assert (await t.b_owner.api.get(f"/v1/tenants/{t.b}/leads"))[0] == 200

    # Before the grace period ends, reopening brings everything back.
    assert (await pg_container.tenant_closure().purge_due()).purged == []
    reopened = expect(await owner.post(f"{base}/reopen"), 200)
    assert reopened["status"] == "active"
    assert reopened["purge_after"] is None
    assert (await owner.get(f"{base}/leads"))[0] == 200
    assert (await owner.post(f"{base}/reopen"))[0] == 409
    after_reopen = await _rows_of(engine, t.a)
    assert {k: v for k, v in after_reopen.items() if k != "audit_log"} == {
        k: v for k, v in before_a.items() if k != "audit_log"
    }

    # Closed again (by a platform admin this time); once the period is over it is purged,
    # its number released at the provider first: while the provider cannot be told, it waits.
    line = expect(await owner.get(f"{base}/phone-numbers/{t.a_records['number_id']}"), 200)
    provider = pg_container.telephony()
    assert await provider.get_number(line["provider_number_id"]) is not None
    expect(await admin.post(f"{base}/close"), 200)
    server_clock.advance(seconds=GRACE.total_seconds() + 1)
    assert (await owner.post(f"{base}/reopen"))[0] == 409  # too late
    with pytest.MonkeyPatch.context() as outage:
        outage.setattr(provider, "release_number", _unreachable)
        assert (await pg_container.tenant_closure().purge_due()).purged == []
    assert (await _rows_of(engine, t.a))["phone_numbers"] == before_a["phone_numbers"]
    report = await pg_container.tenant_closure().purge_due()
    assert report.purged == [TenantId(UUID(t.a))]
    assert await provider.get_number(line["provider_number_id"]) is None

    assert all(n == 0 for n in (await _rows_of(engine, t.a)).values())
    assert await _rows_of(engine, t.b) == before_b
    assert (await owner.get(base))[0] == 404
    async with engine.connect() as conn:
        purged = (
            await conn.execute(
                sa.text(
                    "SELECT tenant_id, actor_type, changes FROM audit_log"
                    " WHERE action = 'tenant.purged' AND entity_id = :t"
                ),
                {"t": t.a},
            )
        ).one()
    assert purged.tenant_id is None
    assert purged.actor_type == "system"
    assert purged.changes["rows"]["leads"] == before_a["leads"]
    assert "Customer of A" not in json.dumps(purged.changes)
    # Nothing left to do.
    assert (await pg_container.tenant_closure().purge_due()).purged == []

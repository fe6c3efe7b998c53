"""The hot paths' queries use indexes: the plans PostgreSQL makes for the statements the
repositories build, in the context the unit of work sets (its role, its tenant, the
row-level security predicates that come with them), on a database with enough rows that
the planner chooses as it would in service.

Each statement is prepared and explained twice: with its values (the custom plan, which a
statement gets on its first executions) and without them (the generic plan, which a
prepared statement may keep once the driver prepares it). Neither may read a table whole:
no sequential scan, and no index walked from end to end without a condition. A page of
calls is read in the index's order, with no sort: a tenant with few calls among many
others' reads its page, not every call it has.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from psycopg.types.json import Jsonb
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from adapters.postgres import schema
from adapters.postgres.calls import (
    call_by_id,
    call_route,
    calls_page,
    content_purge,
    inbox_insert,
    storing_and_locking,
)
from adapters.postgres.credentials import api_key_by_prefix, user_token_by_prefix
from adapters.postgres.embedded import drop_database, ensure_database
from adapters.postgres.engine import create_engine, libpq_url
from adapters.postgres.tenancy import membership_of, tenant_by_id
from adapters.postgres.unit_of_work import PostgresUnitOfWork, PostgresUnitOfWorkFactory
from application.pagination import PageRequest, Position
from application.ports.calls import CallFilter, CallRoute, InboxMessage
from domain.calls import ContentKind
from domain.ids import CallId, LeadId, TenantId, UserId
from domain.phones import PhoneNumber

pytestmark = pytest.mark.postgres

TENANTS = 1000
"""Tenants, each with an owner (a user with a personal token), two API keys and a few
calls."""
FEW_CALLS = 5
BUSY_TENANTS = 3
"""The first tenants have many calls, with their leads and the provider's messages."""
LEADS = 400
"""Leads per busy tenant. Each has a few of the tenant's calls, but the last one, called again
and again, has every other call. Outbound calls go to their lead's number; every fifth call
is inbound, from its lead's number to the tenant's line."""
LINE = "+14155550100"
"""The busy tenants' line (and the number the other tenants' few calls go to)."""
CALLS = 2000
"""Calls per busy tenant, newest first by number: call 1 is the newest."""
CROWD = 200_000
"""Further calls of the first tenant, older than its others, lighter and of no lead: the
table holds a hundred times the calls of busy tenants 2 and 3, as in service, where one
tenant's calls are few among everyone's. (While the routing policies applied to the
application role, the planner then read all the calls of tenant 2, or of its much-called
lead, and sorted them for a page of 50.)"""


def seeded_id(*parts: object) -> uuid.UUID:
    """The id the seed gives a row, as PostgreSQL's md5(text)::uuid makes it."""
    return uuid.UUID(hashlib.md5("-".join(map(str, parts)).encode()).hexdigest())


# Written by the tables' owner; each tenant's rows in that tenant's row-level security
# context, as forced row-level security binds the owner too. The JSON columns hold what a
# reported call holds: kilobytes of transcript and provider record, stored out of line.
SEED = f"""
INSERT INTO users (id, email, created_at, updated_at)
SELECT md5('user-' || n)::uuid, 'user' || n || '@example.com', now(), now()
FROM generate_series(1, {TENANTS}) n;

INSERT INTO user_tokens (id, user_id, name, prefix, secret_hash, created_at, updated_at)
SELECT md5('token-' || n)::uuid, md5('user-' || n)::uuid, 'cli', 'token' || n,
    md5('a' || n) || md5('b' || n), now(), now()
FROM generate_series(1, {TENANTS}) n;

INSERT INTO tenants (id, name, created_at, updated_at)
SELECT md5('tenant-' || n)::uuid, 'Tenant ' || n, now() - n * interval '1 minute', now()
FROM generate_series(1, {TENANTS}) n;

DO $$
DECLARE
    n integer;
    tenant uuid;
BEGIN
    FOR n IN 1..{TENANTS} LOOP
        tenant := md5('tenant-' || n)::uuid;
        PERFORM set_config('app.tenant_id', tenant::text, true);
        INSERT INTO memberships (id, tenant_id, user_id, role, created_at, updated_at)
        VALUES (md5('membership-' || n)::uuid, tenant, md5('user-' || n)::uuid, 'owner',
            now(), now());
        INSERT INTO api_keys (id, tenant_id, created_by, name, prefix, secret_hash, role,
            created_at, updated_at)
        SELECT md5('key-' || n || '-' || k)::uuid, tenant, md5('user-' || n)::uuid, 'key',
            'key' || n || '-' || k, md5('c' || n || k) || md5('d' || n || k), 'member',
            now(), now()
        FROM generate_series(1, 2) k;
        IF n > {BUSY_TENANTS} THEN
            INSERT INTO voice_calls (id, tenant_id, to_number, direction, status, metadata,
                created_at, updated_at)
            SELECT md5('call-' || n || '-' || c)::uuid, tenant, '{LINE}', 'outbound',
                'queued', '{{}}'::jsonb, now() - c * interval '1 minute', now()
            FROM generate_series(1, {FEW_CALLS}) c;
        ELSE
            INSERT INTO leads (id, tenant_id, phone, created_at, updated_at)
            SELECT md5('lead-' || n || '-' || l)::uuid, tenant,
                '+1415' || lpad((n * 100000 + l)::text, 7, '0'), now(), now()
            FROM generate_series(1, {LEADS}) l;
            INSERT INTO voice_calls (id, tenant_id, lead_id, to_number, caller_number,
                direction, status, ended_reason, vapi_call_id, transcription, vapi_data,
                analysis, cost_breakdown, metadata, cost, call_duration, started_at, ended_at,
                created_at, updated_at)
            SELECT md5('call-' || n || '-' || c)::uuid, tenant,
                md5('lead-' || n || '-' || pick.lead)::uuid,
                CASE WHEN c % 5 = 0 THEN '{LINE}' ELSE pick.phone END,
                CASE WHEN c % 5 = 0 THEN pick.phone END,
                CASE WHEN c % 5 = 0 THEN 'inbound' ELSE 'outbound' END, 'ended',
                'customer-ended-call', 'vapi-' || n || '-' || c,
                jsonb_build_object('text', filler.text, 'messages', jsonb_build_array(filler.text)),
                jsonb_build_object('id', 'vapi-' || n || '-' || c, 'artifact', filler.text),
                jsonb_build_object('summary', left(filler.text, 500)),
                jsonb_build_object('total', 0.12, 'llm', 0.05),
                CASE WHEN c % 5 = 0 THEN '{{}}'::jsonb
                    ELSE jsonb_build_object('campaign', 'spring') END,
                0.12, 60, now() - c * interval '1 minute', now() - c * interval '1 minute'
                    + interval '1 minute', now() - c * interval '1 minute', now()
            FROM generate_series(1, {CALLS}) c,
                LATERAL (SELECT CASE WHEN c % 2 = 1 THEN {LEADS}
                    ELSE c % {LEADS} + 1 END AS lead) chosen,
                LATERAL (SELECT chosen.lead,
                    '+1415' || lpad((n * 100000 + chosen.lead)::text, 7, '0') AS phone) pick,
                LATERAL (SELECT string_agg(md5(c || '-' || i), ' ') AS text
                    FROM generate_series(1, 60) i) filler;
            INSERT INTO webhook_events (id, provider, dedupe_key, type, vapi_call_id,
                tenant_id, payload, received_at, processed_at, created_at, updated_at)
            SELECT md5('message-' || n || '-' || c)::uuid, 'vapi',
                'end-of-call-report:vapi-' || n || '-' || c, 'end-of-call-report',
                'vapi-' || n || '-' || c, tenant, '{{"message": {{}}}}'::jsonb,
                now(), now(), now(), now()
            FROM generate_series(1, {CALLS}) c;
        END IF;
        IF n = 1 THEN
            INSERT INTO voice_calls (id, tenant_id, to_number, direction, status,
                vapi_call_id, metadata, created_at, updated_at)
            SELECT md5('call-' || n || '-' || c)::uuid, tenant,
                '+1416' || lpad(c::text, 7, '0'),
                'outbound', 'ended', 'vapi-' || n || '-' || c, '{{}}'::jsonb,
                now() - c * interval '1 minute', now()
            FROM generate_series({CALLS} + 1, {CALLS} + {CROWD}) c;
        END IF;
    END LOOP;
END
$$;
"""


@pytest.fixture(scope="module")
def busy_url(pg_server_url: str) -> Iterator[str]:
    """A database of its own, migrated, seeded and analysed once for the module."""
    name = f"voice_agent_plans_{uuid.uuid4().hex[:12]}"
    url = ensure_database(pg_server_url, name)
    try:
        schema.upgrade(url)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            with conn.transaction():
                conn.execute(SEED)
            conn.execute("ANALYZE")
        yield url
    finally:
        drop_database(pg_server_url, name)


@pytest.fixture
async def busy_uows(busy_url: str) -> AsyncIterator[PostgresUnitOfWorkFactory]:
    engine = create_engine(busy_url, pool_size=1)
    try:
        yield PostgresUnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


# The driver's dialect, with numbered parameters, so PREPARE takes the very SQL it sends.
_NUMBERED = PGDialect_psycopg(paramstyle="numeric_dollar")
_names = (f"plan_check_{n}" for n in itertools.count())


def _literal(value: Any) -> str:
    """A value as SQL text: EXECUTE inside EXPLAIN takes no bound parameters."""
    return sql.Literal(Jsonb(value) if isinstance(value, (dict, list)) else value).as_string()


async def plans(tx: PostgresUnitOfWork, statement: sa.Executable) -> dict[str, dict[str, Any]]:
    """The custom and the generic plan of `statement`, in the unit of work's transaction."""
    conn = tx._conn  # the unit of work's own connection: its context is the point
    assert conn is not None
    compiled = statement.compile(dialect=_NUMBERED)
    arguments = ", ".join(_literal(compiled.params[key]) for key in compiled.positiontup or ())
    name = next(_names)
    await conn.exec_driver_sql(f"PREPARE {name} AS {compiled.string}")
    found = {}
    for mode in ("custom", "generic"):
        await conn.exec_driver_sql(f"SET LOCAL plan_cache_mode = force_{mode}_plan")
        result = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) EXECUTE {name}({arguments})")
        found[mode] = result.scalar_one()[0]["Plan"]
    await conn.exec_driver_sql(f"DEALLOCATE {name}")
    return found


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def whole_reads(plan: dict[str, Any]) -> list[str]:
    """The nodes that read a table or an index whole."""
    found = []
    for node in nodes(plan):
        kind = node["Node Type"]
        if kind == "Seq Scan":
            found.append(f"Seq Scan on {node['Relation Name']}")
        elif kind in ("Index Scan", "Index Only Scan", "Bitmap Index Scan") and (
            "Index Cond" not in node
        ):
            found.append(f"{kind} using {node['Index Name']} without a condition")
    return found


def outline(plan: dict[str, Any], depth: int = 0) -> str:
    """One line a node, for the failure message."""
    what = [plan["Node Type"]]
    for key in ("Relation Name", "Index Name", "Index Cond", "Filter"):
        if key in plan:
            what.append(f"{key}: {plan[key]}")
    lines = ["  " * depth + " | ".join(what)]
    lines += [outline(child, depth + 1) for child in plan.get("Plans", ())]
    return "\n".join(lines)


def sorts(plan: dict[str, Any]) -> list[str]:
    return [node["Node Type"] for node in nodes(plan) if node["Node Type"].endswith("Sort")]


async def assert_indexed(
    tx: PostgresUnitOfWork, statement: sa.Executable, *, in_order: bool = False
) -> None:
    """No plan of the statement reads a table whole. `in_order`: nor does either plan sort
    what it reads (an index gives the order, so a page reads no more than its rows).
    """
    for mode, plan in (await plans(tx, statement)).items():
        assert whole_reads(plan) == [], f"{mode} plan:\n{outline(plan)}"
        if in_order:
            assert sorts(plan) == [], f"{mode} plan:\n{outline(plan)}"


def tenant(n: int) -> TenantId:
    return TenantId(seeded_id("tenant", n))


def call(n: int, c: int) -> CallId:
    return CallId(seeded_id("call", n, c))


async def position_of(busy_uows: PostgresUnitOfWorkFactory, n: int, c: int) -> Position:
    async with busy_uows(tenant_id=tenant(n)) as tx:
        found = await tx.calls.get(tenant(n), call(n, c))
    assert found is not None
    return Position(found.created_at, found.id)


# --- reading calls ---------------------------------------------------------------------------


async def test_a_call_is_read_by_its_id(busy_uows):
    async with busy_uows(tenant_id=tenant(2)) as tx:
        await assert_indexed(tx, call_by_id(tenant(2), call(2, 1234)))


@pytest.mark.parametrize("n", [2, 1], ids=["few-of-many", "most"])
async def test_the_first_page_of_calls_is_read_newest_first_from_an_index(busy_uows, n):
    async with busy_uows(tenant_id=tenant(n)) as tx:
        await assert_indexed(tx, calls_page(tenant(n), CallFilter(), PageRequest()), in_order=True)


async def test_a_later_page_of_calls_is_read_in_order_from_an_index(busy_uows):
    after = await position_of(busy_uows, 2, 50)  # the second page
    async with busy_uows(tenant_id=tenant(2)) as tx:
        await assert_indexed(
            tx, calls_page(tenant(2), CallFilter(), PageRequest(after=after)), in_order=True
        )


@pytest.mark.parametrize(
    ("lead", "third"),
    [(17, 16 + 2 * LEADS), (LEADS, 5)],  # the lead's calls: 16, 416, 816, ...; 1, 3, 5, ...
    ids=["few-calls", "many-calls"],
)
async def test_a_leads_call_history_is_read_in_order_from_an_index(busy_uows, lead, third):
    history = CallFilter(lead_id=LeadId(seeded_id("lead", 2, lead)))
    after = await position_of(busy_uows, 2, third)  # the lead's third newest call
    async with busy_uows(tenant_id=tenant(2)) as tx:
        await assert_indexed(tx, calls_page(tenant(2), history, PageRequest()), in_order=True)
        await assert_indexed(
            tx, calls_page(tenant(2), history, PageRequest(after=after)), in_order=True
        )


def lead_phone(n: int, lead: int) -> PhoneNumber:
    """The number the seed gives a lead of busy tenant `n`."""
    return PhoneNumber(f"+1415{n * 100000 + lead:07d}")


@pytest.mark.parametrize(
    ("n", "number"),
    [
        (2, lead_phone(2, LEADS)),  # called a thousand times, and calling in hundreds
        (2, lead_phone(2, 17)),  # called a few times, never calling
        (2, PhoneNumber(LINE)),  # the line every inbound call came to
        (1, PhoneNumber(LINE)),  # the same, of the tenant with most calls
        (2, PhoneNumber("+14155550199")),  # no call at all
    ],
    ids=["much-called", "few-calls", "a-line", "most", "unknown"],
)
async def test_calls_to_or_from_a_number_are_read_in_order_from_their_indexes(busy_uows, n, number):
    """Each side (to_number, caller_number) read a page at most from its own index, in its
    order, and merged: no table read whole, nothing sorted, however many calls match."""
    by_number = CallFilter(number=number)
    after = await position_of(busy_uows, n, 55)
    async with busy_uows(tenant_id=tenant(n)) as tx:
        for page in (PageRequest(), PageRequest(after=after)):
            statement = calls_page(tenant(n), by_number, page)
            await assert_indexed(tx, statement, in_order=True)
            for mode, plan in (await plans(tx, statement)).items():
                used = {node.get("Index Name") for node in nodes(plan)} - {None}
                assert used == {"ix_voice_calls_to_number", "ix_voice_calls_caller_number"}, (
                    f"{mode} plan:\n{outline(plan)}"
                )


# --- authentication and authorization --------------------------------------------------------


async def test_an_api_key_is_found_by_its_prefix(busy_uows):
    async with busy_uows(tenant_id=tenant(500)) as tx:
        await assert_indexed(tx, api_key_by_prefix(tenant(500), "key500-1"))


async def test_a_personal_token_is_found_by_its_prefix(busy_uows):
    async with busy_uows() as tx:
        await assert_indexed(tx, user_token_by_prefix("token500"))


async def test_a_membership_is_found_by_tenant_and_user(busy_uows):
    async with busy_uows(tenant_id=tenant(500)) as tx:
        await assert_indexed(tx, membership_of(tenant(500), UserId(seeded_id("user", 500))))


async def test_a_tenant_is_read_by_its_id(busy_uows):
    async with busy_uows(tenant_id=tenant(500)) as tx:
        await assert_indexed(tx, tenant_by_id(tenant(500)))
        await assert_indexed(tx, tenant_by_id(tenant(500)).with_for_update(key_share=True))


# --- the provider's messages -----------------------------------------------------------------


@pytest.mark.parametrize(
    "route",
    [
        CallRoute(provider_call_id="vapi-3-777"),
        CallRoute(call_id=call(3, 777)),
        CallRoute(call_id=call(3, 777), provider_call_id="vapi-3-777"),
    ],
    ids=["provider-id", "our-id", "both"],
)
async def test_a_message_finds_its_call_by_the_ids_it_names(busy_uows, route):
    async with busy_uows(call_route=route) as tx:
        statement = call_route(route)
        assert statement is not None
        await assert_indexed(tx, statement)


async def test_a_message_is_stored_once_by_its_dedupe_key_and_its_call_locked_by_id(busy_uows):
    route = CallRoute(call_id=call(3, 777), provider_call_id="vapi-3-777")
    repeat = InboxMessage(
        id=uuid.uuid4(),
        provider="vapi",
        dedupe_key="end-of-call-report:vapi-3-777",
        type="end-of-call-report",
        payload={"message": {"type": "end-of-call-report"}},
        received_at=datetime.now(UTC),
        provider_call_id="vapi-3-777",
        tenant_id=tenant(3),
    )
    async with busy_uows(call_route=route) as tx:
        await tx.switch_tenant(tenant(3))
        for plan in (await plans(tx, inbox_insert(repeat))).values():
            [insert] = [node for node in nodes(plan) if node["Node Type"] == "ModifyTable"]
            assert insert["Conflict Arbiter Indexes"] == ["uq_webhook_events_dedupe_key"]
            assert whole_reads(plan) == []
        await assert_indexed(tx, call_by_id(tenant(3), call(3, 777)).with_for_update())
        # Both as one statement, as a message about a call runs them.
        for plan in (await plans(tx, storing_and_locking(repeat, call(3, 777)))).values():
            [insert] = [node for node in nodes(plan) if node["Node Type"] == "ModifyTable"]
            assert insert["Conflict Arbiter Indexes"] == ["uq_webhook_events_dedupe_key"]
            assert whole_reads(plan) == [], outline(plan)


# --- the retention purge ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ContentKind), ids=str)
async def test_the_retention_purge_reads_the_calls_due_from_the_kinds_index(busy_uows, kind):
    # At steady state few calls are due at each pass: the cut-off is before most calls ended.
    ended_before = datetime(2026, 1, 2, tzinfo=UTC)
    async with busy_uows(tenant_id=tenant(1)) as tx:
        purge = content_purge(tenant(1), kind, ended_before, ended_before, 1000)
        for mode, plan in (await plans(tx, purge)).items():
            assert whole_reads(plan) == [], f"{mode} plan:\n{outline(plan)}"
            used = {node.get("Index Name") for node in nodes(plan)}
            assert f"ix_voice_calls_{kind.value}_held" in used, f"{mode} plan:\n{outline(plan)}"

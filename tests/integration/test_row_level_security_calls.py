"""Row-level security of calls in flight, AI usage and the webhook inbox, proved with raw SQL
as the application role; and the two read-only exceptions: a provider's message names its
call in any tenant (voice_calls provider_routing, for the routing role alone), and every
tenant counts the calls on the line (live_calls every_tenant_reads)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.postgres.rls import (
    APP_ROLE,
    READ_POLICIES,
    ROUTED_CALL_SETTING,
    ROUTED_PROVIDER_CALL_SETTING,
    ROUTED_TABLES,
    ROUTER_ROLE,
)
from adapters.postgres.unit_of_work import PostgresUnitOfWork, PostgresUnitOfWorkFactory
from application.pagination import PageRequest
from application.ports.calls import CallFilter, CallListItem, CallRoute, InboxMessage, LiveCall
from domain.calls import AiUsage, CallDirection, CallStatus, UsageItem, UsageKind, VoiceCall
from domain.ids import CallId, TenantId
from tests.integration.seeding import Catalogue, enter, ids, two_tenants

pytestmark = pytest.mark.postgres

TABLES = ("live_calls", "ai_usage", "webhook_events")


@attrs.frozen
class InFlight:
    """A tenant's catalogue, plus: a call the provider knows (`linked`), held in the live
    registry with one usage row and one inbox message, and a `spare` call held nowhere."""

    catalogue: Catalogue
    linked: VoiceCall
    spare: VoiceCall
    usage: AiUsage
    message: InboxMessage

    @property
    def tenant_id(self) -> TenantId:
        return self.catalogue.tenant_id


def _call(tenant_id: TenantId, now: datetime, **fields: object) -> VoiceCall:
    return VoiceCall(
        CallId(ids.new()),
        tenant_id,
        CallDirection.OUTBOUND,
        CallStatus.IN_PROGRESS,
        "+14155550123",
        now,
        now,
        **fields,  # type: ignore[arg-type]
    )


def _message(tenant_id: TenantId | None, now: datetime) -> InboxMessage:
    return InboxMessage(
        ids.new(), "vapi", f"key-{ids.new()}", "status-update", {"n": 1}, now, tenant_id=tenant_id
    )


async def _in_flight(engine: AsyncEngine, catalogue: Catalogue) -> InFlight:
    now = datetime.now(UTC)
    tenant_id = catalogue.tenant_id
    linked = _call(tenant_id, now, vapi_call_id=f"vapi-{uuid.uuid4()}")
    spare = _call(tenant_id, now)
    row = AiUsage(
        ids.new(), tenant_id, linked.id, UsageItem(UsageKind.LLM, Decimal("0.5"), "model"), now
    )
    message = _message(tenant_id, now)
    async with PostgresUnitOfWorkFactory(engine)(tenant_id=tenant_id) as tx:
        await tx.calls.add(linked)
        await tx.calls.add(spare)
        await tx.live_calls.hold(LiveCall(linked.id, tenant_id, now + timedelta(minutes=5)))
        await tx.ai_usage.add_many([row])
        assert await tx.inbox.add(message)
        await tx.commit()
    return InFlight(catalogue, linked, spare, row, message)


@pytest.fixture
async def tenants(pg_deps, engine) -> tuple[InFlight, InFlight]:
    a, b = await two_tenants(pg_deps, engine)
    return await _in_flight(engine, a), await _in_flight(engine, b)


@pytest.fixture
async def nobodys(engine, tenants) -> InboxMessage:
    """A message about no call of ours: stored outside any tenant."""
    message = _message(None, datetime.now(UTC))
    async with PostgresUnitOfWorkFactory(engine)() as tx:
        assert await tx.inbox.add(message)
        await tx.commit()
    return message


@asynccontextmanager
async def session(
    engine: AsyncEngine,
    *,
    tenant: object = None,
    call: object = None,
    provider_call: str | None = None,
    role: str = APP_ROLE,
) -> AsyncIterator[AsyncConnection]:
    """A transaction as `role` (the application's, unless said) in the given context, rolled
    back unless committed: a tenant, and the call ids a provider's message names."""
    async with engine.connect() as conn:
        await conn.execute(
            sa.text(
                f"SELECT set_config('{ROUTED_CALL_SETTING}', :call, true),"
                f" set_config('{ROUTED_PROVIDER_CALL_SETTING}', :provider_call, true)"
            ),
            {"call": str(call) if call else "", "provider_call": provider_call or ""},
        )
        await enter(conn, role=role, tenant=tenant)
        yield conn


def _own_row(f: InFlight, table: str) -> uuid.UUID:
    return {"live_calls": f.linked.id, "ai_usage": f.usage.id, "webhook_events": f.message.id}[
        table
    ]


_KEY = {"live_calls": "call_id", "ai_usage": "id", "webhook_events": "id"}

# A new row of each table for `:tenant`; live_calls and ai_usage name the tenant's `:call`.
INSERT = {
    "live_calls": "INSERT INTO live_calls (call_id, tenant_id, check_at)"
    " VALUES (:call, :tenant, now())",
    "ai_usage": "INSERT INTO ai_usage (id, tenant_id, call_id, kind, item_type, cost, occurred_at)"
    " VALUES (:id, :tenant, :call, 'llm', 'model', 0.1, now())",
    "webhook_events": "INSERT INTO webhook_events (id, provider, dedupe_key, type, tenant_id,"
    " payload, received_at) VALUES (:id, 'vapi', :key, 'x', :tenant, '{}', now())",
}


def _insert_params(f: InFlight | None) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "key": f"k-{uuid.uuid4()}",
        "tenant": f.tenant_id if f else None,
        "call": f.spare.id if f else None,
    }


async def _rows(engine: AsyncEngine, table: str) -> set[tuple[str, ...]]:
    """Every row of the table, whole, as the tables' owner sees them."""
    async with engine.connect() as conn:
        return {tuple(map(repr, r)) for r in await conn.execute(sa.text(f"SELECT * FROM {table}"))}


def test_the_new_tables_have_policies_and_the_two_read_exceptions():
    assert READ_POLICIES["live_calls"][0] == "every_tenant_reads"
    assert READ_POLICIES["voice_calls"][0] == "provider_routing"
    assert (READ_POLICIES["live_calls"].role, READ_POLICIES["voice_calls"].role) == (
        None,
        ROUTER_ROLE,
    )


async def test_the_database_applies_each_read_policy_to_the_roles_rls_names(engine):
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT tablename, policyname, roles::text[], cmd FROM pg_policies"
                " WHERE policyname <> 'tenant_isolation'"
            )
        )
        found = {(r.tablename, r.policyname): (r.roles, r.cmd) for r in rows}
    assert found == {
        (table, policy.name): ([policy.role or "public"], "SELECT")
        for table, policy in READ_POLICIES.items()
    }


# --- ai_usage and webhook_events: each tenant its own --------------------------------------


@pytest.mark.parametrize("table", ["ai_usage", "webhook_events"])
async def test_a_tenant_sees_exactly_its_own_usage_and_messages(engine, tenants, nobodys, table):
    for mine, other in (tenants, tenants[::-1]):
        async with session(engine, tenant=mine.tenant_id) as conn:
            seen = (await conn.execute(sa.text(f"SELECT id, tenant_id FROM {table}"))).all()
            assert [tuple(r) for r in seen] == [(_own_row(mine, table), mine.tenant_id)]
            by_name = await conn.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t OR id = ANY(:ids)"),
                {"t": other.tenant_id, "ids": [_own_row(other, table), nobodys.id]},
            )
            assert by_name.scalar_one() == 0


async def test_outside_a_tenant_no_usage_and_only_messages_of_no_tenant(engine, tenants, nobodys):
    for tenant, messages in (("", [nobodys.id]), (str(uuid.UUID(int=7)), [])):  # none, unknown
        async with session(engine, tenant=tenant) as conn:
            usage = await conn.execute(sa.text("SELECT count(*) FROM ai_usage"))
            assert usage.scalar_one() == 0
            seen = list((await conn.execute(sa.text("SELECT id FROM webhook_events"))).scalars())
        assert seen == messages, tenant


async def test_the_inbox_adapter_lists_no_tenants_messages_only_outside_tenants(
    engine, tenants, nobodys
):
    a, _ = tenants
    uows = PostgresUnitOfWorkFactory(engine)
    async with uows(tenant_id=a.tenant_id) as tx:
        assert await tx.inbox.list(None, PageRequest()) == []
        assert await tx.inbox.list(a.tenant_id, PageRequest()) == [a.message]
    async with uows() as tx:
        assert await tx.inbox.list(None, PageRequest()) == [nobodys]
        assert await tx.inbox.list(a.tenant_id, PageRequest()) == []


@pytest.mark.parametrize("table", TABLES)
async def test_an_insert_for_another_tenant_is_refused(engine, tenants, table):
    a, b = tenants
    before = await _rows(engine, table)
    async with session(engine, tenant=a.tenant_id) as conn:
        # The same statement for the tenant's own row goes through: only the tenant differs.
        own = await conn.execute(sa.text(INSERT[table]), _insert_params(a))
        assert own.rowcount == 1
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(sa.text(INSERT[table]), _insert_params(b))
    assert await _rows(engine, table) == before


async def test_messages_of_no_tenant_are_written_only_outside_tenants(engine, tenants):
    a, _ = tenants
    before = await _rows(engine, "webhook_events")
    async with session(engine, tenant=a.tenant_id) as conn:
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(sa.text(INSERT["webhook_events"]), _insert_params(None))
    async with session(engine) as conn:
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(sa.text(INSERT["webhook_events"]), _insert_params(a))
    assert await _rows(engine, "webhook_events") == before
    async with session(engine) as conn:
        done = await conn.execute(sa.text(INSERT["webhook_events"]), _insert_params(None))
        assert done.rowcount == 1


@pytest.mark.parametrize("table", TABLES)
async def test_updates_and_deletes_cannot_reach_another_tenants_rows(
    engine, tenants, nobodys, table
):
    a, b = tenants
    before = await _rows(engine, table)
    key = _KEY[table]
    async with session(engine, tenant=a.tenant_id) as conn:
        for statement in (
            f"UPDATE {table} SET updated_at = now() WHERE tenant_id = :b OR {key} = :row",
            f"UPDATE {table} SET tenant_id = :a WHERE {key} = :row",
            f"UPDATE {table} SET updated_at = now() WHERE tenant_id IS NULL",
            f"DELETE FROM {table} WHERE tenant_id = :b OR {key} = :row OR tenant_id IS NULL",
        ):
            result = await conn.execute(
                sa.text(statement),
                {"a": a.tenant_id, "b": b.tenant_id, "row": _own_row(b, table)},
            )
            assert result.rowcount == 0, statement
        own = await conn.execute(sa.text(f"UPDATE {table} SET updated_at = now()"))
        assert own.rowcount == 1  # the same update does reach the tenant's own row
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(  # nor can the tenant's own row be moved to B
                sa.text(f"UPDATE {table} SET tenant_id = :b WHERE {key} = :row"),
                {"b": b.tenant_id, "row": _own_row(a, table)},
            )
    assert await _rows(engine, table) == before


async def test_a_tenants_message_cannot_be_moved_out_of_every_tenant(engine, tenants):
    a, _ = tenants
    async with session(engine, tenant=a.tenant_id) as conn:
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(
                sa.text("UPDATE webhook_events SET tenant_id = NULL WHERE id = :id"),
                {"id": a.message.id},
            )


# --- live_calls: every tenant reads, each writes its own ------------------------------------


async def test_every_context_reads_every_tenants_calls_on_the_line(engine, tenants):
    a, b = tenants
    for tenant in (a.tenant_id, b.tenant_id, None):
        async with session(engine, tenant=tenant) as conn:
            rows = await conn.execute(sa.text("SELECT call_id, tenant_id FROM live_calls"))
            assert set(map(tuple, rows)) == {
                (a.linked.id, a.tenant_id),
                (b.linked.id, b.tenant_id),
            }
        async with PostgresUnitOfWorkFactory(engine)(tenant_id=tenant) as tx:
            assert await tx.live_calls.count() == 2
            due = await tx.live_calls.due(datetime.max.replace(tzinfo=UTC), 10)
            assert {live.call_id for live in due} == {a.linked.id, b.linked.id}


async def test_reading_every_tenants_calls_on_the_line_lets_nothing_be_written(engine, tenants):
    a, b = tenants
    before = await _rows(engine, "live_calls")
    for tenant in (None, a.tenant_id):
        async with session(engine, tenant=tenant) as conn:
            for statement in (
                "UPDATE live_calls SET on_line = false WHERE call_id = :b",
                "UPDATE live_calls SET check_at = now() WHERE tenant_id = :bt",
                "DELETE FROM live_calls WHERE call_id = :b OR tenant_id = :bt",
            ):
                result = await conn.execute(
                    sa.text(statement), {"b": b.linked.id, "bt": b.tenant_id}
                )
                assert result.rowcount == 0, statement
            locked = await conn.execute(
                sa.text("SELECT call_id FROM live_calls WHERE call_id = :b FOR UPDATE"),
                {"b": b.linked.id},
            )
            assert locked.all() == []
            await conn.commit()
    assert await _rows(engine, "live_calls") == before


async def test_the_registry_in_one_tenants_context_leaves_anothers_entries_alone(engine, tenants):
    a, b = tenants
    uows = PostgresUnitOfWorkFactory(engine)
    before = await _rows(engine, "live_calls")
    async with uows(tenant_id=a.tenant_id) as tx:
        # Naming B as the owner does not help: the context decides.
        await tx.live_calls.hang_up(b.tenant_id, b.linked.id, datetime.now(UTC))
        await tx.live_calls.postpone(b.tenant_id, b.linked.id, datetime.now(UTC))
        await tx.live_calls.release(b.tenant_id, b.linked.id)
        with pytest.raises(DBAPIError, match="row-level security"):
            await tx.live_calls.hold(LiveCall(b.spare.id, b.tenant_id, datetime.now(UTC)))
    assert await _rows(engine, "live_calls") == before


# --- voice_calls: a provider's message sees the calls it names, as the routing role ---------


def _routes(a: InFlight, b: InFlight) -> dict[str, tuple[dict[str, object], set[uuid.UUID]]]:
    """Contexts naming calls, and the calls each must show."""
    return {
        "our id": ({"call": b.linked.id}, {b.linked.id}),
        "our id, no provider id yet": ({"call": a.spare.id}, {a.spare.id}),
        "provider id": ({"provider_call": a.linked.vapi_call_id}, {a.linked.id}),
        "both, two tenants": (
            {"call": b.spare.id, "provider_call": a.linked.vapi_call_id},
            {b.spare.id, a.linked.id},
        ),
        "unknown": ({"call": uuid.uuid4(), "provider_call": "vapi-nobody"}, set()),
    }


async def _committing(uow: PostgresUnitOfWork, work: Callable[[PostgresUnitOfWork], Any]) -> None:
    """`work` in `uow`, then its commit."""
    async with uow as tx:
        await work(tx)
        await tx.commit()


async def _refused(conn: AsyncConnection, statement: str, **params: object) -> None:
    """`statement` is refused for want of a privilege (in a savepoint: the transaction
    goes on)."""
    with pytest.raises(DBAPIError, match="permission denied"):
        async with conn.begin_nested():
            await conn.execute(sa.text(statement), params)


async def test_a_routed_context_shows_exactly_the_named_calls(engine, tenants):
    for route, (context, shown) in _routes(*tenants).items():
        async with session(engine, role=ROUTER_ROLE, **context) as conn:  # type: ignore[arg-type]
            seen = set((await conn.execute(sa.text("SELECT id FROM voice_calls"))).scalars())
            assert seen == shown, route
            # And nothing else of their tenants: the other tables cannot even be read.
            for table in ("ai_usage", "webhook_events", "leads", "voice_agents", "live_calls"):
                await _refused(conn, f"SELECT count(*) FROM {table}")
            lines = await conn.execute(sa.text("SELECT count(*) FROM phone_numbers"))
            assert lines.scalar_one() == 0, route


async def test_the_routing_role_reads_two_tables_and_writes_none(engine):
    async with engine.connect() as conn:
        granted = await conn.execute(
            sa.text(
                "SELECT c.relname, p.privilege FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace,"
                " unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES',"
                "   'TRIGGER']) AS p(privilege)"
                " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v')"
                " AND has_table_privilege(:role, c.oid, p.privilege)"
            ),
            {"role": ROUTER_ROLE},
        )
        sequences = await conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = current_schema() AND c.relkind = 'S'"
                " AND (has_sequence_privilege(:role, c.oid, 'USAGE')"
                "   OR has_sequence_privilege(:role, c.oid, 'UPDATE'))"
            ),
            {"role": ROUTER_ROLE},
        )
        assert set(map(tuple, granted)) == {(table, "SELECT") for table in ROUTED_TABLES}
        assert sequences.scalar_one() == 0
        role = await conn.execute(
            sa.text(
                "SELECT rolsuper, rolbypassrls, rolcanlogin, rolcreaterole, rolcreatedb,"
                " ARRAY(SELECT m.roleid::regrole::text FROM pg_auth_members m"
                "       WHERE m.member = r.oid)"
                " FROM pg_roles r WHERE rolname = :role"
            ),
            {"role": ROUTER_ROLE},
        )
        assert tuple(role.one()) == (False, False, False, False, False, [])


async def test_a_routed_context_can_change_no_call_nor_write_anything(engine, tenants):
    a, b = tenants
    before = {table: await _rows(engine, table) for table in ("voice_calls", *TABLES)}
    async with session(
        engine, role=ROUTER_ROLE, call=b.linked.id, provider_call=a.linked.vapi_call_id
    ) as conn:
        for statement in (
            "UPDATE voice_calls SET status = 'ended' WHERE id = :b",
            "UPDATE voice_calls SET summary = 'hijacked'",
            "UPDATE voice_calls SET vapi_call_id = NULL WHERE vapi_call_id = :v",
            "DELETE FROM voice_calls WHERE id = :b OR vapi_call_id = :v",
            "DELETE FROM voice_calls",
            "SELECT id FROM voice_calls WHERE id = :b FOR UPDATE",
            "SELECT id FROM voice_calls FOR SHARE",
        ):
            await _refused(conn, statement, b=b.linked.id, v=a.linked.vapi_call_id)
        await _refused(
            conn,
            "INSERT INTO voice_calls (id, tenant_id, to_number, direction, status)"
            " VALUES (:id, :t, '+14155550123', 'outbound', 'queued')",
            id=uuid.uuid4(),
            t=b.tenant_id,
        )
        # Not even a message about no call of ours: routing stores it only once it has left
        # the routing role (switch_tenant(None)).
        for table, f in (("webhook_events", None), *((table, b) for table in TABLES)):
            await _refused(conn, INSERT[table], **_insert_params(f))
        await conn.commit()
    assert {table: await _rows(engine, table) for table in before} == before


async def test_a_tenant_sees_none_of_another_tenants_calls_even_when_its_route_names_them(
    engine, tenants
):
    # The routing policy applies to the routing role alone: settings that name another
    # tenant's calls show nothing to the application role, with or without a tenant.
    a, b = tenants
    before = await _rows(engine, "voice_calls")
    names = {"call": b.linked.id, "provider_call": b.linked.vapi_call_id}
    async with session(engine, tenant=a.tenant_id, **names) as conn:  # type: ignore[arg-type]
        seen = set((await conn.execute(sa.text("SELECT id FROM voice_calls"))).scalars())
        assert seen == {a.catalogue.call.id, a.linked.id, a.spare.id}
        for statement in (
            "SELECT count(*) FROM voice_calls WHERE id = :b OR vapi_call_id = :v",
            "SELECT count(*) FROM voice_calls WHERE tenant_id = :bt",
        ):
            found = await conn.execute(
                sa.text(statement),
                {"b": b.linked.id, "v": b.linked.vapi_call_id, "bt": b.tenant_id},
            )
            assert found.scalar_one() == 0, statement
        for statement in (
            "UPDATE voice_calls SET summary = 'hijacked' WHERE id = :b",
            "UPDATE voice_calls SET tenant_id = :a, agent_id = NULL, lead_id = NULL,"
            " voice_id = NULL, from_number_id = NULL WHERE id = :b",
            "DELETE FROM voice_calls WHERE id = :b",
        ):
            result = await conn.execute(sa.text(statement), {"a": a.tenant_id, "b": b.linked.id})
            assert result.rowcount == 0, statement
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(
                sa.text(
                    "INSERT INTO live_calls (call_id, tenant_id, check_at) VALUES (:b, :bt, now())"
                ),
                {"b": b.spare.id, "bt": b.tenant_id},
            )
    async with session(engine, **names) as conn:  # type: ignore[arg-type]
        seen = set((await conn.execute(sa.text("SELECT id FROM voice_calls"))).scalars())
        assert seen == set()
    assert await _rows(engine, "voice_calls") == before


async def test_the_unit_of_work_routes_only_through_the_named_route(engine, tenants):
    a, b = tenants
    uows = PostgresUnitOfWorkFactory(engine)
    by_ours = CallRoute(call_id=b.linked.id)
    by_provider = CallRoute(provider_call_id=b.linked.vapi_call_id)
    async with uows(call_route=by_ours) as tx:
        assert await tx.calls.route(by_ours) == (b.tenant_id, b.linked.id)
        assert await tx.calls.route(CallRoute(call_id=a.linked.id)) is None
        assert await tx.calls.route(by_provider) == (b.tenant_id, b.linked.id)  # the same call
        assert await tx.calls.list(b.tenant_id, CallFilter(), PageRequest()) == [
            CallListItem.of(b.linked)
        ]
    for table in ("voice_calls", *TABLES):
        assert await _rows(engine, table)  # each has rows a routed write could reach
    before = {table: await _rows(engine, table) for table in ("voice_calls", *TABLES)}
    call = b.linked
    # Anything but finding the call is refused, writing the message of no tenant included.
    beyond_routing = {
        "save": lambda tx: tx.calls.save(attrs.evolve(call, summary="hijacked")),
        "lock": lambda tx: tx.calls.get_for_update(b.tenant_id, call.id),
        "usage": lambda tx: tx.ai_usage.of_call(b.tenant_id, call.id),
        "inbox": lambda tx: tx.inbox.add(_message(None, datetime.now(UTC))),
        "registry": lambda tx: tx.live_calls.release(b.tenant_id, call.id),
    }
    for name, work in beyond_routing.items():
        with pytest.raises(DBAPIError, match="permission denied"):
            await _committing(uows(call_route=by_ours), work)
        assert {t: await _rows(engine, t) for t in before} == before, name
    for context in ({"tenant_id": a.tenant_id}, {}):  # no route named: nothing of B's is found
        async with uows(**context) as tx:
            assert await tx.calls.route(by_ours) is None
            assert await tx.calls.route(by_provider) is None
    async with uows(tenant_id=b.tenant_id) as tx:
        assert await tx.calls.get(b.tenant_id, b.linked.id) == b.linked


async def test_routing_work_moves_into_the_calls_tenant_or_into_none(engine, tenants, nobodys):
    a, b = tenants
    uows = PostgresUnitOfWorkFactory(engine)
    route = CallRoute(call_id=b.linked.id, provider_call_id=a.linked.vapi_call_id)
    async with uows(call_route=route) as tx:
        await tx.switch_tenant(b.tenant_id)
        # The tenant's context alone: its calls, not the other call the route names.
        assert await tx.calls.get(b.tenant_id, b.spare.id) == b.spare
        assert await tx.calls.route(CallRoute(provider_call_id=a.linked.vapi_call_id)) is None
        usage = await tx.ai_usage.of_call(b.tenant_id, b.linked.id)
        assert [row.id for row in usage] == [b.usage.id]
        locked = await tx.calls.get_for_update(b.tenant_id, b.linked.id)
        assert locked == b.linked
    message = _message(None, datetime.now(UTC))
    async with uows(call_route=route) as tx:
        await tx.switch_tenant(None)
        assert await tx.calls.route(route) is None  # the routing view is gone
        assert await tx.inbox.add(message)
        await tx.commit()
    async with uows() as tx:
        assert await tx.inbox.list(None, PageRequest()) == [nobodys, message]


_WHO = sa.text("SELECT current_user AS who, current_setting('app.tenant_id', true) AS tenant")


async def test_entering_a_routed_call_moves_the_transaction_into_its_tenant_alone(engine, tenants):
    a, b = tenants
    # The route names A's call by our id and B's by the provider's: ours wins, as in routing.
    route = CallRoute(call_id=a.linked.id, provider_call_id=b.linked.vapi_call_id)
    async with PostgresUnitOfWorkFactory(engine)(call_route=route) as tx:
        assert await tx.calls.get(a.tenant_id, a.spare.id) is None  # routing sees named calls

        entered = await tx.enter_routed_call(route)

        assert entered == (a.tenant_id, a.linked.id)
        assert tuple((await tx._conn.execute(_WHO)).one()) == (APP_ROLE, str(a.tenant_id))
        assert await tx.calls.get(a.tenant_id, a.spare.id) == a.spare  # all of A's, as A
        assert await tx.calls.get(b.tenant_id, b.linked.id) is None  # nothing of B's now
        assert await tx.inbox.add(_message(a.tenant_id, datetime.now(UTC)))  # and writes A's
        with pytest.raises(DBAPIError):
            await tx.inbox.add(_message(b.tenant_id, datetime.now(UTC)))


async def test_a_route_to_no_call_of_ours_leaves_the_routing_context_as_it_was(engine, tenants):
    a, _ = tenants
    route = CallRoute(call_id=CallId(ids.new()), provider_call_id="vapi-nobody")
    async with PostgresUnitOfWorkFactory(engine)(call_route=route) as tx:
        assert await tx.enter_routed_call(route) is None

        assert tuple((await tx._conn.execute(_WHO)).one()) == (ROUTER_ROLE, "")
        assert await tx.calls.get(a.tenant_id, a.linked.id) is None

"""Races on the catalogue and the lead book, on a real PostgreSQL: limits hold however many
requests want the last place, a number is active in one tenant only, a lead's phone is
taken once, and two imports into one tenant never duplicate a lead.

A `Gate` holds every racer at one point until all are there, then lets them go on at once,
so each race really happens rather than depending on scheduling luck.

Checked by hand, not kept: with the tenant lock taken away (a throwaway pytest plugin that
made PostgresTenantRepository.get_for_update a plain read), both limit tests let all 8
racers in and the import test saw 120 leads reported created for 100 leads, on every run;
with uq_phone_numbers_number_active or uq_leads_tenant_id_phone dropped, the number and lead
races made two rows; with LeadService._duplicate_of answering None, the lead race's
AlreadyExists carried no existing_id."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Iterator
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any

import attrs
import psycopg
import pytest

from adapters.postgres import schema
from adapters.postgres.embedded import drop_database, ensure_database
from adapters.postgres.engine import libpq_url
from application.access import Principal
from application.agents import AgentService, CreateAgent
from application.catalogue import FEATURES, sync_catalogue
from application.context import UseCaseDeps
from application.errors import AlreadyExists
from application.lead_import import ImportLeads, ImportReport, LeadImportService
from application.leads import CreateLead, LeadService
from application.pagination import PageRequest
from application.phone_numbers import PhoneNumberService
from application.plans import CreatePlan, PlanService, TenantFeatureService
from application.ports.leads import LeadFilter
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.agents import VoiceAgent
from domain.leads import Lead
from domain.phones import NumberStatus, PhoneLine, PhoneNumber
from domain.plans import EntitlementExceeded
from domain.tenancy import Tenant
from entrypoints import cli
from entrypoints.settings import Settings
from tests.fakes.telephony import FakeTelephony
from tests.support import PLATFORM, World, twilio_import

pytestmark = pytest.mark.postgres

RACERS = 8


class Gate:
    """Holds the first `parties` arrivals until all of them are there; later ones pass."""

    def __init__(self, parties: int) -> None:
        self._barrier = asyncio.Barrier(parties)
        self._waiting = parties

    async def arrive(self) -> None:
        if self._waiting == 0:
            return
        self._waiting -= 1
        await self._barrier.wait()

    def give_up(self) -> None:
        """A racer ended before all arrived: the others must not wait for it forever."""
        if self._waiting > 0:
            self._barrier.abort()

    async def race(self, *racers: Awaitable[Any]) -> list[Any]:
        async def run(racer: Awaitable[Any]) -> Any:
            try:
                return await racer
            finally:
                self.give_up()

        return await asyncio.gather(*(run(r) for r in racers), return_exceptions=True)


class _GatedUnitOfWork:
    def __init__(self, inner: UnitOfWork, gate: Gate, at: tuple[str, str] | None) -> None:
        self._inner = inner
        self._gate = gate
        self._at = at

    async def __aenter__(self) -> UnitOfWork:
        tx = await self._inner.__aenter__()
        if self._at is None:
            await self._gate.arrive()
            return tx
        repository = getattr(tx, self._at[0])
        method = getattr(repository, self._at[1])

        async def gated(*args: Any, **kwargs: Any) -> Any:
            await self._gate.arrive()
            return await method(*args, **kwargs)

        setattr(repository, self._at[1], gated)
        return tx

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)


def gated(deps: UseCaseDeps, gate: Gate, at: tuple[str, str] | None = None) -> UseCaseDeps:
    """`deps` whose units of work stop at the gate: once begun (at=None), or on entering
    `tx.<repository>.<method>` (at=(repository, method))."""
    uows: UnitOfWorkFactory = deps.uows

    def factory(**context: Any) -> Any:
        return _GatedUnitOfWork(uows(**context), gate, at)

    return attrs.evolve(deps, uows=factory)


def number(n: int) -> PhoneNumber:
    return PhoneNumber.parse(f"+1415555{n:04d}")


async def tenant_on_plan(
    deps: UseCaseDeps, limits: dict[str, int], owner_email: str = "owner@acme.example"
) -> tuple[Principal, Tenant]:
    await sync_catalogue(deps)
    plans = PlanService(deps)
    plan = await plans.create_plan(PLATFORM, CreatePlan(f"plan-{owner_email}"))
    for key, value in limits.items():
        await plans.set_plan_feature(PLATFORM, plan.id, key, value)
    world = World(deps)
    owner = await world.user(owner_email)
    tenant = await world.tenant(owner, owner_email.split("@")[1])
    me = Principal.user(owner.id)
    await TenantFeatureService(deps).change_plan(me, tenant.id, plan.id)
    return me, tenant


def only(results: list[Any], kind: type) -> list[Any]:
    return [r for r in results if isinstance(r, kind)]


# --- limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 3])
async def test_concurrent_registrations_fill_the_last_number_place_exactly_once(pg_deps, limit):
    me, tenant = await tenant_on_plan(pg_deps, {"phone_numbers.max": limit})
    provider = FakeTelephony()  # one provider account: its ids are unique across services
    numbers = PhoneNumberService(pg_deps, provider)
    for n in range(limit - 1):
        await numbers.provision_number(me, twilio_import(tenant.id, number(n)))
    wanted = [number(100 + n) for n in range(RACERS)]

    gate = Gate(RACERS)  # every racer's transaction is open before any goes on
    racing = PhoneNumberService(gated(pg_deps, gate), provider)
    results = await gate.race(
        *(racing.provision_number(me, twilio_import(tenant.id, w)) for w in wanted)
    )

    registered = only(results, PhoneLine)
    refused = only(results, EntitlementExceeded)
    assert len(registered) == 1, results
    assert len(refused) == RACERS - 1, results
    assert {(e.feature, e.limit, e.used, e.wanted) for e in refused} == {
        ("phone_numbers.max", limit, limit, 1)
    }
    page = await numbers.list_numbers(me, tenant.id, PageRequest(limit=50))
    assert [line.status for line in page.items] == [NumberStatus.ACTIVE] * limit
    assert {line.number for line in page.items} & set(wanted) == {registered[0].number}


@pytest.mark.parametrize("limit", [1, 3])
async def test_concurrent_agent_creations_fill_the_last_agent_place_exactly_once(pg_deps, limit):
    me, tenant = await tenant_on_plan(pg_deps, {"voice_agents.max": limit})
    agents = AgentService(pg_deps)
    for n in range(limit - 1):
        await agents.create_agent(me, CreateAgent(tenant.id, f"early {n}"))
    names = [f"racer {n}" for n in range(RACERS)]

    gate = Gate(RACERS)
    racing = AgentService(gated(pg_deps, gate))
    results = await gate.race(*(racing.create_agent(me, CreateAgent(tenant.id, n)) for n in names))

    created = only(results, VoiceAgent)
    refused = only(results, EntitlementExceeded)
    assert len(created) == 1, results
    assert len(refused) == RACERS - 1, results
    assert {(e.feature, e.limit, e.used, e.wanted) for e in refused} == {
        ("voice_agents.max", limit, limit, 1)
    }
    page = await agents.list_agents(me, tenant.id, PageRequest(limit=50))
    assert len(page.items) == limit
    assert {a.name for a in page.items} & set(names) == {created[0].name}


# --- one number, one tenant -----------------------------------------------------------------


async def test_two_tenants_registering_one_number_at_once_get_it_once(pg_deps):
    one = await tenant_on_plan(pg_deps, {"phone_numbers.max": 5}, "owner@northwind.example")
    two = await tenant_on_plan(pg_deps, {"phone_numbers.max": 5}, "owner@contoso.example")
    wanted = number(42)

    # Both have checked their limit and hold their own tenant's lock when they insert.
    gate = Gate(2)
    racing = PhoneNumberService(gated(pg_deps, gate, at=("phone_numbers", "add")), FakeTelephony())
    results = await gate.race(
        *(racing.provision_number(me, twilio_import(t.id, wanted)) for me, t in (one, two))
    )

    registered = only(results, PhoneLine)
    taken = only(results, AlreadyExists)
    assert len(registered) == 1, results
    assert len(taken) == 1, results
    assert (taken[0].entity, taken[0].field) == ("phone number", "number")
    winner, loser = (one, two) if registered[0].tenant_id == one[1].id else (two, one)
    for said in (taken[0].message, str(taken[0])):
        assert str(winner[1].id) not in said
        assert winner[1].name not in said
        assert str(registered[0].id) not in said
    numbers = PhoneNumberService(pg_deps, FakeTelephony())
    held = await numbers.list_numbers(winner[0], winner[1].id, PageRequest())
    assert [line.id for line in held.items] == [registered[0].id]
    assert (await numbers.list_numbers(loser[0], loser[1].id, PageRequest())).items == []


# --- one lead per phone ---------------------------------------------------------------------


async def test_two_creations_of_one_lead_make_one_and_name_it_to_the_other(pg_deps):
    me, tenant = await tenant_on_plan(pg_deps, {})
    phone = number(7)

    # Both have looked for the phone and found no lead before either inserts one.
    gate = Gate(2)
    racing = LeadService(gated(pg_deps, gate, at=("leads", "by_phone")))
    results = await gate.race(
        racing.create_lead(me, CreateLead(tenant.id, phone, name="first")),
        racing.create_lead(me, CreateLead(tenant.id, phone, name="second")),
    )

    created = only(results, Lead)
    duplicate = only(results, AlreadyExists)
    assert len(created) == 1, results
    assert len(duplicate) == 1, results
    assert (duplicate[0].entity, duplicate[0].field) == ("lead", "phone")
    assert duplicate[0].existing_id == created[0].id
    page = await LeadService(pg_deps).list_leads(me, tenant.id, LeadFilter(), PageRequest())
    assert [(lead.id, lead.phone) for lead in page.items] == [(created[0].id, phone)]


# --- imports --------------------------------------------------------------------------------


def _csv(rows: list[tuple[PhoneNumber, str]]) -> str:
    return "phone,name\n" + "".join(f"{p.e164},{name}\n" for p, name in rows)


def _consistent(report: ImportReport) -> None:
    assert report.failed == 0
    assert report.errors == ()
    assert report.rows == (
        report.created + report.updated + report.unchanged + report.duplicates + report.failed
    )


async def test_two_overlapping_imports_at_once_duplicate_no_lead(pg_deps):
    me, tenant = await tenant_on_plan(pg_deps, {})
    first = [(number(n), f"first {n}") for n in range(60)]
    second = [(number(n), f"second {n}") for n in range(40, 100)]  # 40..59 in both
    overlap = {p for p, _ in first} & {p for p, _ in second}
    assert len(overlap) == 20

    gate = Gate(2)
    racing = LeadImportService(gated(pg_deps, gate))
    results = await gate.race(
        racing.import_leads(me, ImportLeads(tenant.id, _csv(first), source="first")),
        racing.import_leads(me, ImportLeads(tenant.id, _csv(second), source="second")),
    )

    reports: list[ImportReport] = only(results, ImportReport)
    assert len(reports) == 2, results
    for report in reports:
        _consistent(report)
    leads = await _all_leads(pg_deps, me, tenant)
    phones = [lead.phone for lead in leads]
    assert len(phones) == len(set(phones)) == 100
    # As if one ran after the other: the earlier created all of its rows, the later created
    # only its new numbers and updated the shared ones (its names differ).
    assert sum(r.created for r in reports) == 100
    by_source = {lead.source for lead in leads if lead.phone in overlap}
    assert len(by_source) == 1
    earlier_source = by_source.pop()
    earlier, later = reports if earlier_source == "first" else reports[::-1]
    assert (earlier.created, earlier.updated, earlier.unchanged) == (60, 0, 0)
    assert (later.created, later.updated, later.unchanged) == (40, 20, 0)
    later_rows = dict(second if earlier_source == "first" else first)
    assert {lead.phone: lead.name for lead in leads if lead.phone in overlap} == {
        p: later_rows[p] for p in overlap
    }


async def _all_leads(deps: UseCaseDeps, me: Principal, tenant: Tenant) -> list[Lead]:
    leads: list[Lead] = []
    service = LeadService(deps)
    cursor: str | None = None
    while True:
        page = await service.list_leads(me, tenant.id, LeadFilter(), PageRequest.parse(100, cursor))
        leads.extend(page.items)
        if page.next_cursor is None:
            return leads
        cursor = page.next_cursor


# --- the default catalogue is installed under the migration lock ----------------------------

# A trigger in the database under test refuses every catalogue row written while no session
# holds the migration lock: whatever process writes the catalogue, it must hold the lock, or
# two first starts race to insert the same features (the loser used to die at startup).
_REFUSE_WITHOUT_MIGRATION_LOCK = """
CREATE FUNCTION refuse_without_migration_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND granted
                   AND classid = {high} AND objid = {low} AND objsubid = 1) THEN
        RAISE EXCEPTION 'catalogue row written without the migration lock';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER refuse_without_migration_lock BEFORE INSERT ON features
    FOR EACH ROW EXECUTE FUNCTION refuse_without_migration_lock();
CREATE TRIGGER refuse_without_migration_lock BEFORE INSERT ON plans
    FOR EACH ROW EXECUTE FUNCTION refuse_without_migration_lock();
CREATE TRIGGER refuse_without_migration_lock BEFORE INSERT ON plan_features
    FOR EACH ROW EXECUTE FUNCTION refuse_without_migration_lock();
"""


@pytest.fixture
def migrated_database(pg_server_url: str) -> Iterator[str]:
    """A database of its own at head with no catalogue yet, and the trigger above."""
    name = f"voice_agent_catalogue_{uuid.uuid4().hex[:12]}"
    url = ensure_database(pg_server_url, name)
    try:
        schema.upgrade(url)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(
                _REFUSE_WITHOUT_MIGRATION_LOCK.format(
                    high=schema.MIGRATION_LOCK >> 32, low=schema.MIGRATION_LOCK & 0xFFFFFFFF
                )
            )
        yield url
    finally:
        drop_database(pg_server_url, name)


def _catalogue_keys(url: str) -> list[str]:
    with psycopg.connect(libpq_url(url)) as conn:
        return [r[0] for r in conn.execute("SELECT feature_key FROM features ORDER BY 1")]


@pytest.mark.parametrize(
    "install",
    [
        pytest.param(lambda settings: cli.migrate(settings, "head"), id="migrate"),
        pytest.param(lambda settings: cli.catalogue_sync(settings), id="catalogue sync"),
        pytest.param(
            lambda settings: cli.create_platform_admin(settings, "ops@example.com"),
            id="create-platform-admin",
        ),
    ],
)
def test_every_command_installs_the_catalogue_while_holding_the_migration_lock(
    migrated_database, install, capsys
):
    install(Settings(database_url=migrated_database))

    assert _catalogue_keys(migrated_database) == sorted(f.key for f in FEATURES)
    # The lock is let go afterwards: another process may migrate.
    with psycopg.connect(libpq_url(migrated_database)) as conn:
        taken = conn.execute("SELECT pg_try_advisory_lock(%s)", (schema.MIGRATION_LOCK,))
        assert taken.fetchone() == (True,)


def test_two_first_migrations_at_once_both_succeed(pg_server_url, capsys):
    for _ in range(3):
        name = f"voice_agent_first_{uuid.uuid4().hex[:12]}"
        url = ensure_database(pg_server_url, name)
        try:
            with ThreadPoolExecutor(2) as pool:
                done = [pool.submit(cli.migrate, Settings(database_url=url), "head")]
                done.append(pool.submit(cli.migrate, Settings(database_url=url), "head"))
                for future in done:
                    future.result(timeout=60)
            assert _catalogue_keys(url) == sorted(f.key for f in FEATURES)
        finally:
            drop_database(pg_server_url, name)

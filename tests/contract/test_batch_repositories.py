"""The contract of batches, their items and the registry of running batches: the same on the
in-memory and the PostgreSQL adapters."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from adapters.ids import Uuid7Generator
from application.errors import ConcurrencyConflict
from application.pagination import PageRequest, Position
from application.ports.batches import (
    BatchFilter,
    BatchItemFilter,
    LeadSelection,
    RunningBatch,
    SurveyRow,
)
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.agents import VoiceAgent
from domain.batches import (
    Backoff,
    Batch,
    BatchCounts,
    BatchItem,
    BatchItemStatus,
    BatchStatus,
    CallingWindow,
    DialOutcome,
    PauseReason,
    RetryPolicy,
    SkipReason,
)
from domain.calls import CallDirection, CallStatus, VoiceCall
from domain.errors import InvalidValue
from domain.ids import AgentId, BatchId, CallId, LeadId, PhoneNumberId, TenantId, UserId
from domain.leads import Lead, LeadStatus
from domain.phones import NumberProvider, PhoneLine, PhoneNumber
from domain.tenancy import Tenant, User
from domain.values import Email

ids = Uuid7Generator()
T0 = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
_lines = (PhoneNumber(f"+1415555{n:04d}") for n in itertools.count(1000))
_phones = (PhoneNumber(f"+1212555{n:04d}") for n in itertools.count(1000))
WEEKDAYS = CallingWindow(frozenset({1, 2, 3, 4, 5}), time(9), time(17))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@attrs.frozen
class Setup:
    """A tenant with an agent and a line to build batches on."""

    tenant: Tenant
    agent: VoiceAgent
    line: PhoneLine

    @property
    def id(self) -> TenantId:
        return self.tenant.id


async def a_setup(uows: UnitOfWorkFactory, name: str) -> Setup:
    tenant = Tenant(TenantId(ids.new()), name, created_at=at(0), updated_at=at(0))
    agent = VoiceAgent(AgentId(ids.new()), tenant.id, "Sam", at(0), at(0))
    line = PhoneLine(
        PhoneNumberId(ids.new()), tenant.id, next(_lines), NumberProvider.VAPI, at(0), at(0)
    )
    async with uows(tenant_id=tenant.id) as tx:
        await tx.tenants.add(tenant)
        await tx.phone_numbers.add(line)
        await tx.agents.add(agent)
        await tx.commit()
    return Setup(tenant, agent, line)


@pytest.fixture
async def acme(uows: UnitOfWorkFactory) -> Setup:
    return await a_setup(uows, "Acme")


@pytest.fixture
async def globex(uows: UnitOfWorkFactory) -> Setup:
    return await a_setup(uows, "Globex")


def a_batch(setup: Setup, when: float = 0, **fields: Any) -> Batch:
    return Batch(
        BatchId(ids.new()),
        setup.id,
        setup.agent.id,
        setup.line.id,
        fields.pop("name", "Spring"),
        fields.pop("window", WEEKDAYS),
        at(when),
        at(when),
        **fields,
    )


def a_lead(setup: Setup, when: float = 0, **fields: Any) -> Lead:
    return Lead(LeadId(ids.new()), setup.id, next(_phones), at(when), at(when), **fields)


def a_call(setup: Setup, batch: Batch | None = None) -> VoiceCall:
    return VoiceCall(
        CallId(ids.new()),
        setup.id,
        CallDirection.OUTBOUND,
        CallStatus.QUEUED,
        "+12125550000",
        at(0),
        at(0),
        batch_id=batch.id if batch else None,
    )


async def given(uows: UnitOfWorkFactory, setup: Setup, *rows: Any) -> None:
    """Leads, batches and calls of one tenant, in one transaction."""
    async with uows(tenant_id=setup.id) as tx:
        for row in rows:
            if isinstance(row, Lead):
                await tx.leads.add(row)
            elif isinstance(row, Batch):
                await tx.batches.add(row)
            else:
                await tx.calls.add(row)
        await tx.commit()


async def select(
    uows: UnitOfWorkFactory, batch: Batch, selection: LeadSelection, when: float = 1
) -> int:
    async with uows(tenant_id=batch.tenant_id) as tx:
        added = await tx.batch_items.add_selection(batch, selection, at(when))
        await tx.commit()
    return added


def by_ids(*leads: Lead) -> LeadSelection:
    return LeadSelection(lead_ids=tuple(lead.id for lead in leads))


async def items_of(uows: UnitOfWorkFactory, batch: Batch, **where: Any) -> list[BatchItem]:
    """Every item of the batch, oldest first, one page of 200."""
    async with uows(tenant_id=batch.tenant_id) as tx:
        rows = await tx.batch_items.list(
            batch.tenant_id, batch.id, BatchItemFilter(**where), PageRequest(limit=200)
        )
    assert len(rows) <= 200
    return rows


async def save_items(uows: UnitOfWorkFactory, *items: BatchItem) -> None:
    async with uows(tenant_id=items[0].tenant_id) as tx:
        for item in items:
            await tx.batch_items.save(item)
        await tx.commit()


async def read_batch(uows: UnitOfWorkFactory, setup: Setup, batch_id: BatchId) -> Batch | None:
    async with uows(tenant_id=setup.id) as tx:
        return await tx.batches.get(setup.id, batch_id)


# --- batches: round trip, versions, links, tenants --------------------------------------------


async def test_a_batch_round_trips_every_field_and_saves_version_checked(uows, acme, globex):
    creator = User(UserId(ids.new()), Email("owner@acme.example"), at(0), at(0))
    async with uows(tenant_id=acme.id) as tx:
        await tx.users.add(creator)
        await tx.commit()
    batch = a_batch(
        acme,
        name="Spring — renewals ünïcode",
        window=CallingWindow(frozenset({7, 1, 3}), time(21, 30, 15, 250), time(2, 5)),
        concurrency=17,
        timezone="America/Chicago",
        max_attempts=5,
        retry_policy=RetryPolicy(
            busy=Backoff(timedelta(minutes=3), 2.5, timedelta(hours=2, microseconds=7)),
            no_answer=Backoff(timedelta(seconds=90.5)),
            voicemail=Backoff(timedelta(days=1), 1.25, timedelta(days=7)),
        ),
        created_by=creator.id,
    )
    await given(uows, acme, batch)

    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.batches.get(acme.id, batch.id)
        locked = await tx.batches.get_for_update(acme.id, batch.id)
    assert stored == locked == batch
    assert stored is not None
    assert (stored.counts, stored.cost, stored.version) == (BatchCounts(), Decimal(0), 0)
    assert isinstance(stored.cost, Decimal)

    stored.start(at(10))
    stored.pause(at(20), PauseReason.MINUTES_EXHAUSTED)
    stored.counts = BatchCounts(
        pending=4,
        dialling=1,
        live=2,
        completed=3,
        failed=2,
        skipped=2,
        cancelled=1,
        ended_by={DialOutcome.COMPLETED: 3, DialOutcome.NO_ANSWER: 1, DialOutcome.FAILED: 1},
        skipped_by={SkipReason.DO_NOT_CALL: 1, SkipReason.INVALID_NUMBER: 1},
    )
    stored.add_cost(Decimal("12.345678"))
    async with uows(tenant_id=acme.id) as tx:
        await tx.batches.save(stored)
        await tx.commit()

    assert stored.version == 1
    saved = await read_batch(uows, acme, batch.id)
    assert saved == stored
    assert saved is not None
    assert (saved.status, saved.pause_reason, saved.started_at) == (
        BatchStatus.PAUSED,
        PauseReason.MINUTES_EXHAUSTED,
        at(10),
    )
    assert saved.counts.ended_by == {
        DialOutcome.COMPLETED: 3,
        DialOutcome.NO_ANSWER: 1,
        DialOutcome.FAILED: 1,
    }
    assert saved.cost == Decimal("12.345678")
    # A stale copy (version 0) cannot overwrite it, nor can another tenant, whatever it names.
    async with uows(tenant_id=acme.id) as tx:
        with pytest.raises(ConcurrencyConflict):
            await tx.batches.save(batch)
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.batches.get(globex.id, batch.id) is None
        assert await tx.batches.get_for_update(globex.id, batch.id) is None
        with pytest.raises(ConcurrencyConflict):
            await tx.batches.save(attrs.evolve(saved, tenant_id=globex.id, name="hijacked"))
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.batches.get(globex.id, batch.id) is None
    assert await read_batch(uows, acme, batch.id) == saved


async def test_every_state_reason_outcome_and_skip_reason_is_kept(uows, acme):
    batch = a_batch(acme)
    await given(uows, acme, batch)
    for status in BatchStatus:
        for reason in [None, *PauseReason] if status is BatchStatus.PAUSED else [None]:
            current = await read_batch(uows, acme, batch.id)
            assert current is not None
            current.status, current.pause_reason = status, reason
            current.counts = BatchCounts(
                ended_by={outcome: n + 1 for n, outcome in enumerate(DialOutcome)},
                skipped_by={skip: n + 1 for n, skip in enumerate(SkipReason)},
            )
            async with uows(tenant_id=acme.id) as tx:
                await tx.batches.save(current)
                await tx.commit()
            assert await read_batch(uows, acme, batch.id) == current
    lead = a_lead(acme)
    await given(uows, acme, lead)
    await select(uows, batch, by_ids(lead))
    for item_status, outcome, skip in itertools.zip_longest(
        BatchItemStatus, [None, *DialOutcome], [None, *SkipReason]
    ):
        (item,) = await items_of(uows, batch)
        item.status = item_status or BatchItemStatus.PENDING
        item.last_outcome, item.skip_reason = outcome, skip
        await save_items(uows, item)
        assert await items_of(uows, batch) == [item]


async def test_a_batch_and_its_items_are_saved_in_the_transaction_that_adds_them(uows, acme):
    batch, lead = a_batch(acme), a_lead(acme)
    await given(uows, acme, lead)
    async with uows(tenant_id=acme.id) as tx:
        await tx.batches.add(batch)
        added = await tx.batch_items.add_selection(batch, by_ids(lead), at(1))
        batch.counts = BatchCounts(pending=added)
        await tx.batches.save(batch)
        (item,) = await tx.batch_items.list(acme.id, batch.id, BatchItemFilter(), PageRequest())
        item.variables = {"first_name": "Ada", "tier": 2}
        await tx.batch_items.save(item)
        await tx.commit()
    stored = await read_batch(uows, acme, batch.id)
    assert stored == batch
    assert stored is not None
    assert (stored.counts.pending, stored.version) == (1, 1)
    assert await items_of(uows, batch) == [item]
    assert item.version == 1


async def test_of_two_concurrent_saves_of_a_batch_or_an_item_only_the_first_wins(uows, acme):
    batch, lead = a_batch(acme), a_lead(acme)
    await given(uows, acme, batch, lead)
    await select(uows, batch, by_ids(lead))
    async with uows(tenant_id=acme.id) as a, uows(tenant_id=acme.id) as b:
        first = await a.batches.get(acme.id, batch.id)
        second = await b.batches.get(acme.id, batch.id)
        (item_a,) = await a.batch_items.list(acme.id, batch.id, BatchItemFilter(), PageRequest())
        (item_b,) = await b.batch_items.list(acme.id, batch.id, BatchItemFilter(), PageRequest())
        assert first is not None
        assert second is not None
        first.name, item_a.attempts = "A", 1
        await a.batches.save(first)
        await a.batch_items.save(item_a)
        await a.commit()
        second.name, item_b.attempts = "B", 2
        with pytest.raises(ConcurrencyConflict):
            await b.batches.save(second)
        with pytest.raises(ConcurrencyConflict):
            await b.batch_items.save(item_b)
    stored = await read_batch(uows, acme, batch.id)
    assert stored is not None
    assert (stored.name, stored.version) == ("A", 1)
    assert [(i.attempts, i.version) for i in await items_of(uows, batch)] == [(1, 1)]


async def test_a_batch_calls_only_with_its_own_tenants_agent_and_number(uows, acme, globex):
    for wrong, field in (
        ({"agent_id": globex.agent.id}, "agent_id"),
        ({"from_number_id": globex.line.id}, "from_number_id"),
        ({"agent_id": AgentId(ids.new())}, "agent_id"),
    ):
        batch = attrs.evolve(a_batch(acme), **wrong)
        async with uows(tenant_id=acme.id) as tx:
            with pytest.raises(InvalidValue) as refused:
                await tx.batches.add(batch)
        assert refused.value.field == field
        assert await read_batch(uows, acme, batch.id) is None


async def test_whether_an_agent_has_batches_is_answered_within_its_tenant(uows, acme, globex):
    other_agent = VoiceAgent(AgentId(ids.new()), acme.id, "Kim", at(0), at(0))
    async with uows(tenant_id=acme.id) as tx:
        await tx.agents.add(other_agent)
        await tx.commit()
    await given(uows, acme, attrs.evolve(a_batch(acme), status=BatchStatus.CANCELLED))
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.batches.exist_for_agent(acme.id, acme.agent.id)
        assert not await tx.batches.exist_for_agent(acme.id, other_agent.id)
    async with uows(tenant_id=globex.id) as tx:
        assert not await tx.batches.exist_for_agent(globex.id, acme.agent.id)


async def test_batches_list_newest_first_by_page_and_status_and_running_oldest_first(
    uows, acme, globex
):
    statuses = [BatchStatus.RUNNING, BatchStatus.DRAFT, BatchStatus.RUNNING, BatchStatus.PAUSED]
    statuses += [BatchStatus.RUNNING, BatchStatus.COMPLETED, BatchStatus.CANCELLED]
    batches = [
        a_batch(
            acme,
            when=n // 2,  # two batches share each instant: the id breaks the tie
            status=status,
            pause_reason=PauseReason.REQUESTED if status is BatchStatus.PAUSED else None,
        )
        for n, status in enumerate(statuses)
    ]
    theirs = a_batch(globex, status=BatchStatus.RUNNING)
    await given(uows, acme, *batches)
    await given(uows, globex, theirs)
    newest_first = sorted(batches, key=lambda b: (b.created_at, b.id), reverse=True)

    for where in (None, *BatchStatus):
        seen: list[Batch] = []
        page = PageRequest(limit=2)
        while True:
            async with uows(tenant_id=acme.id) as tx:
                rows = await tx.batches.list(acme.id, BatchFilter(where), page)
            assert len(rows) <= 3
            seen += rows[:2]
            if len(rows) <= 2:
                break
            page = PageRequest(limit=2, after=Position(rows[1].created_at, rows[1].id))
        assert seen == [b for b in newest_first if where in (None, b.status)], where

    async with uows(tenant_id=acme.id) as tx:
        running = await tx.batches.running(acme.id)
    assert running == [b for b in batches if b.status is BatchStatus.RUNNING]
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.batches.running(globex.id) == [theirs]
        assert await tx.batches.list(globex.id, BatchFilter(), PageRequest()) == [theirs]


# --- items: selection ---------------------------------------------------------------------------


async def test_a_selection_by_ids_adds_each_of_the_tenants_leads_once(uows, acme, globex):
    mine = [a_lead(acme, when=n) for n in range(4)]
    theirs = a_lead(globex)
    batch = a_batch(acme)
    await given(uows, acme, *mine, batch)
    await given(uows, globex, theirs)
    nobody = LeadId(ids.new())
    named = (mine[2].id, theirs.id, mine[0].id, nobody, mine[2].id, mine[0].id)

    async with uows(tenant_id=acme.id) as tx:
        missing = await tx.batch_items.missing_leads(acme.id, named)
        counted = await tx.batch_items.count_selection(acme.id, LeadSelection(lead_ids=named))
        assert await tx.batch_items.missing_leads(acme.id, []) == []
    assert missing == [theirs.id, nobody]  # in the order given, each once
    assert counted == 2
    assert await select(uows, batch, LeadSelection(lead_ids=named), when=5) == 2

    items = await items_of(uows, batch)
    assert {i.lead_id for i in items} == {mine[0].id, mine[2].id}
    for item in items:
        assert (item.tenant_id, item.batch_id) == (acme.id, batch.id)
        assert (item.status, item.attempts, item.version) == (BatchItemStatus.PENDING, 0, 0)
        assert (item.created_at, item.updated_at, item.next_attempt_at) == (at(5), at(5), at(5))
        assert (item.last_call_id, item.last_outcome, item.skip_reason) == (None, None, None)
        assert item.variables == {}
    # Named again with others: only those not in the batch yet are added.
    assert await select(uows, batch, by_ids(*mine), when=6) == 2
    after = await items_of(uows, batch)
    assert sorted(i.lead_id for i in after) == sorted(lead.id for lead in mine)
    assert [i for i in after if i.lead_id in (mine[0].id, mine[2].id)] == items
    assert await select(uows, batch, by_ids(*mine), when=7) == 0
    # The same leads in another batch are that batch's own items.
    other = a_batch(acme)
    await given(uows, acme, other)
    assert await select(uows, other, by_ids(mine[1])) == 1


SELECTIONS = {
    "everyone": LeadSelection(),
    "status": LeadSelection(status=LeadStatus.QUALIFIED),
    "source": LeadSelection(source="fair"),
    "created from, inclusive": LeadSelection(created_from=at(2)),
    "created before, exclusive": LeadSelection(created_before=at(2)),
    "created range": LeadSelection(created_from=at(1), created_before=at(3)),
    "never contacted": LeadSelection(never_contacted=True),
    "criteria together": LeadSelection(
        status=LeadStatus.NEW, source="fair", created_from=at(1), never_contacted=True
    ),
}


def selected(lead: Lead, selection: LeadSelection) -> bool:
    return (
        (selection.lead_ids is None or lead.id in selection.lead_ids)
        and selection.status in (None, lead.status)
        and selection.source in (None, lead.source)
        and (selection.created_from is None or lead.created_at >= selection.created_from)
        and (selection.created_before is None or lead.created_at < selection.created_before)
        and not (selection.never_contacted and lead.last_contacted_at is not None)
    )


@pytest.mark.parametrize("name", SELECTIONS)
async def test_a_selection_by_filter_adds_the_tenants_matching_leads(uows, acme, globex, name):
    selection = SELECTIONS[name]
    mine = [
        a_lead(
            acme,
            when=n % 4,
            status=[LeadStatus.NEW, LeadStatus.QUALIFIED, LeadStatus.CONTACTED][n % 3],
            source=[None, "fair", "web"][n % 3 if n < 6 else (n + 1) % 3],
            last_contacted_at=at(50) if n % 4 == 3 else None,
            do_not_call=n % 5 == 0,  # selected all the same: skipped when their turn comes
        )
        for n in range(12)
    ]
    theirs = [attrs.evolve(lead, id=LeadId(ids.new()), tenant_id=globex.id) for lead in mine]
    batch = a_batch(acme)
    await given(uows, acme, *mine, batch)
    await given(uows, globex, *theirs)
    expected = {lead.id for lead in mine if selected(lead, selection)}
    assert expected or name == "criteria together"

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.batch_items.count_selection(acme.id, selection) == len(expected)
    assert await select(uows, batch, selection) == len(expected)
    assert {i.lead_id for i in await items_of(uows, batch)} == expected
    assert await select(uows, batch, selection) == 0  # never twice the same lead
    assert len(await items_of(uows, batch)) == len(expected)


async def test_a_selection_names_only_the_tenants_leads_and_batches(uows, acme, globex):
    theirs = a_lead(globex)
    mine = a_lead(acme)
    await given(uows, globex, theirs)
    batch = a_batch(acme)
    await given(uows, acme, mine, batch)
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.batch_items.count_selection(acme.id, by_ids(theirs)) == 0
        assert await tx.batch_items.add_selection(batch, by_ids(theirs), at(1)) == 0
        await tx.commit()
    assert await items_of(uows, batch) == []
    assert await select(uows, batch, LeadSelection()) == 1


# --- items: dispatch ----------------------------------------------------------------------------


@attrs.frozen
class Dispatch:
    batch: Batch
    leads: list[Lead]
    items: list[BatchItem]
    """In the order they fall due."""


async def a_dispatch(uows: UnitOfWorkFactory, setup: Setup) -> Dispatch:
    """Eight pending items, due in a known order, two of them in the future (after at(100)),
    and a finished one and a dialling one that are due but not waiting."""
    leads = [a_lead(setup, timezone="Europe/Paris") for _ in range(10)]
    batch = a_batch(setup)
    await given(uows, setup, *leads, batch)
    await select(uows, batch, by_ids(*leads), when=0)
    items = {i.lead_id: i for i in await items_of(uows, batch)}
    ordered = [items[lead.id] for lead in leads]
    due = [None, None, at(5), at(10), at(10), at(60), at(150), at(900)]
    for item, when in zip(ordered, due, strict=False):
        item.next_attempt_at = when
    ordered[8].status = BatchItemStatus.COMPLETED
    ordered[9].status = BatchItemStatus.DIALLING
    await save_items(uows, *ordered)
    pending = sorted(
        ordered[:8],
        key=lambda i: (i.next_attempt_at is not None, i.next_attempt_at, i.id),
    )
    return Dispatch(batch, leads, pending)


async def test_claims_take_due_items_earliest_first_with_their_leads(uows, acme):
    d = await a_dispatch(uows, acme)
    lead_of = {lead.id: lead for lead in d.leads}
    async with uows(tenant_id=acme.id) as tx:
        first = await tx.batch_items.claim_due(acme.id, d.batch.id, at(100), 4)
        again = await tx.batch_items.claim_due(acme.id, d.batch.id, at(100), 10)
        none = await tx.batch_items.claim_due(acme.id, d.batch.id, at(100), 0)
    assert [due.item for due in first] == d.items[:4]
    assert [due.lead for due in first] == [lead_of[i.lead_id] for i in d.items[:4]]
    # Its own locks do not stop a transaction: it finds the same due items again.
    assert [due.item for due in again] == d.items[:6]
    assert none == []
    async with uows(tenant_id=acme.id) as tx:
        everything = await tx.batch_items.claim_due(acme.id, d.batch.id, at(10_000), 100)
        before_all = await tx.batch_items.claim_due(acme.id, d.batch.id, at(-1), 100)
    assert [due.item for due in everything] == d.items
    assert [due.item for due in before_all] == d.items[:2]  # unset: due at once


async def test_two_open_claims_never_take_the_same_item(uows, acme):
    d = await a_dispatch(uows, acme)
    async with uows(tenant_id=acme.id) as a, uows(tenant_id=acme.id) as b:
        taken_a = await a.batch_items.claim_due(acme.id, d.batch.id, at(100), 2)
        taken_b = await b.batch_items.claim_due(acme.id, d.batch.id, at(100), 10)
        taken_a_more = await a.batch_items.claim_due(acme.id, d.batch.id, at(100), 10)
        # Counting is no claim: every due item counts, whoever holds it.
        assert await b.batch_items.count_due(acme.id, d.batch.id, at(100), 100) == 6
    assert [due.item for due in taken_a] == d.items[:2]
    assert [due.item for due in taken_b] == d.items[2:6]
    assert [due.item for due in taken_a_more] == d.items[:2]
    # Once they ended (rolled back), the items are free again.
    async with uows(tenant_id=acme.id) as c:
        free = await c.batch_items.claim_due(acme.id, d.batch.id, at(100), 10)
    assert [due.item for due in free] == d.items[:6]


async def test_a_claimed_item_saved_is_no_longer_due(uows, acme):
    d = await a_dispatch(uows, acme)
    async with uows(tenant_id=acme.id) as tx:
        (claimed,) = await tx.batch_items.claim_due(acme.id, d.batch.id, at(100), 1)
        claimed.item.claim(at(100))
        await tx.batch_items.save(claimed.item)
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        rest = await tx.batch_items.claim_due(acme.id, d.batch.id, at(100), 10)
        stored = await tx.batch_items.get(acme.id, d.batch.id, claimed.item.id)
    assert [due.item for due in rest] == d.items[1:6]
    assert stored == claimed.item
    assert stored is not None
    assert (stored.status, stored.attempts, stored.version) == (BatchItemStatus.DIALLING, 1, 2)


async def test_items_saved_together_are_each_saved_and_version_checked(uows, acme):
    d = await a_dispatch(uows, acme)
    async with uows(tenant_id=acme.id) as tx:
        claimed = [
            due.item for due in await tx.batch_items.claim_due(acme.id, d.batch.id, at(100), 3)
        ]
        for n, item in enumerate(claimed):
            item.claim(at(100))
            item.variables = {"n": n}
        await tx.batch_items.save_many(claimed)
        await tx.batch_items.save_many([])
        await tx.commit()
    assert [(i.status, i.version) for i in claimed] == [(BatchItemStatus.DIALLING, 2)] * 3
    stored = {i.id: i for i in await items_of(uows, d.batch)}
    assert [stored[i.id] for i in claimed] == claimed

    # One stale copy among fresh ones: the save is refused, and nothing of it stays.
    fresh = attrs.evolve(claimed[1], attempts=7)
    stale = attrs.evolve(claimed[0], version=1, attempts=9)
    async with uows(tenant_id=acme.id) as tx:
        with pytest.raises(ConcurrencyConflict):
            await tx.batch_items.save_many([fresh, stale])
    stored = {i.id: i for i in await items_of(uows, d.batch)}
    assert [stored[i.id] for i in claimed] == claimed


async def test_an_item_whose_lead_was_deleted_is_claimed_without_it(uows, acme):
    d = await a_dispatch(uows, acme)
    gone = next(lead for lead in d.leads if lead.id == d.items[0].lead_id)
    async with uows(tenant_id=acme.id) as tx:
        await tx.leads.remove(gone)
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        first = await tx.batch_items.claim_due(acme.id, d.batch.id, at(100), 2)
    assert [due.item for due in first] == d.items[:2]
    assert first[0].lead is None
    assert first[1].lead is not None
    assert first[1].lead.id == d.items[1].lead_id


async def test_count_due_counts_up_to_its_limit_and_next_due_says_when(uows, acme):
    d = await a_dispatch(uows, acme)
    async with uows(tenant_id=acme.id) as tx:
        counts = [
            await tx.batch_items.count_due(acme.id, d.batch.id, when, limit)
            for when, limit in ((at(100), 100), (at(100), 3), (at(10), 100), (at(-1), 9))
        ]
        assert await tx.batch_items.count_due(acme.id, d.batch.id, at(100), 0) == 0
        unset_first = await tx.batch_items.next_due(acme.id, d.batch.id)
    assert counts == [6, 3, 5, 2]
    # Items with no time set are due at once: the time given is a moment already past.
    assert unset_first == at(0)

    for item in d.items[:2]:
        item.next_attempt_at = at(7)
    await save_items(uows, *d.items[:2])
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.batch_items.next_due(acme.id, d.batch.id) == at(5)
    for item in d.items:
        item.status = BatchItemStatus.SKIPPED
    await save_items(uows, *d.items)
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.batch_items.next_due(acme.id, d.batch.id) is None
        assert await tx.batch_items.count_due(acme.id, d.batch.id, at(10_000), 10) == 0
        assert await tx.batch_items.claim_due(acme.id, d.batch.id, at(10_000), 10) == []


async def test_the_items_of_calls_are_found_and_locked(uows, acme, globex):
    d = await a_dispatch(uows, acme)
    first, second, loose = a_call(acme, d.batch), a_call(acme, d.batch), a_call(acme, d.batch)
    async with uows(tenant_id=acme.id) as tx:
        await tx.calls.add_many([first, second, loose])
        d.items[0].last_call_id = first.id
        d.items[1].last_call_id = second.id
        await tx.batch_items.save_many(d.items[:2])
        await tx.commit()

    async with uows(tenant_id=acme.id) as a, uows(tenant_id=acme.id) as b:
        found = await a.batch_items.for_calls(acme.id, [second.id, first.id, loose.id])
        assert found == {first.id: d.items[0], second.id: d.items[1]}
        assert await a.batch_items.for_calls(acme.id, []) == {}
        assert await a.batch_items.for_calls(globex.id, [first.id]) == {}
        # Held by `a`: another transaction's claim passes them over.
        taken = await b.batch_items.claim_due(acme.id, d.batch.id, at(100), 10)
        assert [due.item for due in taken] == d.items[2:6]
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.batch_items.for_calls(globex.id, [first.id, second.id]) == {}


async def test_cancelling_a_batch_cancels_its_waiting_items_only(uows, acme, globex):
    d = await a_dispatch(uows, acme)
    bystander = await a_dispatch(uows, acme)
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.batch_items.cancel_pending(globex.id, d.batch.id, at(200)) == 0
        await tx.commit()
    before = {i.id: i for i in await items_of(uows, d.batch)}
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.batch_items.cancel_pending(acme.id, d.batch.id, at(200)) == 8
        await tx.commit()

    after = {i.id: i for i in await items_of(uows, d.batch)}
    for item_id, item in before.items():
        if item.status is BatchItemStatus.PENDING:
            assert after[item_id] == attrs.evolve(
                item, status=BatchItemStatus.CANCELLED, updated_at=at(200), version=2
            )
        else:
            assert after[item_id] == item
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.batch_items.cancel_pending(acme.id, d.batch.id, at(300)) == 0
        assert await tx.batch_items.claim_due(acme.id, d.batch.id, at(10_000), 100) == []
        others = await tx.batch_items.claim_due(acme.id, bystander.batch.id, at(10_000), 100)
    assert [due.item for due in others] == bystander.items


# --- items: lists and the survey ----------------------------------------------------------------


async def test_items_list_oldest_first_by_page_and_filter(uows, acme, globex):
    leads = [a_lead(acme) for _ in range(9)]
    batch, other = a_batch(acme), a_batch(acme)
    await given(uows, acme, *leads, batch, other)
    await select(uows, batch, by_ids(*leads[:3]), when=1)
    await select(uows, batch, by_ids(*leads[3:]), when=2)
    await select(uows, other, by_ids(*leads), when=1)
    items = await items_of(uows, batch)
    assert [i.created_at for i in items] == [at(1)] * 3 + [at(2)] * 6
    states = [
        (BatchItemStatus.COMPLETED, DialOutcome.COMPLETED, None),
        (BatchItemStatus.FAILED, DialOutcome.BUSY, None),
        (BatchItemStatus.PENDING, DialOutcome.BUSY, None),
        (BatchItemStatus.SKIPPED, None, SkipReason.DO_NOT_CALL),
        (BatchItemStatus.SKIPPED, None, SkipReason.UNKNOWN_TIME_ZONE),
        (BatchItemStatus.LIVE, DialOutcome.UNKNOWN, None),
    ]
    for item, (status, outcome, skip) in zip(items, states, strict=False):
        item.status, item.last_outcome, item.skip_reason = status, outcome, skip
    await save_items(uows, *items)
    oldest_first = sorted(items, key=lambda i: (i.created_at, i.id))
    assert await items_of(uows, batch) == oldest_first

    filters = [BatchItemFilter()]
    filters += [BatchItemFilter(status=s) for s in BatchItemStatus]
    filters += [BatchItemFilter(outcome=o) for o in DialOutcome]
    filters += [BatchItemFilter(skip_reason=r) for r in SkipReason]
    filters += [BatchItemFilter(status=BatchItemStatus.PENDING, outcome=DialOutcome.BUSY)]
    for where in filters:
        seen: list[BatchItem] = []
        page = PageRequest(limit=2)
        while True:
            async with uows(tenant_id=acme.id) as tx:
                rows = await tx.batch_items.list(acme.id, batch.id, where, page)
            assert len(rows) <= 3
            seen += rows[:2]
            if len(rows) <= 2:
                break
            page = PageRequest(limit=2, after=Position(rows[1].created_at, rows[1].id))
        assert seen == [
            i
            for i in oldest_first
            if where.status in (None, i.status)
            and where.outcome in (None, i.last_outcome)
            and where.skip_reason in (None, i.skip_reason)
        ], where
    async with uows(tenant_id=globex.id) as tx:
        assert (
            await tx.batch_items.list(globex.id, batch.id, BatchItemFilter(), PageRequest()) == []
        )
        assert await tx.batch_items.get(globex.id, batch.id, items[0].id) is None
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.batch_items.get(acme.id, other.id, items[0].id) is None
        assert await tx.batch_items.get(acme.id, batch.id, items[0].id) == items[0]


async def test_the_survey_groups_waiting_leads_by_mark_and_zone(uows, acme, globex):
    def lead(zone: str | None, dnc: bool = False) -> Lead:
        return a_lead(acme, timezone=zone, do_not_call=dnc)

    zoned = [
        lead("Europe/Paris"),
        lead("Europe/Paris"),
        lead("America/New_York"),
        lead("Europe/Paris", dnc=True),
        lead("America/New_York", dnc=True),
        lead("America/New_York", dnc=True),
    ]
    unzoned = [lead(None), lead(None), lead(None, dnc=True)]
    finished = lead("Asia/Tokyo")
    gone = lead("Australia/Sydney")
    batch = a_batch(acme)
    await given(uows, acme, *zoned, *unzoned, finished, gone, batch)
    await select(uows, batch, by_ids(*zoned, *unzoned, finished, gone))
    (done,) = [i for i in await items_of(uows, batch) if i.lead_id == finished.id]
    done.status = BatchItemStatus.COMPLETED
    await save_items(uows, done)
    async with uows(tenant_id=acme.id) as tx:
        await tx.leads.remove(gone)  # its item waits on, with nothing to survey
        await tx.commit()
    # Another batch's and another tenant's leads are not this batch's.
    elsewhere = a_batch(acme)
    await given(uows, acme, elsewhere, lead("Asia/Tokyo"))
    await select(uows, elsewhere, LeadSelection())
    await given(uows, globex, a_lead(globex, timezone="Europe/Paris"))

    async with uows(tenant_id=acme.id) as tx:
        survey = await tx.batch_items.survey(acme.id, batch.id)
    no_zone = sorted(unzoned, key=lambda x: (x.do_not_call, x.phone.e164))
    assert survey == [
        SurveyRow(False, "America/New_York", None, 1),
        SurveyRow(False, "Europe/Paris", None, 2),
        *(SurveyRow(False, None, x.phone.e164, 1) for x in no_zone if not x.do_not_call),
        SurveyRow(True, "America/New_York", None, 2),
        SurveyRow(True, "Europe/Paris", None, 1),
        *(SurveyRow(True, None, x.phone.e164, 1) for x in no_zone if x.do_not_call),
    ]
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.batch_items.survey(globex.id, batch.id) == []


# --- the registry of running batches ----------------------------------------------------------


async def test_the_registry_of_running_batches_is_read_across_tenants(uows, acme, globex):
    a1, a2, g1 = a_batch(acme), a_batch(acme), a_batch(globex)
    await given(uows, acme, a1, a2)
    await given(uows, globex, g1)
    for setup, batch in ((acme, a1), (acme, a2), (globex, g1), (acme, a1)):
        async with uows(tenant_id=setup.id) as tx:
            await tx.running_batches.enter(setup.id, batch.id)
            await tx.running_batches.enter(setup.id, batch.id)  # idempotent
            await tx.commit()
    expected = sorted(
        [
            RunningBatch(a1.id, acme.id),
            RunningBatch(a2.id, acme.id),
            RunningBatch(g1.id, globex.id),
        ],
        key=lambda r: (r.tenant_id, r.batch_id),
    )
    for context in ({}, {"tenant_id": acme.id}, {"tenant_id": globex.id}):
        async with uows(**context) as tx:  # outside any tenant too, as the dispatcher reads
            assert await tx.running_batches.all() == expected, context

    async with uows(tenant_id=acme.id) as tx:
        await tx.running_batches.leave(acme.id, a1.id)
        await tx.running_batches.leave(acme.id, a1.id)  # idempotent
        await tx.running_batches.leave(acme.id, g1.id)  # names no entry of acme's
        await tx.commit()
    async with uows() as tx:
        assert await tx.running_batches.all() == [r for r in expected if r.batch_id != a1.id]


async def test_only_a_tenants_own_batch_enters_the_registry(uows, acme, globex):
    theirs = a_batch(globex)
    await given(uows, globex, theirs)
    for batch_id in (theirs.id, BatchId(ids.new())):
        async with uows(tenant_id=acme.id) as tx:
            with pytest.raises(InvalidValue) as refused:
                await tx.running_batches.enter(acme.id, batch_id)
        assert refused.value.field == "batch_id"
    async with uows() as tx:
        assert await tx.running_batches.all() == []


# --- tenants ----------------------------------------------------------------------------------


async def test_another_tenant_never_sees_nor_takes_a_tenants_items(uows, acme, globex):
    d = await a_dispatch(uows, acme)
    before = await items_of(uows, d.batch)
    async with uows(tenant_id=globex.id) as tx:
        b, batch_id = globex.id, d.batch.id
        assert await tx.batches.list(b, BatchFilter(), PageRequest()) == []
        assert await tx.batch_items.claim_due(b, batch_id, at(10_000), 100) == []
        assert await tx.batch_items.count_due(b, batch_id, at(10_000), 100) == 0
        assert await tx.batch_items.next_due(b, batch_id) is None
        assert await tx.batch_items.survey(b, batch_id) == []
        assert await tx.batch_items.cancel_pending(b, batch_id, at(500)) == 0
        assert await tx.batch_items.get(b, batch_id, before[0].id) is None
        # An item saved under another tenant's name does not reach the tenant's own.
        with pytest.raises(ConcurrencyConflict):
            await tx.batch_items.save(attrs.evolve(before[0], tenant_id=b, attempts=9))
        # Its own selection into the tenant's batch adds nothing of the tenant's.
        assert (
            await tx.batch_items.add_selection(
                attrs.evolve(d.batch, tenant_id=b), LeadSelection(), at(500)
            )
            == 0
        )
        await tx.commit()
    assert await items_of(uows, d.batch) == before


async def test_forgetting_a_lead_empties_its_items_variables_in_its_tenant_only(uows, acme, globex):
    lead, neighbour = a_lead(acme), a_lead(acme)
    batch, theirs = a_batch(acme), a_batch(globex)
    their_lead = a_lead(globex)
    await given(uows, acme, lead, neighbour, batch)
    await given(uows, globex, their_lead, theirs)
    await select(uows, batch, by_ids(lead, neighbour))
    await select(uows, theirs, by_ids(their_lead))
    items = await items_of(uows, batch)
    [their_item] = await items_of(uows, theirs)
    for item in [*items, their_item]:
        item.variables = {"name": "Zebulon"}
    await save_items(uows, *items)
    await save_items(uows, their_item)

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.batch_items.forget_lead(acme.id, lead.id) == 1
        assert await tx.batch_items.forget_lead(acme.id, their_lead.id) == 0
        await tx.commit()

    variables = {i.lead_id: i.variables for i in await items_of(uows, batch)}
    assert variables == {lead.id: {}, neighbour.id: {"name": "Zebulon"}}
    assert [i.variables for i in await items_of(uows, theirs)] == [{"name": "Zebulon"}]

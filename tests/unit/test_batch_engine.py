"""Batches through the use cases on the in-memory adapters and a scripted provider: created
from the lead book, dialled by the dispatcher within every limit, settled by the calls' own
path (webhooks, the reconciler), retried by the policy, paused, resumed, cancelled, and the
shared line pool handed out fairly between tenants."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.ids import Uuid7Generator
from adapters.memory.unit_of_work import InMemoryDatabase
from application.batches import DEFAULT_CALL_SECONDS, BatchDispatcher, BatchService, CreateBatch
from application.call_events import StatusChanged
from application.call_tracking import CallPolicy
from application.catalogue import sync_catalogue
from application.context import UseCaseDeps
from application.errors import ProviderBusy
from application.leads import LeadService, UpdateLead
from application.pagination import PageRequest
from application.ports.batches import BatchItemFilter, LeadSelection
from domain.batches import (
    Backoff,
    Batch,
    BatchItemStatus,
    BatchStatus,
    CallingWindow,
    DialOutcome,
    PauseReason,
    RetryPolicy,
    SkipReason,
)
from domain.calls import VoiceCall
from domain.errors import InvalidStateTransition, InvalidValue
from domain.leads import Lead
from domain.phones import PhoneNumber
from domain.plans import EntitlementExceeded, FeatureDisabled
from tests.fakes.telephony import FakeTelephony
from tests.support import MutableClock
from tests.unit.test_calls_use_cases import GLOBEX_LINE, Desk, open_desk

ALL = PageRequest(limit=200)
ALWAYS = CallingWindow(days=range(1, 8), start=time(0, 0), end=time(23, 59, 59))
NEW_YORK = "America/New_York"


def numbers(count: int, first: int = 0) -> list[PhoneNumber]:
    return [PhoneNumber.parse(f"+1 212 555 {first + n:04d}") for n in range(count)]


class Campaign:
    """A tenant's desk with batches on: its service, the dispatcher over the shared pool."""

    def __init__(self, desk: Desk, policy: CallPolicy) -> None:
        self.desk = desk
        self.batches = BatchService(desk.deps, policy)
        self.dispatcher = BatchDispatcher(desk.deps, desk.calls, policy)

    async def allow(self, size: int = 1000) -> None:
        await self.desk.limit("batch_calls", True)
        await self.desk.limit("batch.size.max", size)
        await self.desk.limit("calls.concurrent.max", None)
        await self.desk.limit("calls.minutes.monthly", None)

    async def leads(self, count: int, first: int = 0, **fields: Any) -> list[Lead]:
        fields.setdefault("timezone", NEW_YORK)
        return [await self.desk.a_lead(n, **fields) for n in numbers(count, first)]

    async def create(self, leads: list[Lead], **fields: Any) -> Batch:
        fields.setdefault("window", ALWAYS)
        fields.setdefault("name", "Spring")
        selection = LeadSelection(lead_ids=tuple(lead.id for lead in leads))
        batch, _ = await self.batches.create_batch(
            self.desk.owner,
            CreateBatch(self.desk.tenant.id, self.desk.agent.id, selection=selection, **fields),
        )
        return batch

    async def started(self, leads: list[Lead], **fields: Any) -> Batch:
        batch = await self.create(leads, **fields)
        return await self.batches.start(self.desk.owner, self.desk.tenant.id, batch.id)

    async def do_not_call(self, lead: Lead) -> None:
        await LeadService(self.desk.deps).update_lead(
            self.desk.owner, UpdateLead(self.desk.tenant.id, lead.id, {"do_not_call": True})
        )

    async def read(self, batch: Batch) -> Batch:
        return await self.batches.get_batch(self.desk.owner, self.desk.tenant.id, batch.id)

    async def items(self, batch: Batch, **where: Any) -> list[Any]:
        page = await self.batches.list_items(
            self.desk.owner, self.desk.tenant.id, batch.id, BatchItemFilter(**where), ALL
        )
        return list(page.items)

    async def calls_of(self, batch: Batch) -> list[VoiceCall]:
        async with self.desk.deps.uows(tenant_id=self.desk.tenant.id) as tx:
            rows = [c for c in self.desk.db.tables["calls"].values() if c.batch_id == batch.id]
            return [await tx.calls.get(self.desk.tenant.id, c.id) for c in rows]  # type: ignore[misc]

    async def end(self, call: VoiceCall, reason: str = "customer-ended-call") -> None:
        stored = await self.desk.stored(call)
        await self.desk.say(stored, StatusChanged("ended", reason), f"ended-{reason}")


def recount(db: InMemoryDatabase, batch: Batch) -> Counter[str]:
    return Counter(
        i.status.value for i in db.tables["batch_items"].values() if i.batch_id == batch.id
    )


def progress(batch: Batch) -> Counter[str]:
    return Counter({s.value: batch.counts.of(s) for s in BatchItemStatus if batch.counts.of(s)})


@pytest.fixture
def pool() -> CallPolicy:
    return CallPolicy(provider_max_concurrent=10)


@pytest.fixture
async def acme(
    deps: UseCaseDeps, memory_db: InMemoryDatabase, fake: FakeTelephony, pool: CallPolicy
) -> Campaign:
    await sync_catalogue(deps)
    campaign = Campaign(await open_desk(deps, memory_db, fake, pool), pool)
    await campaign.allow()
    return campaign


@pytest.fixture
async def globex(acme: Campaign, pool: CallPolicy) -> Campaign:
    desk = await open_desk(
        acme.desk.deps, acme.desk.db, acme.desk.fake, pool, "Globex", GLOBEX_LINE
    )
    campaign = Campaign(desk, pool)
    await campaign.allow()
    return campaign


@pytest.fixture
def fake(memory_db: InMemoryDatabase) -> FakeTelephony:
    return FakeTelephony(memory_db)


# --- creating -------------------------------------------------------------------------------


async def test_a_batch_is_created_from_lead_ids_each_lead_once_with_its_preflight(
    acme: Campaign,
) -> None:
    leads = await acme.leads(3)
    dnc = await acme.leads(1, first=50)
    await acme.do_not_call(dnc[0])
    selection = LeadSelection(
        lead_ids=(leads[0].id, leads[1].id, leads[2].id, leads[0].id, dnc[0].id)
    )
    batch, preflight = await acme.batches.create_batch(
        acme.desk.owner,
        CreateBatch(
            acme.desk.tenant.id, acme.desk.agent.id, "Spring", ALWAYS, selection, concurrency=2
        ),
    )

    assert batch.status is BatchStatus.DRAFT
    assert batch.counts.pending == 4 == len(await acme.items(batch))
    assert (preflight.leads, preflight.duplicate_leads, preflight.do_not_call) == (4, 1, 1)
    assert preflight.callable_now == 3
    assert preflight.concurrency == 2
    assert preflight.estimated_seconds > 0
    assert not acme.desk.fake.placed


async def test_the_preflight_estimates_with_the_tenants_own_average_call(
    acme: Campaign,
) -> None:
    first = await acme.create(await acme.leads(4), concurrency=2)
    before = await acme.batches.preflight(acme.desk.owner, acme.desk.tenant.id, first.id)
    call = await acme.desk.place()
    await acme.desk.report(await acme.desk.stored(call), seconds=30)

    after = await acme.batches.preflight(acme.desk.owner, acme.desk.tenant.id, first.id)

    assert before.estimated_seconds == 2 * DEFAULT_CALL_SECONDS  # four leads, two at once
    assert after.estimated_seconds == 2 * 30


async def test_a_batch_needs_the_feature_and_fits_its_size_limit(acme: Campaign) -> None:
    leads = await acme.leads(3)
    await acme.desk.limit("batch.size.max", 2)
    with pytest.raises(EntitlementExceeded):
        await acme.create(leads)
    await acme.desk.limit("batch_calls", False)
    with pytest.raises(FeatureDisabled):
        await acme.create(leads[:1])
    assert not acme.desk.db.tables["batches"]


async def test_lead_ids_of_another_tenant_are_refused_as_unknown(
    acme: Campaign, globex: Campaign
) -> None:
    theirs = await globex.leads(1, first=70)
    with pytest.raises(InvalidValue, match="no lead"):
        await acme.create(theirs)
    assert not acme.desk.db.tables["batches"]


# --- dispatching ----------------------------------------------------------------------------


async def test_the_dispatcher_dials_up_to_the_batch_concurrency_and_calls_carry_the_batch(
    acme: Campaign,
) -> None:
    batch = await acme.started(await acme.leads(5), concurrency=2)

    report = await acme.dispatcher.tick()

    assert report.dialled == 2
    calls = await acme.calls_of(batch)
    assert len(calls) == 2
    assert {c.batch_id for c in calls} == {batch.id}
    stored = await acme.read(batch)
    assert progress(stored) == Counter({"pending": 3, "live": 2})
    assert recount(acme.desk.db, batch) == progress(stored)
    assert (await acme.dispatcher.tick()).dialled == 0  # both lines of the batch are held


async def test_a_claimed_item_is_committed_with_its_queued_call_before_the_provider_is_asked(
    acme: Campaign,
) -> None:
    batch = await acme.started(await acme.leads(1))
    await acme.dispatcher.tick()

    [seen] = acme.desk.fake.observed
    [item] = [i for i in seen.tables["batch_items"].values() if i.batch_id == batch.id]
    assert item.status is BatchItemStatus.DIALLING
    assert item.attempts == 1
    call = seen.tables["calls"][item.last_call_id]
    assert call.vapi_call_id is None
    assert call.batch_id == batch.id
    assert item.last_call_id in seen.tables["live_calls"]


async def test_a_rounds_answers_are_recorded_together_each_as_it_was(acme: Campaign) -> None:
    from application.errors import ProviderOutcomeUnknown, ProviderRejected

    batch = await acme.started(await acme.leads(5), concurrency=5)
    claimed_at = batch.version + 1
    fake = acme.desk.fake
    fake.answer_next(
        fake.queued,
        ProviderRejected("customer.number is not valid"),
        fake.queued,
        ProviderOutcomeUnknown("timed out"),
        RuntimeError("a fault in the provider's client"),
    )
    fake.find_next(None)

    await acme.dispatcher.tick()

    calls = {c.to_number: c for c in await acme.calls_of(batch)}
    by_status = Counter(c.status.value for c in calls.values())
    # Placed ones carry the provider's id; the refused one failed with its reason; the
    # unknown one and the one whose create raised are left for the reconciler.
    assert by_status == Counter({"queued": 3, "failed": 1, "unknown": 1})
    placed = [c for c in calls.values() if c.vapi_call_id is not None]
    assert {c.vapi_call_id for c in placed} == {p.provider_call_id for p in fake.calls.values()}
    assert len(placed) == 2
    items = {i.last_call_id: i for i in await acme.items(batch)}
    assert {items[c.id].status for c in placed} == {BatchItemStatus.LIVE}
    [stray] = [c for c in calls.values() if c.status.value == "queued" and not c.vapi_call_id]
    assert items[stray.id].status is BatchItemStatus.DIALLING
    stored = await acme.read(batch)
    assert recount(acme.desk.db, batch) == progress(stored)
    # The placed answers came in together: the batch row was written once for them
    # (once more for the refusal and once for the unknown outcome), not once a call.
    assert stored.version == claimed_at + 3


async def test_a_slow_create_holds_back_only_its_own_record(acme: Campaign) -> None:
    leads = await acme.leads(3)
    batch = await acme.started(leads, concurrency=3)
    fake = acme.desk.fake
    answer, release = fake.place_call, asyncio.Event()

    async def slow_for_the_first_lead(call: Any) -> Any:
        if call.to == leads[0].phone:
            await release.wait()
        return await answer(call)

    fake.place_call = slow_for_the_first_lead  # type: ignore[method-assign]
    round_ = asyncio.create_task(acme.dispatcher.tick())
    for _ in range(200):
        await asyncio.sleep(0)
        if progress(await acme.read(batch))["live"] == 2:
            break
    assert progress(await acme.read(batch)) == Counter({"dialling": 1, "live": 2})
    release.set()
    await round_
    assert progress(await acme.read(batch)) == Counter({"live": 3})


async def test_finished_calls_complete_the_batch_with_counts_by_outcome(acme: Campaign) -> None:
    batch = await acme.started(await acme.leads(3), concurrency=3, max_attempts=1)
    await acme.dispatcher.tick()
    calls = await acme.calls_of(batch)
    await acme.end(calls[0])
    await acme.end(calls[1], "customer-busy")
    await acme.end(calls[2], "voicemail")

    done = await acme.read(batch)
    assert done.status is BatchStatus.COMPLETED
    assert (done.counts.completed, done.counts.failed) == (1, 2)
    assert done.counts.ended_with(DialOutcome.BUSY) == 1
    assert done.counts.ended_with(DialOutcome.VOICEMAIL) == 1
    assert done.counts.ended_with(DialOutcome.COMPLETED) == 1
    assert recount(acme.desk.db, batch) == progress(done)


async def test_busy_is_retried_after_the_policy_delay_within_the_attempt_budget(
    acme: Campaign, clock: MutableClock
) -> None:
    policy = RetryPolicy(busy=Backoff(timedelta(minutes=10), factor=2))
    batch = await acme.started(await acme.leads(1), max_attempts=3, retry_policy=policy)
    for attempt in (1, 2, 3):
        await acme.dispatcher.tick()
        calls = await acme.calls_of(batch)
        assert len(calls) == attempt
        await acme.end(max(calls, key=lambda c: c.created_at), "customer-busy")
        [item] = await acme.items(batch)
        if attempt < 3:
            assert item.status is BatchItemStatus.PENDING
            assert item.next_attempt_at == clock.now() + timedelta(minutes=10 * 2 ** (attempt - 1))
            assert (await acme.dispatcher.tick()).dialled == 0  # not before its time
            clock.advance(minutes=10 * 2 ** (attempt - 1))
    [item] = await acme.items(batch)
    assert (item.status, item.attempts, item.last_outcome) == (
        BatchItemStatus.FAILED,
        3,
        DialOutcome.BUSY,
    )
    assert (await acme.read(batch)).status is BatchStatus.COMPLETED


async def test_an_unknown_outcome_holds_the_line_and_is_never_dialled_again(
    acme: Campaign,
) -> None:
    from application.errors import ProviderOutcomeUnknown

    batch = await acme.started(await acme.leads(1), max_attempts=3)
    acme.desk.fake.answer_next(ProviderOutcomeUnknown("timed out"))
    await acme.dispatcher.tick()
    [item] = await acme.items(batch)
    assert (item.status, item.last_outcome) == (BatchItemStatus.LIVE, DialOutcome.UNKNOWN)
    assert (await acme.dispatcher.tick()).dialled == 0
    assert len(acme.desk.fake.placed) == 1


async def test_do_not_call_is_checked_when_the_lead_comes_up(acme: Campaign) -> None:
    leads = await acme.leads(2)
    batch = await acme.started(leads)
    await acme.do_not_call(leads[0])
    await acme.do_not_call(leads[1])
    await acme.dispatcher.tick()

    assert not acme.desk.fake.placed
    done = await acme.read(batch)
    assert done.counts.skipped_for(SkipReason.DO_NOT_CALL) == 2
    assert done.status is BatchStatus.COMPLETED


async def test_a_lead_outside_its_calling_hours_waits_for_the_next_opening(
    acme: Campaign, clock: MutableClock
) -> None:
    # Calling hours two hours from now, in the lead's own zone.
    import zoneinfo

    local = clock.now().astimezone(zoneinfo.ZoneInfo(NEW_YORK))
    opens = (local + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    window = CallingWindow(
        days=range(1, 8), start=opens.time(), end=(opens + timedelta(hours=1)).time()
    )
    batch = await acme.started(await acme.leads(1), window=window)

    report = await acme.dispatcher.tick()

    assert (report.dialled, report.rescheduled) == (0, 1)
    [item] = await acme.items(batch)
    assert item.status is BatchItemStatus.PENDING
    assert item.next_attempt_at is not None
    assert item.next_attempt_at.astimezone(zoneinfo.ZoneInfo(NEW_YORK)).time() == opens.time()
    clock.advance(seconds=(item.next_attempt_at - clock.now()).total_seconds())
    assert (await acme.dispatcher.tick()).dialled == 1


async def test_a_lead_with_no_zone_at_all_is_skipped_and_reported(acme: Campaign) -> None:
    # An Inmarsat number (+870) is in no zone; neither the lead nor the batch says one.
    lead = await acme.desk.a_lead(PhoneNumber.parse("+870 773 111 632"), timezone=None)
    batch = await acme.started([lead])
    await acme.dispatcher.tick()
    assert not acme.desk.fake.placed
    assert (await acme.read(batch)).counts.skipped_for(SkipReason.UNKNOWN_TIME_ZONE) == 1


# --- lifecycle ------------------------------------------------------------------------------


async def test_pause_stops_new_dials_and_resume_goes_on(acme: Campaign) -> None:
    batch = await acme.started(await acme.leads(3), concurrency=1)
    await acme.dispatcher.tick()
    await acme.batches.pause(acme.desk.owner, acme.desk.tenant.id, batch.id)
    [call] = await acme.calls_of(batch)
    await acme.end(call)
    assert (await acme.dispatcher.tick()).dialled == 0
    paused = await acme.read(batch)
    assert (paused.status, paused.pause_reason) == (BatchStatus.PAUSED, PauseReason.REQUESTED)
    await acme.batches.resume(acme.desk.owner, acme.desk.tenant.id, batch.id)
    assert (await acme.dispatcher.tick()).dialled == 1


async def test_cancel_lets_live_calls_finish_and_cancels_the_waiting_leads(
    acme: Campaign,
) -> None:
    batch = await acme.started(await acme.leads(4), concurrency=1)
    await acme.dispatcher.tick()
    cancelled = await acme.batches.cancel(acme.desk.owner, acme.desk.tenant.id, batch.id)
    assert cancelled.status is BatchStatus.CANCELLED
    assert (cancelled.counts.cancelled, cancelled.counts.live) == (3, 1)
    [call] = await acme.calls_of(batch)
    await acme.end(call)
    done = await acme.read(batch)
    assert (done.counts.completed, done.counts.cancelled, done.counts.open) == (1, 3, 0)
    assert recount(acme.desk.db, batch) == progress(done)
    with pytest.raises(InvalidStateTransition):
        await acme.batches.resume(acme.desk.owner, acme.desk.tenant.id, batch.id)


async def test_a_batch_pauses_itself_when_the_plan_loses_batch_calls(acme: Campaign) -> None:
    batch = await acme.started(await acme.leads(2))
    await acme.desk.limit("batch_calls", False)
    report = await acme.dispatcher.tick()
    assert (report.dialled, report.paused) == (0, 1)
    paused = await acme.read(batch)
    assert (paused.status, paused.pause_reason) == (BatchStatus.PAUSED, PauseReason.FEATURE_LOST)


# --- the shared line pool -------------------------------------------------------------------


async def test_single_calls_of_one_tenant_never_take_every_shared_line(
    acme: Campaign, globex: Campaign, pool: CallPolicy
) -> None:
    extra = numbers(pool.provider_max_concurrent, first=200)
    for number in extra[: pool.tenant_ceiling]:
        await acme.desk.place(to=number)
    with pytest.raises(ProviderBusy, match="most one tenant"):
        await acme.desk.place(to=extra[pool.tenant_ceiling])
    await globex.desk.place(to=extra[0])  # the other tenant still gets a line


async def test_two_tenants_batches_share_a_small_pool_evenly(
    acme: Campaign, globex: Campaign, pool: CallPolicy
) -> None:
    await acme.started(await acme.leads(20), concurrency=20)
    await globex.started(await globex.leads(20, first=100), concurrency=20)

    await acme.dispatcher.tick()

    held = Counter(c.tenant_id for c in acme.desk.fake.placed)
    assert held[acme.desk.tenant.id] == held[globex.desk.tenant.id] == pool.tenant_ceiling
    assert sum(held.values()) == pool.provider_max_concurrent


@pytest.mark.parametrize("pool", [CallPolicy(provider_max_concurrent=10, tenant_max_concurrent=8)])
async def test_free_lines_go_first_to_the_tenant_holding_fewest(
    acme: Campaign, globex: Campaign, pool: CallPolicy
) -> None:
    for number in numbers(3, first=300):  # Acme already holds three lines with single calls
        await acme.desk.place(to=number)
    await acme.started(await acme.leads(20), concurrency=20)
    await globex.started(await globex.leads(20, first=100), concurrency=20)

    await acme.dispatcher.tick()

    async with acme.desk.deps.uows() as tx:
        held = {
            t: await tx.live_calls.count(t) for t in (acme.desk.tenant.id, globex.desk.tenant.id)
        }
    # Seven free lines: Globex is served until it holds as many as Acme, then turn about.
    assert held == {acme.desk.tenant.id: 5, globex.desk.tenant.id: 5}


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    outcomes=st.lists(
        st.sampled_from(
            ["customer-ended-call", "customer-busy", "customer-did-not-answer", "voicemail"]
        ),
        min_size=1,
        max_size=30,
    ),
    concurrency=st.integers(1, 4),
    max_attempts=st.integers(1, 3),
)
def test_counts_always_match_the_items_and_lines_never_pass_the_concurrency(
    outcomes: list[str], concurrency: int, max_attempts: int
) -> None:
    import asyncio

    async def scenario() -> None:
        db = InMemoryDatabase()
        clock = MutableClock()
        deps = UseCaseDeps(uows=db.unit_of_work, ids=Uuid7Generator(), clock=clock)
        await sync_catalogue(deps)
        pool = CallPolicy(provider_max_concurrent=10)
        fake = FakeTelephony(db)
        campaign = Campaign(await open_desk(deps, db, fake, pool), pool)
        await campaign.allow()
        quick = RetryPolicy(
            busy=timedelta(seconds=1),
            no_answer=timedelta(seconds=1),
            voicemail=timedelta(seconds=1),
        )
        batch = await campaign.started(
            await campaign.leads(5),
            concurrency=concurrency,
            max_attempts=max_attempts,
            retry_policy=quick,
        )
        script = iter(outcomes)
        for _ in range(60):
            await campaign.dispatcher.tick()
            stored = await campaign.read(batch)
            assert stored.counts.dialling + stored.counts.live <= concurrency
            assert recount(db, batch) == progress(stored)
            live = [c for c in await campaign.calls_of(batch) if not c.finished]
            if not live and stored.counts.open == 0:
                break
            for call in live:
                await campaign.end(call, next(script, "customer-ended-call"))
            clock.advance(seconds=2)
        final = await campaign.read(batch)
        assert final.status is BatchStatus.COMPLETED
        assert final.counts.completed + final.counts.failed == 5
        per_lead = Counter(c.lead_id for c in await campaign.calls_of(batch))
        assert max(per_lead.values()) <= max_attempts

    asyncio.run(scenario())


async def test_removing_a_batchs_agent_keeps_it_and_the_batch_pauses_without_it(
    acme: Campaign,
) -> None:
    from application.agents import AgentService

    batch = await acme.started(await acme.leads(2))
    removal = await AgentService(acme.desk.deps).remove_agent(
        acme.desk.owner, acme.desk.tenant.id, acme.desk.agent.id
    )
    assert not removal.deleted

    report = await acme.dispatcher.tick()

    assert (report.dialled, report.paused) == (0, 1)
    paused = await acme.read(batch)
    assert paused.pause_reason is PauseReason.AGENT_UNAVAILABLE

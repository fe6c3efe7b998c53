"""The reconciler, on the in-memory adapters and a scripted provider: a call whose report
never came is fetched and settled through the same path as a webhook, an `unknown` call is
found or given up, and nothing is polled before it is due or after it is settled."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from structlog.testing import capture_logs

from adapters.memory.calls import InMemoryLiveCallRegistry
from adapters.memory.unit_of_work import InMemoryDatabase
from adapters.vapi.client import provider_call
from application.call_events import StatusChanged
from application.call_tracking import CallPolicy
from application.calls import FIND_SLACK
from application.catalogue import sync_catalogue
from application.context import UseCaseDeps
from application.errors import (
    DatabaseBusy,
    ProviderOutcomeUnknown,
    ProviderUnreachable,
    ServiceUnavailable,
)
from application.leads import LeadService
from application.ports.calls import LiveCall
from application.ports.telephony import ProviderCall
from application.reconciliation import GONE_AT_PROVIDER, Reconciler, SweepReport
from domain.calls import CallStatus, EndOfCallReport, UsageKind, VoiceCall
from domain.ids import CallId
from domain.leads import LeadStatus
from tests.fakes.busy_rows import hold_calls
from tests.fakes.telephony import FakeTelephony
from tests.support import MutableClock
from tests.unit.helpers import snapshot
from tests.unit.test_calls_use_cases import Desk, open_desk

POLICY = CallPolicy(
    reconcile_after=timedelta(minutes=15),
    report_grace=timedelta(minutes=2),
    recheck_every=timedelta(minutes=5),
)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def vapi_ended(provider_id: str, call: VoiceCall, started: datetime) -> dict[str, Any]:
    """A Vapi Call record of a finished 75-second call, as `GET /call/{id}` returns it."""
    return {
        "id": provider_id,
        "type": "outboundPhoneCall",
        "status": "ended",
        "name": str(call.id),
        "endedReason": "customer-ended-call",
        "createdAt": iso(call.created_at),
        "startedAt": iso(started),
        "endedAt": iso(started + timedelta(seconds=75)),
        "cost": 0.42,
        "costs": [
            {"type": "transport", "provider": "twilio", "minutes": 1.25, "cost": 0.02},
            {
                "type": "model",
                "model": {"provider": "openai", "model": "gpt-4o"},
                "promptTokens": 900,
                "completionTokens": 120,
                "cost": 0.3,
            },
            {
                "type": "voice",
                "voice": {"provider": "11labs", "voiceId": "el-ava"},
                "characters": 400,
                "cost": 0.1,
            },
        ],
        "artifact": {
            "transcript": "AI: Hi, this is Sam.\nUser: Not interested.",
            "messages": [{"role": "bot", "message": "Hi, this is Sam."}],
            "recordingUrl": "https://storage.vapi.ai/rec.wav",
        },
        "analysis": {"summary": "The lead declined."},
    }


@pytest.fixture
def fake(memory_db: InMemoryDatabase) -> FakeTelephony:
    return FakeTelephony(memory_db)


@pytest.fixture
async def acme(deps: UseCaseDeps, memory_db: InMemoryDatabase, fake: FakeTelephony) -> Desk:
    await sync_catalogue(deps)
    desk = await open_desk(deps, memory_db, fake, POLICY)
    await desk.limit("calls.concurrent.max", 10)
    await desk.limit("recordings", True)  # its calls' reports keep their recording
    return desk


@pytest.fixture
def reconciler(deps: UseCaseDeps, fake: FakeTelephony) -> Reconciler:
    return Reconciler(deps, fake, POLICY)


def live(db: InMemoryDatabase, call: VoiceCall) -> LiveCall | None:
    return db.tables["live_calls"].get(call.id)


async def test_a_call_whose_report_never_came_is_fetched_once_due_and_settled(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock
) -> None:
    call = await acme.place()
    assert call.vapi_call_id is not None
    record = vapi_ended(call.vapi_call_id, call, clock.now() + timedelta(seconds=10))
    fake.set_call(provider_call(record))

    clock.advance(seconds=POLICY.reconcile_after.total_seconds() - 1)
    assert await reconciler.sweep() == SweepReport()
    assert fake.gets == []  # not due yet: not polled

    clock.advance(seconds=1)
    assert await reconciler.sweep() == SweepReport(checked=1, settled=1)

    assert fake.gets == [call.vapi_call_id]
    stored, usage = await acme.calls.call_usage(acme.owner, acme.tenant.id, call.id)
    assert (stored.status, stored.ended_reason) == (CallStatus.ENDED, "customer-ended-call")
    assert stored.transcription is not None
    assert stored.transcription["text"] == "AI: Hi, this is Sam.\nUser: Not interested."
    assert (stored.call_duration, stored.cost) == (75, Decimal("0.42"))
    assert (stored.summary, stored.recording_url) == (
        "The lead declined.",
        "https://storage.vapi.ai/rec.wav",
    )
    assert stored.vapi_data == record
    assert sorted((u.item.kind, u.item.cost) for u in usage) == sorted(
        [
            (UsageKind.TRANSPORT, Decimal("0.02")),
            (UsageKind.LLM, Decimal("0.3")),
            (UsageKind.TTS, Decimal("0.1")),
        ]
    )
    assert {u.call_id for u in usage} == {call.id}
    lead = await LeadService(acme.deps).get_lead(acme.owner, acme.tenant.id, acme.lead.id)
    assert (lead.status, lead.last_call_id, lead.last_contacted_at) == (
        LeadStatus.CONTACTED,
        call.id,
        stored.ended_at,
    )
    assert live(acme.db, call) is None
    assert await acme.live_count(acme.tenant) == 0

    before = snapshot(acme.db)
    clock.advance(hours=1)
    assert await reconciler.sweep() == SweepReport()
    assert snapshot(acme.db) == before
    assert fake.gets == [call.vapi_call_id]


async def test_an_ended_call_is_fetched_once_its_report_is_overdue(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock
) -> None:
    call = await acme.place()
    assert call.vapi_call_id is not None
    await acme.say(call, StatusChanged("ended", "customer-ended-call"), "ended")
    assert await acme.live_count(acme.tenant) == 0  # off the line, still watched
    fake.set_call(provider_call(vapi_ended(call.vapi_call_id, call, clock.now())))

    clock.advance(seconds=POLICY.report_grace.total_seconds())
    assert await reconciler.sweep() == SweepReport(checked=1, settled=1)

    assert (await acme.stored(call)).reported
    assert live(acme.db, call) is None


async def test_a_call_still_in_progress_is_looked_at_again_later(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock
) -> None:
    call = await acme.place()
    assert call.vapi_call_id is not None
    fake.set_call(ProviderCall(call.vapi_call_id, "in-progress", name=str(call.id)))
    clock.advance(seconds=POLICY.reconcile_after.total_seconds())

    assert await reconciler.sweep() == SweepReport(checked=1, postponed=1)

    assert (await acme.stored(call)).status is CallStatus.IN_PROGRESS
    entry = live(acme.db, call)
    assert entry is not None
    assert (entry.on_line, entry.check_at) == (True, clock.now() + POLICY.recheck_every)
    assert await reconciler.sweep() == SweepReport()  # not due again yet
    assert fake.gets == [call.vapi_call_id]


async def test_a_call_the_provider_forgot_is_over_with_nothing_to_report(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock
) -> None:
    call = await acme.place()
    assert call.vapi_call_id is not None
    fake.get_next(call.vapi_call_id, None)
    clock.advance(seconds=POLICY.reconcile_after.total_seconds())

    assert await reconciler.sweep() == SweepReport(checked=1, settled=1)

    stored = await acme.stored(call)
    assert (stored.status, stored.ended_reason) == (CallStatus.ENDED, GONE_AT_PROVIDER)
    assert live(acme.db, call) is None


@pytest.mark.parametrize(
    "reason", ["assistant-ended-call", "customer-ended-call", "silence-timed-out", "voicemail"]
)
async def test_a_forgotten_call_that_had_ended_keeps_the_reason_it_ended_with(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock, reason: str
) -> None:
    call = await acme.place()
    assert call.vapi_call_id is not None
    await acme.say(call, StatusChanged("ended", reason), "ended")
    fake.get_next(call.vapi_call_id, None)  # the report never came, and Vapi lost the call
    clock.advance(seconds=POLICY.report_grace.total_seconds())

    assert await reconciler.sweep() == SweepReport(checked=1, settled=1)

    stored = await acme.stored(call)
    # The provider told us how it ended; forgetting it later does not change that.
    assert (stored.status, stored.ended_reason) == (CallStatus.ENDED, reason)
    assert live(acme.db, call) is None


async def test_a_settled_call_left_in_the_registry_is_just_released(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock
) -> None:
    call = await acme.place()
    await acme.report(await acme.stored(call), 30)
    async with acme.deps.uows(tenant_id=acme.tenant.id) as tx:
        await tx.live_calls.hold(LiveCall(call.id, acme.tenant.id, clock.now()))
        await tx.commit()
    settled = await acme.stored(call)

    assert await reconciler.sweep() == SweepReport(checked=1, settled=1)

    assert live(acme.db, call) is None
    assert await acme.stored(call) == settled
    assert (fake.gets, fake.finds) == ([], [])


# --- unknown calls ------------------------------------------------------------------------


async def an_unknown_call(acme: Desk, fake: FakeTelephony) -> VoiceCall:
    fake.answer_next(ProviderOutcomeUnknown("timed out after 10 s"))
    fake.find_next(None)
    call = await acme.place()
    assert call.status is CallStatus.UNKNOWN
    return call


async def test_an_unknown_call_the_provider_made_is_recorded_and_followed(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock
) -> None:
    call = await an_unknown_call(acme, fake)
    fake.find_next(ProviderCall("vapi-late", "in-progress", name=str(call.id)))

    assert await reconciler.sweep() == SweepReport(checked=1, postponed=1)

    found = await acme.stored(call)
    assert (found.vapi_call_id, found.status) == ("vapi-late", CallStatus.IN_PROGRESS)
    find = fake.finds[-1]
    assert (find.call_id, find.from_number) == (call.id, acme.line)
    assert find.created_after == call.created_at - FIND_SLACK
    entry = live(acme.db, call)
    assert entry is not None
    assert entry.check_at == clock.now() + POLICY.recheck_every
    assert len(fake.placed) == 1  # found, never placed again

    fake.set_call(provider_call(vapi_ended("vapi-late", call, clock.now())))
    clock.advance(seconds=POLICY.recheck_every.total_seconds())
    assert await reconciler.sweep() == SweepReport(checked=1, settled=1)

    assert fake.gets == ["vapi-late"]
    assert (await acme.stored(call)).reported
    assert live(acme.db, call) is None


async def test_an_unknown_call_found_later_is_recorded_as_if_found_at_once(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler
) -> None:
    """The same knowledge (the create timed out; the call exists) gives the same record,
    whether the search right after the create or the reconciler found it."""
    fake.answer_next(ProviderOutcomeUnknown("timed out after 10 s"))
    fake.find_next(ProviderCall("vapi-at-once", "ringing"))
    at_once = await acme.place()
    later = await an_unknown_call(acme, fake)
    fake.find_next(ProviderCall("vapi-later", "ringing"))

    await reconciler.sweep()

    found = await acme.stored(later)
    assert (found.status, found.vapi_call_id) == (CallStatus.RINGING, "vapi-later")
    assert (found.status, found.error) == (at_once.status, at_once.error)


async def test_an_unknown_call_the_provider_never_made_fails_and_is_released(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock
) -> None:
    call = await an_unknown_call(acme, fake)
    fake.find_next(None)

    # Not found at once: the provider's list may lag its creates, so it is looked for again.
    assert await reconciler.sweep() == SweepReport(checked=1, postponed=1)
    assert (await acme.stored(call)).status is CallStatus.UNKNOWN
    # Still not found once the call is older than reconcile_after: it was never made.
    clock.advance(seconds=POLICY.reconcile_after.total_seconds())
    fake.find_next(None)
    assert await reconciler.sweep() == SweepReport(checked=1, settled=1)

    failed = await acme.stored(call)
    assert (failed.status, failed.ended_reason) == (CallStatus.FAILED, GONE_AT_PROVIDER)
    assert failed.vapi_call_id is None
    assert live(acme.db, call) is None
    assert await acme.live_count(acme.tenant) == 0
    assert len(fake.placed) == 1


@pytest.mark.parametrize("known", [False, True], ids=["unknown-call", "known-call"])
async def test_a_provider_error_postpones_the_call_unchanged(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock, known: bool
) -> None:
    if known:
        call = await acme.place()
        assert call.vapi_call_id is not None
        fake.get_next(call.vapi_call_id, ProviderUnreachable("connection refused"))
        clock.advance(seconds=POLICY.reconcile_after.total_seconds())
    else:
        call = await an_unknown_call(acme, fake)
        fake.find_next(ProviderUnreachable("connection refused"))
    before = await acme.stored(call)

    assert await reconciler.sweep() == SweepReport(checked=1, postponed=1)

    assert await acme.stored(call) == before
    entry = live(acme.db, call)
    assert entry is not None
    assert entry.check_at == clock.now() + POLICY.recheck_every
    assert await reconciler.sweep() == SweepReport()
    # Asked once by the sweep (the unknown call was also searched for once when placed).
    assert (len(fake.gets), len(fake.finds)) == ((1, 0) if known else (0, 2))


async def test_a_sweep_takes_page_after_page_the_most_overdue_calls_first(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock
) -> None:
    first = await acme.place()
    clock.advance(minutes=1)
    second = await acme.place()
    clock.advance(minutes=1)
    third = await acme.place()
    for call in (first, second, third):
        assert call.vapi_call_id is not None
        fake.set_call(ProviderCall(call.vapi_call_id, "in-progress"))
    clock.advance(seconds=POLICY.reconcile_after.total_seconds())

    assert await reconciler.sweep(page_size=1) == SweepReport(checked=3, postponed=3)
    assert fake.gets == [first.vapi_call_id, second.vapi_call_id, third.vapi_call_id]
    assert await reconciler.sweep(page_size=1) == SweepReport()  # postponed: not due now


async def test_a_sweep_stops_taking_pages_once_its_time_is_spent(
    acme: Desk, fake: FakeTelephony, deps: UseCaseDeps, clock: MutableClock
) -> None:
    """Sweeps run every minute: one must end before the next, whatever is left (it is
    still due, and the next sweep takes it first)."""
    calls = []
    for _ in range(3):
        calls.append(await acme.place())
        clock.advance(seconds=1)
    clock.advance(seconds=POLICY.reconcile_after.total_seconds())
    for call in calls:
        assert call.vapi_call_id is not None
        fake.set_call(ProviderCall(call.vapi_call_id, "in-progress"))
    slow = Reconciler(deps, SlowProvider(fake, clock, seconds=30), POLICY)

    with capture_logs() as logs:
        report = await slow.sweep(page_size=1, budget=timedelta(seconds=45))

    assert report == SweepReport(checked=2, postponed=2, out_of_time=True)
    assert fake.gets == [calls[0].vapi_call_id, calls[1].vapi_call_id]
    [warning] = [e for e in logs if e["event"] == "reconcile_out_of_time"]
    assert (warning["log_level"], warning["checked"]) == ("warning", 2)
    assert await slow.sweep(page_size=1) == SweepReport(checked=1, postponed=1)
    assert fake.gets[-1] == calls[2].vapi_call_id


class SlowProvider:
    """A provider whose every lookup takes `seconds` of the test's clock."""

    def __init__(self, fake: FakeTelephony, clock: MutableClock, seconds: float) -> None:
        self._fake, self._clock, self._seconds = fake, clock, seconds

    async def get_call(self, provider_call_id: str) -> ProviderCall | None:
        self._clock.advance(seconds=self._seconds)
        return await self._fake.get_call(provider_call_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fake, name)


class GatedProvider:
    """A provider that holds every lookup until released, counting those in flight."""

    def __init__(self, fake: FakeTelephony, awaited: int) -> None:
        self._fake = fake
        self._awaited = awaited
        self.in_flight = 0
        self.most_in_flight = 0
        self.reached = asyncio.Event()
        """Set once `awaited` lookups are in flight at once."""
        self.release = asyncio.Event()

    async def get_call(self, provider_call_id: str) -> ProviderCall | None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if self.in_flight >= self._awaited:
            self.reached.set()
        try:
            await self.release.wait()
            return await self._fake.get_call(provider_call_id)
        finally:
            self.in_flight -= 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fake, name)


async def many_overdue_calls(
    deps: UseCaseDeps, memory_db: InMemoryDatabase, clock: MutableClock, count: int
) -> tuple[FakeTelephony, list[VoiceCall]]:
    """`count` calls placed and never heard of again, all overdue, each ended at Vapi.
    One is placed; the others are its copies, written in one transaction (placing each
    would take minutes on the in-memory adapters, which copy their tables at each read)."""
    fake = FakeTelephony()
    await sync_catalogue(deps)
    desk = await open_desk(deps, memory_db, fake, POLICY)
    placed = await desk.place()
    entry = live(memory_db, placed)
    assert entry is not None
    calls = [placed] + [
        attrs.evolve(placed, id=CallId(deps.ids.new()), vapi_call_id=f"vapi-copy-{n}")
        for n in range(count - 1)
    ]
    async with deps.uows(tenant_id=desk.tenant.id) as tx:
        for call in calls[1:]:
            await tx.calls.add(call)
            await tx.live_calls.hold(attrs.evolve(entry, call_id=call.id))
        await tx.commit()
    ended_at = clock.now() + timedelta(seconds=30)
    report = EndOfCallReport(
        "customer-ended-call", clock.now(), ended_at, transcript="AI: Hi", cost=Decimal(0)
    )
    for call in calls:  # a brief record: the in-memory adapters copy whatever is stored
        assert call.vapi_call_id is not None
        fake.set_call(
            ProviderCall(
                call.vapi_call_id,
                "ended",
                ended_reason=report.ended_reason,
                data={"id": call.vapi_call_id, "status": "ended"},
                report=report,
            )
        )
    clock.advance(seconds=POLICY.reconcile_after.total_seconds())
    return fake, calls


async def test_one_sweep_settles_fifteen_hundred_overdue_calls(
    deps: UseCaseDeps, memory_db: InMemoryDatabase, clock: MutableClock
) -> None:
    """A sweep runs once a minute: it must get through every call due, not a first page."""
    fake, calls = await many_overdue_calls(deps, memory_db, clock, 1500)

    report = await Reconciler(deps, fake, POLICY).sweep()

    assert report == SweepReport(checked=1500, settled=1500)
    assert sorted(fake.gets) == sorted(c.vapi_call_id for c in calls)  # each asked once
    assert memory_db.tables["live_calls"] == {}
    ended = [memory_db.tables["calls"][c.id] for c in calls]
    assert {(c.status, c.ended_reason) for c in ended} == {
        (CallStatus.ENDED, "customer-ended-call")
    }


async def test_a_sweep_asks_about_several_calls_at_once_within_its_bound(
    deps: UseCaseDeps, memory_db: InMemoryDatabase, clock: MutableClock
) -> None:
    """Each lookup is a network round trip: one at a time, a sweep could not keep up."""
    fake, _ = await many_overdue_calls(deps, memory_db, clock, 30)
    gated = GatedProvider(fake, awaited=8)
    sweep = asyncio.create_task(Reconciler(deps, gated, POLICY, concurrency=8).sweep())
    async with asyncio.timeout(5):
        await gated.reached.wait()
    for _ in range(10):
        await asyncio.sleep(0)  # room for a ninth, if the bound leaked
    assert gated.in_flight == 8

    gated.release.set()
    async with asyncio.timeout(5):
        report = await sweep

    assert report == SweepReport(checked=30, settled=30)
    assert gated.most_in_flight == 8


async def test_a_database_outage_ends_the_sweep(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock
) -> None:
    """Unlike one call's bad data: with the database gone, nothing else can be recorded;
    the job fails and the next sweep starts over."""
    calls = [await acme.place() for _ in range(3)]
    for call in calls:
        assert call.vapi_call_id is not None
        fake.get_next(call.vapi_call_id, ServiceUnavailable("the database is unreachable"))
    clock.advance(seconds=POLICY.reconcile_after.total_seconds())

    with pytest.raises(ServiceUnavailable):
        await reconciler.sweep()

    assert all(live(acme.db, call) is not None for call in calls)


# --- regressions --------------------------------------------------------------------------


async def test_an_unexpected_error_on_one_call_is_logged_and_the_sweep_goes_on(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock
) -> None:
    """One call's bad data (here: the provider's answer cannot be read) must not stop the
    other due calls from being checked, nor be checked again at every sweep."""
    first = await acme.place()
    clock.advance(minutes=1)
    second = await acme.place()
    assert first.vapi_call_id is not None
    assert second.vapi_call_id is not None
    fake.get_next(first.vapi_call_id, RuntimeError("unreadable record"))
    fake.set_call(provider_call(vapi_ended(second.vapi_call_id, second, clock.now())))
    clock.advance(seconds=POLICY.reconcile_after.total_seconds())
    before = await acme.stored(first)

    with capture_logs() as logs:
        report = await reconciler.sweep()

    assert report == SweepReport(checked=2, settled=1, postponed=1)
    assert fake.gets == [first.vapi_call_id, second.vapi_call_id]  # the most overdue first
    [failed] = [e for e in logs if e["event"] == "reconcile_failed"]
    assert (failed["call_id"], failed["log_level"]) == (str(first.id), "error")
    assert failed.get("exc_info"), "the traceback is logged"
    assert await acme.stored(first) == before
    entry = live(acme.db, first)
    assert entry is not None
    assert entry.check_at == clock.now() + POLICY.recheck_every
    assert (await acme.stored(second)).reported
    assert live(acme.db, second) is None
    # Not due again before recheck_every; then checked again like any other call.
    assert await reconciler.sweep() == SweepReport()
    fake.set_call(provider_call(vapi_ended(first.vapi_call_id, first, clock.now())))
    clock.advance(seconds=POLICY.recheck_every.total_seconds())
    assert await reconciler.sweep() == SweepReport(checked=1, settled=1)
    assert (await acme.stored(first)).reported


async def test_a_call_whose_rows_are_busy_is_postponed_and_the_others_settle(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock, monkeypatch
) -> None:
    """Other work (a lead import, say) holding one call's rows past the lock bound is no
    outage: that call waits for a later sweep, and the calls after it are still checked —
    not stalled behind it, sweep after sweep."""
    calls = []
    for _ in range(3):
        calls.append(await acme.place())
        clock.advance(minutes=1)
    for call in calls:
        assert call.vapi_call_id is not None
        fake.set_call(provider_call(vapi_ended(call.vapi_call_id, call, clock.now())))
    busy, *others = calls  # the most overdue: first in the sweep
    held = {busy.id}
    hold_calls(monkeypatch, held)
    clock.advance(seconds=POLICY.reconcile_after.total_seconds())

    with capture_logs() as logs:
        report = await reconciler.sweep()

    assert report == SweepReport(checked=3, settled=2, postponed=1)
    [logged] = [e for e in logs if e["event"] == "reconcile_busy"]
    assert (logged["call_id"], logged["log_level"]) == (str(busy.id), "warning")
    for settled in others:
        assert (await acme.stored(settled)).reported
        assert live(acme.db, settled) is None
    entry = live(acme.db, busy)
    assert entry is not None
    assert entry.check_at == clock.now() + POLICY.recheck_every
    assert (await acme.stored(busy)).status is not CallStatus.ENDED
    # Checked again once due, and settled once its rows are free.
    held.clear()
    clock.advance(seconds=POLICY.recheck_every.total_seconds())
    assert await reconciler.sweep() == SweepReport(checked=1, settled=1)
    assert live(acme.db, busy) is None


async def test_a_busy_call_that_cannot_even_be_postponed_does_not_stop_the_others(
    acme: Desk, fake: FakeTelephony, reconciler: Reconciler, clock: MutableClock, monkeypatch
) -> None:
    """Its registry entry is held too: it stays due (the next sweep takes it), the rest go on."""
    busy = await acme.place()
    clock.advance(minutes=1)
    other = await acme.place()
    for call in (busy, other):
        assert call.vapi_call_id is not None
        fake.set_call(provider_call(vapi_ended(call.vapi_call_id, call, clock.now())))
    hold_calls(monkeypatch, {busy.id})

    async def held_entry(*_: Any) -> None:
        raise DatabaseBusy("records this request needs were held; nothing was changed")

    monkeypatch.setattr(InMemoryLiveCallRegistry, "postpone", held_entry)
    clock.advance(seconds=POLICY.reconcile_after.total_seconds())
    due_at = live(acme.db, busy)

    assert await reconciler.sweep() == SweepReport(checked=2, settled=1, postponed=1)
    assert live(acme.db, busy) == due_at
    assert (await acme.stored(other)).reported

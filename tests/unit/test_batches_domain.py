"""Batches in the domain: the lifecycle, each lead's tries, calling hours in the lead's own
time, and the fair share of the provider's lines."""

from __future__ import annotations

import itertools
import zoneinfo
from datetime import UTC, datetime, time, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.batches import (
    Batch,
    BatchCounts,
    BatchItem,
    BatchItemStatus,
    BatchStatus,
    CallingWindow,
    DialOutcome,
    LeadZones,
    LocalWindow,
    PauseReason,
    RetryPolicy,
    SkipReason,
    WindowClosed,
    ZoneSource,
    share_lines,
    zone_for,
)
from domain.errors import InvalidStateTransition, InvalidValue
from domain.ids import (
    AgentId,
    BatchId,
    BatchItemId,
    CallId,
    LeadId,
    PhoneNumberId,
    TenantId,
)
from domain.phones import PhoneNumber

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # a Monday, 10:00 in New York
WEEKDAYS = CallingWindow(days=frozenset(range(1, 6)), start=time(9), end=time(17))
NEW_YORK = PhoneNumber.parse("+1 212 736 5000")
TOLL_FREE = PhoneNumber.parse("+1 800 555 1234")
ZONES = sorted(zoneinfo.available_timezones() - {"Factory", "localtime"})


def a_batch(**fields: object) -> Batch:
    values: dict[str, object] = {
        "id": BatchId(uuid4()),
        "tenant_id": TenantId(uuid4()),
        "agent_id": AgentId(uuid4()),
        "from_number_id": PhoneNumberId(uuid4()),
        "name": "Spring follow-up",
        "window": WEEKDAYS,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return Batch(**values)  # type: ignore[arg-type]


def an_item(batch: Batch, **fields: object) -> BatchItem:
    return BatchItem(
        BatchItemId(uuid4()),
        batch.tenant_id,
        batch.id,
        LeadId(uuid4()),
        NOW,
        NOW,
        **fields,  # type: ignore[arg-type]
    )


def in_new_york(window: CallingWindow = WEEKDAYS) -> LocalWindow:
    return window.for_lead(LeadZones(("America/New_York",), ZoneSource.LEAD))


# --- the batch's lifecycle ----------------------------------------------------------------

ACTIONS = ["start", "pause", "resume", "cancel", "complete"]
ALLOWED = {
    (BatchStatus.DRAFT, "start"): BatchStatus.RUNNING,
    (BatchStatus.DRAFT, "cancel"): BatchStatus.CANCELLED,
    (BatchStatus.RUNNING, "pause"): BatchStatus.PAUSED,
    (BatchStatus.RUNNING, "cancel"): BatchStatus.CANCELLED,
    (BatchStatus.RUNNING, "complete"): BatchStatus.COMPLETED,
    (BatchStatus.PAUSED, "resume"): BatchStatus.RUNNING,
    (BatchStatus.PAUSED, "cancel"): BatchStatus.CANCELLED,
}


@given(st.lists(st.sampled_from(ACTIONS), max_size=12))
def test_a_batch_moves_only_along_its_lifecycle(actions: list[str]) -> None:
    batch = a_batch()
    at = NOW
    for action in actions:
        at += timedelta(minutes=1)
        before = batch.status
        expected = ALLOWED.get((before, action))
        if expected is None:
            with pytest.raises(InvalidStateTransition):
                getattr(batch, action)(at)
            assert batch.status is before
            continue
        getattr(batch, action)(at)
        assert batch.status is expected
        assert batch.updated_at == at
        assert (batch.ended_at is not None) == batch.status.finished


def test_a_paused_batch_says_why_and_forgets_it_on_resume() -> None:
    batch = a_batch()
    batch.start(NOW)
    batch.pause(NOW, PauseReason.MINUTES_EXHAUSTED)
    assert (batch.status, batch.pause_reason) == (BatchStatus.PAUSED, PauseReason.MINUTES_EXHAUSTED)
    batch.resume(NOW)
    assert batch.pause_reason is None
    batch.pause(NOW)
    assert batch.pause_reason is PauseReason.REQUESTED


def test_a_batch_with_leads_still_open_does_not_complete() -> None:
    batch = a_batch()
    batch.start(NOW)
    batch.record_item_move(None, BatchItemStatus.PENDING)
    with pytest.raises(InvalidStateTransition):
        batch.complete(NOW)
    batch.record_item_move(BatchItemStatus.PENDING, BatchItemStatus.SKIPPED)
    batch.complete(NOW)
    assert batch.status is BatchStatus.COMPLETED


@pytest.mark.parametrize(
    "fields",
    [
        {"concurrency": 0},
        {"max_attempts": 0},
        {"max_attempts": 11},
        {"name": " "},
        {"timezone": "Mars/Olympus"},
    ],
)
def test_a_batch_refuses_settings_it_cannot_run_with(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidValue):
        a_batch(**fields)


@given(st.lists(st.sampled_from(list(BatchItemStatus)), min_size=1, max_size=30))
def test_counts_follow_items_from_state_to_state(path: list[BatchItemStatus]) -> None:
    counts = BatchCounts().moved(None, path[0])
    for before, after in itertools.pairwise(path):
        counts = counts.moved(before, after)
    assert counts.total == 1
    assert counts.of(path[-1]) == 1
    assert counts.open == (0 if path[-1].finished else 1)


# --- one lead's tries -----------------------------------------------------------------------


def test_a_claim_takes_a_due_lead_for_one_more_try() -> None:
    batch = a_batch()
    item = an_item(batch, next_attempt_at=NOW + timedelta(minutes=5))
    with pytest.raises(InvalidStateTransition):
        item.claim(NOW)
    item.claim(NOW + timedelta(minutes=5))
    assert (item.status, item.attempts) == (BatchItemStatus.DIALLING, 1)
    with pytest.raises(InvalidStateTransition):
        item.claim(NOW + timedelta(minutes=5))  # a second worker cannot take the same try
    call = CallId(uuid4())
    item.placed(call, NOW)
    assert (item.status, item.last_call_id) == (BatchItemStatus.LIVE, call)


RETRIED = [DialOutcome.BUSY, DialOutcome.NO_ANSWER, DialOutcome.VOICEMAIL]


@given(
    outcomes=st.lists(st.sampled_from(list(DialOutcome)), min_size=1, max_size=12),
    max_attempts=st.integers(1, 4),
)
@settings(max_examples=60, deadline=None)
def test_a_lead_is_tried_until_an_end_and_never_past_its_budget(
    outcomes: list[DialOutcome], max_attempts: int
) -> None:
    batch = a_batch(max_attempts=max_attempts, window=WEEKDAYS)
    window = in_new_york()
    item = an_item(batch)
    at = NOW
    for outcome in outcomes:
        if item.status.finished:
            break
        if item.status is BatchItemStatus.PENDING:
            assert item.attempts < max_attempts
            at = max(at, item.next_attempt_at or at)
            item.claim(at)
        tries = item.attempts
        item.record_outcome(outcome, at, batch=batch, window=window)
        assert item.attempts == tries
        assert item.last_outcome is outcome
        if outcome is DialOutcome.UNKNOWN:
            assert item.status is BatchItemStatus.LIVE  # held until the reconciler knows
        elif outcome is DialOutcome.COMPLETED:
            assert item.status is BatchItemStatus.COMPLETED
        elif outcome is DialOutcome.FAILED or tries >= max_attempts:
            assert item.status is BatchItemStatus.FAILED
        else:
            assert item.status is BatchItemStatus.PENDING
            assert item.next_attempt_at is not None
            assert item.next_attempt_at >= at + batch.retry_policy.delay_for(outcome)  # type: ignore[operator]
            assert window.allows(item.next_attempt_at)
    assert item.attempts <= max_attempts


def test_a_retry_waits_for_the_policys_delay_then_for_the_window() -> None:
    batch = a_batch(retry_policy=RetryPolicy(busy=timedelta(minutes=30)))
    window = in_new_york()
    item = an_item(batch)
    item.claim(NOW)
    item.record_outcome(DialOutcome.BUSY, NOW, batch=batch, window=window)
    assert item.next_attempt_at == NOW + timedelta(minutes=30)
    late = datetime(2026, 3, 6, 21, 45, tzinfo=UTC)  # Friday 16:45 in New York
    item.claim(late)
    item.record_outcome(DialOutcome.BUSY, late, batch=batch, window=window)
    assert item.next_attempt_at == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # Monday 09:00 EDT


def test_an_outcome_on_a_cancelled_batch_is_not_retried() -> None:
    batch = a_batch()
    item = an_item(batch)
    item.claim(NOW)
    batch.cancel(NOW)
    item.record_outcome(DialOutcome.NO_ANSWER, NOW, batch=batch, window=in_new_york())
    assert item.status is BatchItemStatus.CANCELLED


def test_cancel_stops_waiting_leads_and_lets_live_ones_finish() -> None:
    batch = a_batch()
    waiting, live = an_item(batch), an_item(batch)
    live.claim(NOW)
    live.placed(CallId(uuid4()), NOW)
    assert waiting.cancel(NOW) is True
    assert live.cancel(NOW) is False
    assert (waiting.status, live.status) == (BatchItemStatus.CANCELLED, BatchItemStatus.LIVE)
    live.record_outcome(DialOutcome.COMPLETED, NOW, batch=batch, window=in_new_york())
    assert live.status is BatchItemStatus.COMPLETED


def test_only_a_waiting_lead_is_skipped_and_it_keeps_the_reason() -> None:
    batch = a_batch()
    item = an_item(batch)
    item.skip(SkipReason.DO_NOT_CALL, NOW)
    assert (item.status, item.skip_reason) == (BatchItemStatus.SKIPPED, SkipReason.DO_NOT_CALL)
    with pytest.raises(InvalidStateTransition):
        item.claim(NOW)


# --- calling hours in the lead's own time ---------------------------------------------------


def test_the_leads_zone_comes_first_then_the_numbers_then_the_batchs() -> None:
    assert zone_for("Europe/Paris", NEW_YORK, "Asia/Tokyo") == LeadZones(
        ("Europe/Paris",), ZoneSource.LEAD
    )
    assert zone_for(None, NEW_YORK, "Asia/Tokyo") == LeadZones(
        ("America/New_York",), ZoneSource.NUMBER
    )
    assert zone_for(None, None, "Asia/Tokyo") == LeadZones(("Asia/Tokyo",), ZoneSource.BATCH)
    assert zone_for(None, None, None).zones == ()


def test_a_number_with_several_zones_is_called_only_when_every_zone_is_in_hours() -> None:
    zones = zone_for(None, TOLL_FREE, "Europe/Paris")
    assert zones.source is ZoneSource.NUMBER
    assert {"America/New_York", "America/Los_Angeles"} <= set(zones.zones)
    wide = CallingWindow(days=range(1, 8), start=time(0), end=time(23, 59))
    window = CallingWindow(days=range(1, 8), start=time(9), end=time(21))
    # 09:00 in New York is 06:00 in Los Angeles: one zone in hours is not enough.
    new_york_only = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert window.for_lead(LeadZones(("America/New_York",), ZoneSource.LEAD)).allows(new_york_only)
    assert window.for_lead(zones).closed_reason(new_york_only) is WindowClosed.OUTSIDE_WINDOW
    for hour in range(24):
        at = NOW.replace(hour=hour)
        local = [at.astimezone(zoneinfo.ZoneInfo(z)) for z in zones.zones]
        assert window.for_lead(zones).allows(at) == all(window.holds_at_local(t) for t in local)
        assert wide.for_lead(zones).allows(at) == all(wide.holds_at_local(t) for t in local)


def test_an_instant_without_its_offset_is_refused() -> None:
    with pytest.raises(InvalidValue):
        in_new_york().allows(datetime(2026, 3, 2, 15, 0))
    with pytest.raises(InvalidValue):
        in_new_york().next_opening(datetime(2026, 3, 2, 15, 0))


def test_an_unknown_zone_is_never_in_hours() -> None:
    window = CallingWindow(days=range(1, 8), start=time(0), end=time(23, 59)).for_lead(
        zone_for(None, None, None)
    )
    assert window.closed_reason(NOW) is WindowClosed.UNKNOWN_TIME_ZONE
    assert window.next_opening(NOW) is None


def test_the_window_is_read_on_the_local_wall_clock_across_a_dst_change() -> None:
    window = in_new_york()
    # Friday 6 March 2026, 09:00 EST is 14:00 UTC; Monday 9 March, 09:00 EDT is 13:00 UTC.
    assert not window.allows(datetime(2026, 3, 6, 13, 59, tzinfo=UTC))
    assert window.allows(datetime(2026, 3, 6, 14, 0, tzinfo=UTC))
    assert not window.allows(datetime(2026, 3, 9, 12, 59, tzinfo=UTC))
    assert window.allows(datetime(2026, 3, 9, 13, 0, tzinfo=UTC))
    assert window.next_opening(datetime(2026, 3, 6, 22, 0, tzinfo=UTC)) == datetime(
        2026, 3, 9, 13, 0, tzinfo=UTC
    )


def test_a_window_starting_in_the_skipped_hour_opens_when_the_clock_jumps() -> None:
    # Sunday 8 March 2026 in New York: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
    window = CallingWindow(days={7}, start=time(2, 30), end=time(4)).for_lead(
        LeadZones(("America/New_York",), ZoneSource.LEAD)
    )
    assert window.next_opening(datetime(2026, 3, 8, 0, 0, tzinfo=UTC)) == datetime(
        2026, 3, 8, 7, 0, tzinfo=UTC
    )


def test_a_window_in_the_repeated_hour_opens_again_the_second_time_round() -> None:
    # Sunday 1 November 2026 in New York: 02:00 EDT falls back to 01:00 EST (06:00 UTC).
    zones = LeadZones(("America/New_York",), ZoneSource.LEAD)
    short = CallingWindow(days={7}, start=time(1, 30), end=time(1, 45)).for_lead(zones)
    assert short.next_opening(datetime(2026, 11, 1, 5, 0, tzinfo=UTC)) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )
    assert short.next_opening(datetime(2026, 11, 1, 5, 50, tzinfo=UTC)) == datetime(
        2026, 11, 1, 6, 30, tzinfo=UTC
    )
    # Open until 01:30: closed at 01:30 EDT, open again when the clock goes back to 01:00.
    early = CallingWindow(days={7}, start=time(0), end=time(1, 30)).for_lead(zones)
    assert not early.allows(datetime(2026, 11, 1, 5, 40, tzinfo=UTC))
    assert early.next_opening(datetime(2026, 11, 1, 5, 40, tzinfo=UTC)) == datetime(
        2026, 11, 1, 6, 0, tzinfo=UTC
    )


def test_a_window_may_run_past_midnight() -> None:
    late = CallingWindow(days={5}, start=time(22), end=time(2))
    friday = datetime(2026, 3, 6, 23, 0)
    assert late.holds_at_local(friday)
    assert late.holds_at_local(friday + timedelta(hours=2, minutes=59))  # Saturday 01:59
    assert not late.holds_at_local(friday + timedelta(hours=3))  # Saturday 02:00
    assert not late.holds_at_local(friday - timedelta(days=1))  # Thursday 23:00
    assert not late.holds_at_local(datetime(2026, 3, 6, 1, 0))  # Friday 01:00 is Thursday's


@pytest.mark.parametrize(
    "fields",
    [
        {"days": set(), "start": time(9), "end": time(17)},
        {"days": {0}, "start": time(9), "end": time(17)},
        {"days": {1}, "start": time(9), "end": time(9)},
    ],
)
def test_a_window_that_means_nothing_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidValue):
        CallingWindow(**fields)  # type: ignore[arg-type]


quarter_hours = st.integers(0, 95).map(lambda q: time(q // 4, (q % 4) * 15))
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
)
lead_zones = st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True).map(
    lambda zones: LeadZones(tuple(zones), ZoneSource.NUMBER)
)


def _window(days: frozenset[int], start: time, end: time) -> CallingWindow | None:
    try:
        return CallingWindow(days=days, start=start, end=end)
    except InvalidValue:
        return None


valid_windows = st.builds(
    _window, st.frozensets(st.integers(1, 7), min_size=1), quarter_hours, quarter_hours
).filter(lambda w: w is not None)


WEEK_MINUTES = 7 * 24 * 60


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


@given(valid_windows, st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 1, 1)))
def test_a_window_holds_from_its_start_for_its_length_on_each_of_its_days(
    window: CallingWindow, local: datetime
) -> None:
    # Minutes since Monday 00:00: the window is open for (end - start) modulo a day from
    # each day's start, wrapping around the week.
    length = (_minutes(window.end) - _minutes(window.start)) % (24 * 60)
    now = (local.isoweekday() - 1) * 24 * 60 + local.hour * 60 + local.minute
    expected = any(
        (now - ((day - 1) * 24 * 60 + _minutes(window.start))) % WEEK_MINUTES < length
        for day in window.days
    )
    assert window.holds_at_local(local) is expected


@given(valid_windows, lead_zones, instants)
@settings(max_examples=150, deadline=None)
def test_allows_reads_every_zones_wall_clock(
    window: CallingWindow, zones: LeadZones, at: datetime
) -> None:
    expected = all(window.holds_at_local(at.astimezone(zoneinfo.ZoneInfo(z))) for z in zones.zones)
    assert window.for_lead(zones).allows(at) is expected


@given(valid_windows, lead_zones, instants)
@settings(max_examples=60, deadline=None)
def test_next_opening_is_the_first_instant_in_hours(
    window: CallingWindow, zones: LeadZones, after: datetime
) -> None:
    local = window.for_lead(zones)
    opening = local.next_opening(after)
    # Windows on quarter hours in zones whose offsets are whole quarter hours are open for
    # stretches that contain a quarter-hour instant: checking those finds any earlier one.
    step = timedelta(minutes=15)
    first = after.replace(minute=after.minute - after.minute % 15, second=0, microsecond=0) + step
    end = opening if opening is not None else after + timedelta(days=8)
    if opening is not None:
        assert opening >= after
        assert local.allows(opening)
        assert opening == after or not local.allows(opening - timedelta(microseconds=1))
    elif local.allows(after):
        pytest.fail("open now, yet no opening was found")
    probe = first
    while probe < end:
        assert not local.allows(probe), probe
        probe += step


# --- the shared line pool -------------------------------------------------------------------

tenants = st.integers(1, 6).map(lambda n: TenantId(UUID(int=n)))


@st.composite
def pools(draw: st.DrawFn) -> tuple[int, int, dict[TenantId, int], dict[TenantId, int]]:
    size = draw(st.integers(0, 30))
    ceiling = draw(st.integers(0, 30))
    held = draw(st.dictionaries(tenants, st.integers(0, 20)))
    demand = draw(st.dictionaries(tenants, st.integers(0, 20)))
    return size, ceiling, held, demand


@given(pools())
def test_the_pool_is_shared_fairly(
    pool: tuple[int, int, dict[TenantId, int], dict[TenantId, int]],
) -> None:
    size, ceiling, held, demand = pool
    grants = share_lines(size, ceiling, held, demand)
    free = max(0, size - sum(held.values()))
    room = {t: max(0, min(demand[t], ceiling - held.get(t, 0))) for t in demand}
    assert set(grants) == set(demand)
    assert sum(grants.values()) <= free
    assert all(0 <= grants[t] <= room[t] for t in demand)
    # Work-conserving: lines stay free only when nobody may take one.
    assert sum(grants.values()) == min(free, sum(room.values()))
    # Max-min fair: moving a line from b to a never raises the smaller of the two holdings.
    holding = {t: held.get(t, 0) + grants[t] for t in demand}
    for a in demand:
        if grants[a] < room[a]:
            for b in demand:
                if grants[b] > 0:
                    assert holding[b] <= holding[a] + 1
    # Deterministic: the same tenants and numbers, in whatever order, get the same answer.
    again = share_lines(size, ceiling, dict(reversed(held.items())), dict(reversed(demand.items())))
    assert again == grants


def test_one_tenants_single_calls_do_not_lock_out_another() -> None:
    a, b = TenantId(UUID(int=1)), TenantId(UUID(int=2))
    # Ten lines, a ceiling of half: A holds five single calls and wants more.
    assert share_lines(10, 5, {a: 5}, {a: 10, b: 10}) == {a: 0, b: 5}


def test_two_tenants_batches_split_free_lines_evenly() -> None:
    a, b = TenantId(UUID(int=1)), TenantId(UUID(int=2))
    # Eight lines free; A already holds two, so both end up holding five.
    assert share_lines(10, 10, {a: 2}, {a: 20, b: 20}) == {a: 3, b: 5}

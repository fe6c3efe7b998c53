"""Batches in the domain: the lifecycle, each lead's tries, calling hours in the lead's own
time, and the fair share of the provider's lines."""

from __future__ import annotations

import itertools
import math
import zoneinfo
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.batches import (
    MAX_ATTEMPTS,
    MAX_RETRY_DELAY,
    OPENING_HORIZON,
    Backoff,
    Batch,
    BatchCounts,
    BatchItem,
    BatchItemStatus,
    BatchStatus,
    CallingWindow,
    DialOutcome,
    ItemStanding,
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
    batch.record_item_move(None, ItemStanding(BatchItemStatus.PENDING))
    with pytest.raises(InvalidStateTransition):
        batch.complete(NOW)
    batch.record_item_move(
        ItemStanding(BatchItemStatus.PENDING),
        ItemStanding(BatchItemStatus.SKIPPED, skip_reason=SkipReason.DO_NOT_CALL),
    )
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
    counts = BatchCounts().moved(None, ItemStanding(path[0]))
    for before, after in itertools.pairwise(path):
        counts = counts.moved(ItemStanding(before), ItemStanding(after))
    assert counts.total == 1
    assert counts.of(path[-1]) == 1
    assert counts.open == (0 if path[-1].finished else 1)


ALL_WEEK = CallingWindow(days=range(1, 8), start=time(0), end=time(23, 59))
ITEM_CHANGES = ["add", "claim", "place", "settle", "skip", "cancel", "cancel the batch"]


@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),
            st.sampled_from(ITEM_CHANGES),
            st.sampled_from(list(DialOutcome)),
            st.sampled_from(list(SkipReason)),
        ),
        max_size=40,
    )
)
@settings(max_examples=80, deadline=None)
def test_progress_by_state_outcome_and_skip_reason_equals_a_recount_of_the_items(
    changes: list[tuple[int, str, DialOutcome, SkipReason]],
) -> None:
    batch = a_batch(max_attempts=3, window=ALL_WEEK)
    batch.start(NOW)
    window = in_new_york(ALL_WEEK)
    items: list[BatchItem] = []
    at = NOW
    for index, change, outcome, reason in changes:
        at += timedelta(minutes=1)
        if change == "cancel the batch":
            if batch.status is BatchStatus.RUNNING:
                batch.cancel(at)
            continue
        if change == "add" or not items:
            items.append(an_item(batch))
            batch.record_item_move(None, items[-1].standing)
            continue
        item = items[index % len(items)]
        before = item.standing
        try:
            if change == "claim":
                at = max(at, item.next_attempt_at or at)
                item.claim(at)
            elif change == "place":
                item.placed(CallId(uuid4()), at)
            elif change == "settle":
                item.record_outcome(outcome, at, batch=batch, window=window)
            elif change == "skip":
                item.skip(reason, at)
            else:
                item.cancel(at)
        except InvalidStateTransition:
            assert item.standing == before
            continue
        batch.record_item_move(before, item.standing)

    states = Counter(item.status for item in items)
    ended = Counter(
        item.last_outcome
        for item in items
        if item.status in (BatchItemStatus.COMPLETED, BatchItemStatus.FAILED)
    )
    skipped = Counter(item.skip_reason for item in items if item.status is BatchItemStatus.SKIPPED)
    counts = batch.counts
    assert {s: counts.of(s) for s in BatchItemStatus} == {s: states[s] for s in BatchItemStatus}
    assert {o: counts.ended_with(o) for o in DialOutcome} == {o: ended[o] for o in DialOutcome}
    assert {r: counts.skipped_for(r) for r in SkipReason} == {r: skipped[r] for r in SkipReason}
    assert counts.total == len(items)
    assert counts == BatchCounts(
        **{s.value: states[s] for s in BatchItemStatus},
        ended_by=dict(ended),  # type: ignore[arg-type]
        skipped_by=dict(skipped),  # type: ignore[arg-type]
    )


standings = st.builds(
    ItemStanding,
    st.sampled_from(list(BatchItemStatus)),
    st.none() | st.sampled_from(list(DialOutcome)),
    st.none() | st.sampled_from(list(SkipReason)),
)


@given(st.lists(st.tuples(st.integers(0, 4), standings), max_size=30))
def test_counts_equal_a_recount_whatever_each_item_becomes(
    changes: list[tuple[int, ItemStanding]],
) -> None:
    # Any standing to any other (corrections included), not only the ones an item takes.
    items: list[ItemStanding] = []
    counts = BatchCounts()
    for index, after in changes:
        if index >= len(items):
            items.append(after)
            counts = counts.moved(None, after)
        else:
            counts = counts.moved(items[index], after)
            items[index] = after
    ended = Counter(
        item.outcome
        for item in items
        if item.status in (BatchItemStatus.COMPLETED, BatchItemStatus.FAILED)
        and item.outcome is not None
    )
    skipped = Counter(
        item.skip_reason
        for item in items
        if item.status is BatchItemStatus.SKIPPED and item.skip_reason is not None
    )
    assert counts.total == len(items)
    assert all(counts.of(s) == sum(i.status is s for i in items) for s in BatchItemStatus)
    assert counts.ended_by == dict(ended)
    assert counts.skipped_by == dict(skipped)


def test_a_lead_that_ends_counts_under_the_outcome_of_its_last_try() -> None:
    pending = ItemStanding(BatchItemStatus.PENDING)
    retrying = ItemStanding(BatchItemStatus.PENDING, DialOutcome.BUSY)
    failed = ItemStanding(BatchItemStatus.FAILED, DialOutcome.NO_ANSWER)
    skipped = ItemStanding(BatchItemStatus.SKIPPED, skip_reason=SkipReason.INVALID_NUMBER)
    counts = BatchCounts().moved(None, pending).moved(pending, retrying)
    assert counts.ended_by == {}  # busy, but tried again: not an end
    counts = counts.moved(retrying, failed).moved(None, pending).moved(pending, skipped)
    assert (counts.ended_with(DialOutcome.NO_ANSWER), counts.ended_with(DialOutcome.BUSY)) == (1, 0)
    assert counts.skipped_for(SkipReason.INVALID_NUMBER) == 1
    assert counts.skipped_for(SkipReason.DO_NOT_CALL) == 0
    with pytest.raises(InvalidValue):
        BatchCounts().moved(failed, pending)  # never counted as ended: cannot be taken away


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
            assert item.next_attempt_at >= at + batch.retry_policy.delay_for(outcome, tries)  # type: ignore[operator]
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


# --- how long a lead waits between tries ---------------------------------------------------

delays = st.integers(1, int(MAX_RETRY_DELAY.total_seconds())).map(lambda n: timedelta(seconds=n))


@st.composite
def backoffs(draw: st.DrawFn) -> Backoff:
    base = draw(delays)
    cap = draw(delays.filter(lambda d: d >= base))
    factor = draw(st.floats(1.0, 10.0, allow_nan=False))
    return Backoff(base, factor, cap)


@given(backoffs())
def test_each_retry_waits_factor_times_longer_than_the_last_up_to_the_cap(
    backoff: Backoff,
) -> None:
    waits = [backoff.delay_after(n) for n in range(1, MAX_ATTEMPTS + 1)]
    assert waits[0] == backoff.base
    for shorter, longer in itertools.pairwise(waits):
        assert shorter <= longer <= backoff.cap
        # One microsecond of rounding per wait, grown by the factor at most.
        slack = timedelta(microseconds=math.ceil(backoff.factor) + 1)
        assert abs(longer - min(backoff.cap, shorter * backoff.factor)) <= slack
    if backoff.factor >= 1.01:  # grows past any cap, however late the try
        assert backoff.delay_after(10_000) == backoff.cap
        assert backoff.delay_after(10**6) == backoff.cap


@given(delays, st.integers(1, 1_000))
def test_a_factor_of_one_waits_the_same_every_time(delay: timedelta, attempt: int) -> None:
    assert Backoff.fixed(delay).delay_after(attempt) == delay
    assert Backoff(delay, factor=1, cap=MAX_RETRY_DELAY).delay_after(attempt) == delay


def test_a_doubling_backoff_waits_10_20_40_then_the_cap() -> None:
    backoff = Backoff(timedelta(minutes=10), factor=2, cap=timedelta(hours=1))
    assert [backoff.delay_after(n) for n in range(1, 6)] == [
        timedelta(minutes=10),
        timedelta(minutes=20),
        timedelta(minutes=40),
        timedelta(hours=1),
        timedelta(hours=1),
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"base": timedelta(0)},
        {"base": timedelta(seconds=-1)},
        {"base": MAX_RETRY_DELAY + timedelta(seconds=1)},
        {"base": timedelta(minutes=5), "factor": 0.5},
        {"base": timedelta(minutes=5), "factor": 10.5},
        {"base": timedelta(minutes=5), "factor": math.nan},
        {"base": timedelta(minutes=5), "factor": math.inf},
        {"base": timedelta(minutes=5), "cap": timedelta(minutes=4)},
        {"base": timedelta(minutes=5), "cap": MAX_RETRY_DELAY + timedelta(seconds=1)},
    ],
)
def test_a_backoff_that_makes_no_sense_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidValue):
        Backoff(**fields)  # type: ignore[arg-type]


def test_tries_are_counted_from_one() -> None:
    with pytest.raises(InvalidValue):
        Backoff.fixed(timedelta(minutes=5)).delay_after(0)


def test_each_retried_outcome_has_its_own_backoff() -> None:
    policy = RetryPolicy(
        busy=Backoff(timedelta(minutes=5), factor=2, cap=timedelta(minutes=30)),
        no_answer=Backoff(timedelta(hours=1), factor=3, cap=timedelta(hours=6)),
        voicemail=timedelta(hours=4),
    )
    assert policy.delay_for(DialOutcome.BUSY, 3) == timedelta(minutes=20)
    assert policy.delay_for(DialOutcome.NO_ANSWER, 3) == timedelta(hours=6)
    assert policy.delay_for(DialOutcome.VOICEMAIL, 3) == timedelta(hours=4)
    for outcome in (DialOutcome.COMPLETED, DialOutcome.FAILED, DialOutcome.UNKNOWN):
        assert policy.delay_for(outcome, 1) is None


def test_a_busy_lead_waits_longer_after_each_try() -> None:
    busy = Backoff(timedelta(minutes=10), factor=3, cap=timedelta(hours=2))
    batch = a_batch(max_attempts=5, window=ALL_WEEK, retry_policy=RetryPolicy(busy=busy))
    window = in_new_york(ALL_WEEK)
    item = an_item(batch)
    at = NOW
    waits = []
    for _ in range(4):
        item.claim(at)
        item.record_outcome(DialOutcome.BUSY, at, batch=batch, window=window)
        assert item.next_attempt_at is not None
        waits.append(item.next_attempt_at - at)
        at = item.next_attempt_at
    assert waits == [timedelta(minutes=m) for m in (10, 30, 90, 120)]


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


FALL_BACK_WEEKS = [
    # Monday to Sunday, the clock going back on the Sunday: one hour, and two in Troll.
    ("America/New_York", datetime(2026, 10, 26), timedelta(hours=1)),
    ("Antarctica/Troll", datetime(2026, 10, 19), timedelta(hours=2)),
]


@pytest.mark.parametrize(("zone", "monday", "set_back"), FALL_BACK_WEEKS)
@pytest.mark.parametrize("open_day", range(1, 8))
def test_a_window_open_one_day_a_week_is_found_from_every_weekday(
    zone: str, monday: datetime, set_back: timedelta, open_day: int
) -> None:
    # Open one minute a week: from just after it closes, the next opening is a week away on
    # the wall clock, and longer than that in real time when the clock goes back meanwhile.
    tz = zoneinfo.ZoneInfo(zone)
    window = CallingWindow(days={open_day}, start=time(9), end=time(9, 1)).for_lead(
        LeadZones((zone,), ZoneSource.LEAD)
    )
    longest = timedelta(0)
    for weekday in range(1, 8):
        local_day = monday + timedelta(days=weekday - 1)
        after = local_day.replace(hour=9, minute=1, tzinfo=tz)
        ahead = (open_day - weekday - 1) % 7 + 1
        expected = (local_day + timedelta(days=ahead)).replace(hour=9, tzinfo=tz).astimezone(UTC)
        assert window.next_opening(after) == expected
        longest = max(longest, expected - after)
    if open_day != 7:  # from that weekday to the next, across Sunday's change
        assert longest == timedelta(days=7, minutes=-1) + set_back


def test_a_window_whose_only_day_the_calendar_skips_opens_the_week_after() -> None:
    # Samoa went from 29 to 31 December 2011: that Friday never happened there.
    apia = zoneinfo.ZoneInfo("Pacific/Apia")
    fridays = CallingWindow(days={5}, start=time(9), end=time(17)).for_lead(
        LeadZones(("Pacific/Apia",), ZoneSource.LEAD)
    )
    after = datetime(2011, 12, 23, 17, 0, tzinfo=apia)
    assert fridays.next_opening(after) == datetime(2012, 1, 6, 9, 0, tzinfo=apia)


def test_the_repeated_hour_is_in_hours_both_times_the_wall_clock_shows_it() -> None:
    # Sunday 1 November 2026 in New York: 01:00 to 02:00 comes twice (EDT, then EST).
    new_york = zoneinfo.ZoneInfo("America/New_York")
    window = CallingWindow(days={7}, start=time(1), end=time(2))
    local = window.for_lead(LeadZones(("America/New_York",), ZoneSource.LEAD))
    night = [datetime(2026, 11, 1, 3, 0, tzinfo=UTC) + timedelta(minutes=m) for m in range(360)]
    for at in night:
        wall = at.astimezone(new_york)
        assert local.allows(at) is (time(1) <= wall.time() < time(2)), at
        assert window.holds_at_local(wall) is window.holds_at_local(
            wall.replace(fold=1 - wall.fold)
        )
    open_minutes = [at for at in night if local.allows(at)]
    assert len(open_minutes) == 120
    assert local.allows(datetime(2026, 11, 1, 5, 30, tzinfo=UTC))  # 01:30 EDT
    assert local.allows(datetime(2026, 11, 1, 6, 30, tzinfo=UTC))  # 01:30 EST
    assert not local.allows(datetime(2026, 11, 1, 7, 0, tzinfo=UTC))  # 02:00 EST


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
    end = opening if opening is not None else after + OPENING_HORIZON
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

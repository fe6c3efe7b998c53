"""Batches (campaigns): many leads called by one agent, within calling hours, with retries,
sharing the provider's lines fairly with other tenants."""

from __future__ import annotations

import enum
import functools
import heapq
import math
import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import attrs
import phonenumbers
from phonenumbers import timezone as number_zones

from domain.errors import InvalidStateTransition, InvalidValue
from domain.ids import (
    AgentId,
    BatchId,
    BatchItemId,
    CallId,
    LeadId,
    PhoneNumberId,
    TenantId,
    UserId,
)
from domain.leads import check_time_zone
from domain.phones import PhoneNumber
from domain.values import json_object, non_blank

MAX_CONCURRENCY = 1_000
MAX_ATTEMPTS = 10
# A retry later than this is no longer the same campaign's follow-up.
MAX_RETRY_DELAY = timedelta(days=7)
# How far ahead an opening of the calling window is looked for. The window's next start is
# less than a week away on the lead's wall clock; reaching it takes that week plus however far
# the clock is set back meanwhile (an hour, two in a few zones, a day at the very most). Only
# when a zone drops a whole calendar day (Samoa, 30 December 2011) may the one day the window
# opens be missing from a week, and then the next week has it: two weeks and a day find the
# opening of any window with at least one day, in every zone.
OPENING_HORIZON = timedelta(days=15)
# The steepest growth a retry delay may have from one try to the next.
MAX_BACKOFF_FACTOR = 10.0

# --- calling window -------------------------------------------------------------------------


class ZoneSource(enum.StrEnum):
    """Where a lead's local time came from, most to least reliable."""

    LEAD = "lead"
    NUMBER = "number"
    BATCH = "batch"


class WindowClosed(enum.StrEnum):
    """Why a lead may not be called now."""

    UNKNOWN_TIME_ZONE = "unknown_time_zone"
    OUTSIDE_WINDOW = "outside_calling_window"


@attrs.frozen
class LeadZones:
    """The zone(s) whose local time a lead's calling hours are read in. Several when the
    lead's number spans several zones and nothing better is known: then every one of them
    must be inside the window (fail closed). None at all: the lead is not called."""

    zones: tuple[str, ...]
    source: ZoneSource | None


_NO_ZONE = LeadZones((), None)
_UNKNOWN_ZONE = "Etc/Unknown"


@functools.lru_cache(maxsize=4096)
def _zones_of_number(e164: str) -> tuple[str, ...]:
    zones = number_zones.time_zones_for_number(phonenumbers.parse(e164))
    return tuple(sorted(str(zone) for zone in zones if zone != _UNKNOWN_ZONE))


def zone_for(
    lead_zone: str | None, number: PhoneNumber | None, batch_zone: str | None
) -> LeadZones:
    """The lead's own zone, else its number's region's zone(s), else the batch's; none of
    them known means the lead is not called (a call at 3 a.m. is worse than no call)."""
    if lead_zone is not None:
        return LeadZones((lead_zone,), ZoneSource.LEAD)
    if number is not None:
        single = number.time_zone()
        zones = (single,) if single is not None else _zones_of_number(number.e164)
        if zones:
            return LeadZones(zones, ZoneSource.NUMBER)
    if batch_zone is not None:
        return LeadZones((batch_zone,), ZoneSource.BATCH)
    return _NO_ZONE


@functools.lru_cache(maxsize=1024)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def _weekdays(days: Iterable[int]) -> frozenset[int]:
    return frozenset(days)


def _check_days(_instance: Any, attribute: attrs.Attribute[Any], value: frozenset[int]) -> None:
    if not value or not value <= frozenset(range(1, 8)):
        raise InvalidValue(
            "calling days are ISO weekdays 1 (Monday) to 7 (Sunday), at least one",
            field=attribute.name,
        )


def _check_end(instance: CallingWindow, attribute: attrs.Attribute[Any], value: time) -> None:
    if value == instance.start:
        raise InvalidValue(
            "the calling window must not start and end at the same time", field="end"
        )
    if instance.start.tzinfo is not None or value.tzinfo is not None:
        raise InvalidValue("calling hours are local times, without a zone", field="end")


@attrs.frozen
class CallingWindow:
    """The local hours a batch may call in: on `days` (ISO weekdays, the day the window
    opens), from `start` until `end`. An `end` at or before `start` means the window runs
    past midnight into the next day (22:00 to 02:00 on Friday covers Saturday 01:00); an end of
    00:00 closes at midnight."""

    days: frozenset[int] = attrs.field(converter=_weekdays, validator=_check_days)
    start: time
    end: time = attrs.field(validator=_check_end)

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def holds_at_local(self, local: datetime) -> bool:
        """Whether the wall-clock time `local` (in the lead's zone) is inside the window.

        Only the wall clock counts, as calling hours are meant: when daylight saving sets
        the clock back, a window that covers the repeated hour is open both times round
        (01:00 to 02:00 is open for two hours that night), and one that ends inside it opens
        again when the clock goes back."""
        moment = local.time().replace(tzinfo=None, fold=0)
        weekday = local.isoweekday()
        if not self.crosses_midnight:
            return weekday in self.days and self.start <= moment < self.end
        if moment >= self.start:
            return weekday in self.days
        yesterday = 7 if weekday == 1 else weekday - 1
        return moment < self.end and yesterday in self.days

    def for_lead(self, zones: LeadZones) -> LocalWindow:
        return LocalWindow(self, zones)


@attrs.frozen
class LocalWindow:
    """A batch's calling window as seen from one lead: open at an instant only when it is
    inside the window in every zone the lead may be in."""

    window: CallingWindow
    zones: LeadZones

    def closed_reason(self, at: datetime) -> WindowClosed | None:
        """None when the lead may be called at `at` (an aware instant); else why not. An
        instant is inside the window when its local wall time is (see
        CallingWindow.holds_at_local), in each of the lead's zones."""
        _require_aware(at)
        if not self.zones.zones:
            return WindowClosed.UNKNOWN_TIME_ZONE
        for name in self.zones.zones:
            if not self.window.holds_at_local(at.astimezone(_zone(name))):
                return WindowClosed.OUTSIDE_WINDOW
        return None

    def allows(self, at: datetime) -> bool:
        return self.closed_reason(at) is None

    def next_opening(
        self, after: datetime, *, within: timedelta = OPENING_HORIZON
    ) -> datetime | None:
        """The first instant at or after `after` when the lead may be called (a retry is
        scheduled there); None when the zone is unknown or the window does not open in
        every zone at once within `within` (OPENING_HORIZON, long enough for any window in a
        single zone to open).

        Whether a zone is inside the window changes only where its wall clock reaches the
        window's start or jumps (a daylight-saving change); where all zones are inside at
        once begins at one of those instants, so only they are tried."""
        _require_aware(after)
        if not self.zones.zones:
            return None
        after = after.astimezone(UTC)
        until = after + within
        candidates = {after}
        for name in self.zones.zones:
            candidates.update(_openings(self.window, _zone(name), after, until))
            candidates.update(_offset_changes(_zone(name), after, until))
        for candidate in sorted(c for c in candidates if after <= c <= until):
            if self.allows(candidate):
                return candidate
        return None


def _require_aware(moment: datetime) -> None:
    # A naive time would be read in the server's own zone: wrong for every lead elsewhere.
    if moment.utcoffset() is None:
        raise InvalidValue("an instant must carry its offset from UTC", field="at")


def _openings(
    window: CallingWindow, zone: zoneinfo.ZoneInfo, after: datetime, until: datetime
) -> set[datetime]:
    """The instants the window's start is reached on the wall clock of `zone` (both, when
    daylight saving repeats the hour)."""
    first: date = after.astimezone(zone).date() - timedelta(days=1)
    found: set[datetime] = set()
    for offset in range((until - after).days + 3):
        day = first + timedelta(days=offset)
        if day.isoweekday() not in window.days:
            continue
        for fold in (0, 1):
            local = datetime.combine(day, window.start, tzinfo=zone).replace(fold=fold)
            found.add(local.astimezone(UTC))
    return found


_OFFSET_STEP = timedelta(hours=6)


def _offset_changes(zone: zoneinfo.ZoneInfo, after: datetime, until: datetime) -> set[datetime]:
    """The instants `zone`'s offset from UTC changes between `after` and `until` (to the
    second; zones change their offset at most once in six hours)."""
    found: set[datetime] = set()
    low = after
    while low < until:
        high = min(low + _OFFSET_STEP, until)
        if low.astimezone(zone).utcoffset() != high.astimezone(zone).utcoffset():
            found.add(_first_with_offset_of(zone, low, high))
        low = high
    return found


def _first_with_offset_of(zone: zoneinfo.ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The first instant in (low, high] with `high`'s offset (offsets change on whole
    seconds)."""
    target = high.astimezone(zone).utcoffset()
    before, after = math.floor(low.timestamp()), math.ceil(high.timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == target:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


# --- retries ----------------------------------------------------------------------------------


class DialOutcome(enum.StrEnum):
    """How one dial of a lead ended, as far as the batch cares."""

    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    VOICEMAIL = "voicemail"
    FAILED = "failed"
    """The provider did not place the call: not a reason to call again blindly."""
    UNKNOWN = "unknown"
    """Whether the call was placed is not known; the reconciler finds out."""


# Vapi's endedReason for a callee who was not reached, by what a retry may change.
_NOT_REACHED = {
    "customer-busy": DialOutcome.BUSY,
    "customer-did-not-answer": DialOutcome.NO_ANSWER,
    "voicemail": DialOutcome.VOICEMAIL,
}
# endedReason prefixes of calls that never got going on the provider's side.
_START_FAILURES = (
    "call.start.error",
    "assistant-request-",
    "assistant-not-found",
    "twilio-failed",
    "vonage-failed",
    "sip-outbound-",
    "pipeline-error",
    "provider-has-no-record",
    "sandbox-interrupted",
)


def outcome_of_call(status: str, ended_reason: str | None) -> DialOutcome | None:
    """How a batch's dial ended, from its call's status (ours, see domain.calls.CallStatus)
    and Vapi's endedReason; None while the call goes on. A call the provider refused or lost
    failed: calling again could reach someone who did pick up."""
    if status == "failed":
        return DialOutcome.FAILED
    if status == "unknown":
        return DialOutcome.UNKNOWN
    if status != "ended":
        return None
    reason = ended_reason or ""
    if reason in _NOT_REACHED:
        return _NOT_REACHED[reason]
    if reason.startswith(_START_FAILURES):
        return DialOutcome.FAILED
    return DialOutcome.COMPLETED


def _check_delay(_instance: Any, attribute: attrs.Attribute[Any], value: timedelta) -> None:
    if not timedelta(0) < value <= MAX_RETRY_DELAY:
        raise InvalidValue(
            f"a retry delay is longer than 0 and at most {MAX_RETRY_DELAY.days} days",
            field=attribute.name,
        )


def _check_factor(_instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 1.0 <= value <= MAX_BACKOFF_FACTOR:  # also refuses NaN
        raise InvalidValue(
            f"a retry delay grows by a factor between 1 and {MAX_BACKOFF_FACTOR:g}",
            field=attribute.name,
        )


def _check_cap(instance: Backoff, attribute: attrs.Attribute[Any], value: timedelta) -> None:
    _check_delay(instance, attribute, value)
    if value < instance.base:
        raise InvalidValue("the longest retry delay is not shorter than the first", field="cap")


@attrs.frozen
class Backoff:
    """The wait before each new try after one outcome: `base` after the first try, then
    `factor` times longer after each further one, never longer than `cap`. The delay after
    try n is base * factor ** (n - 1), capped; a factor of 1 waits `base` every time."""

    base: timedelta = attrs.field(validator=_check_delay)
    factor: float = attrs.field(default=1.0, converter=float, validator=_check_factor)
    cap: timedelta = attrs.field(default=MAX_RETRY_DELAY, validator=_check_cap)

    @classmethod
    def fixed(cls, delay: timedelta) -> Backoff:
        return cls(delay)

    def delay_after(self, attempt: int) -> timedelta:
        """The wait after try number `attempt` (1 for the first) ended this way."""
        if attempt < 1:
            raise InvalidValue("tries are counted from 1", field="attempt")
        cap = self.cap.total_seconds()
        try:
            seconds = self.base.total_seconds() * self.factor ** (attempt - 1)
        except OverflowError:
            return self.cap
        if seconds >= cap:
            return self.cap
        return timedelta(seconds=seconds)


def _backoff(value: Backoff | timedelta) -> Backoff:
    return Backoff.fixed(value) if isinstance(value, timedelta) else value


@attrs.frozen
class RetryPolicy:
    """How long to wait before calling a lead again after each outcome that is worth another
    try (a fixed delay or one growing with each try, see Backoff). Only these outcomes are
    retried: a completed call needs no other, a failed one would fail again, and an unknown
    one may be going on right now."""

    busy: Backoff = attrs.field(default=Backoff(timedelta(minutes=10)), converter=_backoff)
    no_answer: Backoff = attrs.field(default=Backoff(timedelta(hours=1)), converter=_backoff)
    voicemail: Backoff = attrs.field(default=Backoff(timedelta(hours=4)), converter=_backoff)

    def backoff_for(self, outcome: DialOutcome) -> Backoff | None:
        """How the waits grow after `outcome`; None when the outcome is not retried."""
        if outcome is DialOutcome.BUSY:
            return self.busy
        if outcome is DialOutcome.NO_ANSWER:
            return self.no_answer
        if outcome is DialOutcome.VOICEMAIL:
            return self.voicemail
        return None

    def delay_for(self, outcome: DialOutcome, attempt: int = 1) -> timedelta | None:
        """The wait before the next try after try number `attempt` ended with `outcome`;
        None when the outcome is not retried."""
        backoff = self.backoff_for(outcome)
        return None if backoff is None else backoff.delay_after(attempt)


# --- batch ------------------------------------------------------------------------------------


class BatchStatus(enum.StrEnum):
    """draft → running → paused ↔ running → completed; cancelled from any but the ends."""

    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (BatchStatus.COMPLETED, BatchStatus.CANCELLED)


class PauseReason(enum.StrEnum):
    """Why a batch is paused: a person asked, or the system stopped it because dialling on
    would break a rule (no minutes left, the tenant suspended, the plan lost batch calls)."""

    REQUESTED = "requested"
    MINUTES_EXHAUSTED = "minutes_exhausted"
    TENANT_SUSPENDED = "tenant_suspended"
    FEATURE_LOST = "feature_lost"
    AGENT_UNAVAILABLE = "agent_unavailable"
    """The batch's agent was deactivated or deleted."""
    NUMBER_UNAVAILABLE = "number_unavailable"
    """The number the batch calls from was released."""


class BatchItemStatus(enum.StrEnum):
    """Where one lead of a batch stands: `pending` (waiting for its next try), `dialling`
    (claimed; the provider is being asked), `live` (the provider has the call, or may have),
    then one of the ends."""

    PENDING = "pending"
    DIALLING = "dialling"
    LIVE = "live"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in _FINISHED_ITEMS

    @property
    def on_the_line(self) -> bool:
        """Holds (or may hold) a provider line."""
        return self in (BatchItemStatus.DIALLING, BatchItemStatus.LIVE)


_FINISHED_ITEMS = frozenset(
    {
        BatchItemStatus.COMPLETED,
        BatchItemStatus.FAILED,
        BatchItemStatus.SKIPPED,
        BatchItemStatus.CANCELLED,
    }
)


class SkipReason(enum.StrEnum):
    """Why a lead of a batch is not called at all."""

    DO_NOT_CALL = "do_not_call"
    UNKNOWN_TIME_ZONE = "unknown_time_zone"
    INVALID_NUMBER = "invalid_number"
    DUPLICATE_NUMBER = "duplicate_number"


@attrs.frozen
class ItemStanding:
    """What a batch's progress counts of one item: its state, the outcome of its last try
    once its tries are over (completed or failed), and why it was skipped."""

    status: BatchItemStatus
    outcome: DialOutcome | None = None
    skip_reason: SkipReason | None = None

    @property
    def ended_with(self) -> DialOutcome | None:
        """The outcome the lead's tries ended with; None while it may be tried again, and
        for a lead skipped or cancelled."""
        ended = self.status in (BatchItemStatus.COMPLETED, BatchItemStatus.FAILED)
        return self.outcome if ended else None

    @property
    def skipped_for(self) -> SkipReason | None:
        return self.skip_reason if self.status is BatchItemStatus.SKIPPED else None


def _count(_instance: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 0:
        raise InvalidValue("a count is never negative", field=attribute.name)


def _tally(value: Mapping[Any, int]) -> dict[Any, int]:
    # Kinds with none are left out, so equal progress compares equal.
    return {kind: n for kind, n in sorted(value.items()) if n}


def _tally_counts(_instance: Any, attribute: attrs.Attribute[Any], value: dict[Any, int]) -> None:
    if any(n < 0 for n in value.values()):
        raise InvalidValue("a count is never negative", field=attribute.name)


def _add(tally: Mapping[Any, int], kind: object, change: int) -> dict[Any, int]:
    if kind is None:
        return dict(tally)
    return {**tally, kind: tally.get(kind, 0) + change}


@attrs.frozen
class BatchCounts:
    """How many of a batch's items are in each state, how many ended with each outcome
    (`ended_by`: completed and failed leads, by the outcome of their last try) and how many
    were skipped for each reason (`skipped_by`), kept up to date item by item so that
    progress is read without counting the items."""

    pending: int = attrs.field(default=0, validator=_count)
    dialling: int = attrs.field(default=0, validator=_count)
    live: int = attrs.field(default=0, validator=_count)
    completed: int = attrs.field(default=0, validator=_count)
    failed: int = attrs.field(default=0, validator=_count)
    skipped: int = attrs.field(default=0, validator=_count)
    cancelled: int = attrs.field(default=0, validator=_count)
    ended_by: dict[DialOutcome, int] = attrs.field(
        factory=dict, converter=_tally, validator=_tally_counts, hash=False
    )
    skipped_by: dict[SkipReason, int] = attrs.field(
        factory=dict, converter=_tally, validator=_tally_counts, hash=False
    )

    @property
    def total(self) -> int:
        return sum(self.of(status) for status in BatchItemStatus)

    @property
    def open(self) -> int:
        """Items not finished yet: while any are, the batch is not complete."""
        return self.pending + self.dialling + self.live

    def of(self, status: BatchItemStatus) -> int:
        return int(getattr(self, status.value))

    def ended_with(self, outcome: DialOutcome) -> int:
        return self.ended_by.get(outcome, 0)

    def skipped_for(self, reason: SkipReason) -> int:
        return self.skipped_by.get(reason, 0)

    def moved(self, before: ItemStanding | None, after: ItemStanding) -> BatchCounts:
        """The counts once an item went from `before` (None: a new item) to `after`."""
        if before == after:
            return self
        states = {after.status.value: self.of(after.status) + 1}
        ended_by = _add(self.ended_by, after.ended_with, 1)
        skipped_by = _add(self.skipped_by, after.skipped_for, 1)
        if before is not None:
            left = before.status.value
            states[left] = states.get(left, self.of(before.status)) - 1
            ended_by = _add(ended_by, before.ended_with, -1)
            skipped_by = _add(skipped_by, before.skipped_for, -1)
        return attrs.evolve(self, **states, ended_by=ended_by, skipped_by=skipped_by)


def _at_least_one(maximum: int) -> Any:
    def check(_instance: Any, attribute: attrs.Attribute[Any], value: int) -> None:
        if not 1 <= value <= maximum:
            raise InvalidValue(f"{attribute.name} is between 1 and {maximum}", field=attribute.name)

    return check


def _batch_zone(_instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    check_time_zone(value, field=attribute.name)


@attrs.define
class Batch:
    """A campaign: which agent calls which leads from which number, how many at once, in
    which hours, and how often each lead is tried. Its items are kept apart (a batch may
    have 100,000); `counts` says where they stand.

    `version` is checked and raised by the repositories on save, as for every aggregate."""

    id: BatchId
    tenant_id: TenantId
    agent_id: AgentId
    from_number_id: PhoneNumberId
    name: str = attrs.field(validator=non_blank(max_len=255))
    window: CallingWindow
    created_at: datetime
    updated_at: datetime
    concurrency: int = attrs.field(default=1, validator=_at_least_one(MAX_CONCURRENCY))
    timezone: str | None = attrs.field(default=None, validator=_batch_zone)
    """The zone used for leads whose own zone and number say nothing."""
    max_attempts: int = attrs.field(default=3, validator=_at_least_one(MAX_ATTEMPTS))
    retry_policy: RetryPolicy = attrs.field(factory=RetryPolicy)
    status: BatchStatus = BatchStatus.DRAFT
    pause_reason: PauseReason | None = None
    counts: BatchCounts = attrs.field(factory=BatchCounts)
    cost: Decimal = Decimal(0)
    """What the batch's calls cost so far: each call's cost is added once its report
    arrives."""
    created_by: UserId | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    version: int = 0

    def _move(self, allowed_from: tuple[BatchStatus, ...], to: BatchStatus, at: datetime) -> None:
        if self.status not in allowed_from:
            raise InvalidStateTransition(
                f"a {self.status.value} batch cannot become {to.value}", field="status"
            )
        self.status = to
        self.updated_at = max(self.updated_at, at)

    def start(self, at: datetime) -> None:
        self._move((BatchStatus.DRAFT,), BatchStatus.RUNNING, at)
        self.started_at = at

    def pause(self, at: datetime, reason: PauseReason = PauseReason.REQUESTED) -> None:
        self._move((BatchStatus.RUNNING,), BatchStatus.PAUSED, at)
        self.pause_reason = reason

    def resume(self, at: datetime) -> None:
        self._move((BatchStatus.PAUSED,), BatchStatus.RUNNING, at)
        self.pause_reason = None

    def cancel(self, at: datetime) -> None:
        """Stops new dials; live calls finish on their own (see BatchItem.cancel)."""
        self._move(
            (BatchStatus.DRAFT, BatchStatus.RUNNING, BatchStatus.PAUSED), BatchStatus.CANCELLED, at
        )
        self.pause_reason = None
        self.ended_at = at

    def complete(self, at: datetime) -> None:
        """Every item is finished: nothing is left to dial or to wait for."""
        if self.status is BatchStatus.RUNNING and self.counts.open:
            raise InvalidStateTransition(
                f"{self.counts.open} of the batch's leads are not finished", field="status"
            )
        self._move((BatchStatus.RUNNING,), BatchStatus.COMPLETED, at)
        self.ended_at = at

    def add_cost(self, cost: Decimal | None) -> None:
        if cost:
            self.cost += cost

    def cancelled_waiting(self, count: int) -> None:
        """`count` pending items were cancelled at once (see BatchItemRepository)."""
        self.counts = attrs.evolve(
            self.counts,
            pending=self.counts.pending - count,
            cancelled=self.counts.cancelled + count,
        )

    def record_item_move(self, before: ItemStanding | None, after: ItemStanding) -> None:
        """Keep the counts in step with an item that went from `before` (its standing before
        the change, None for a new item) to `after`."""
        self.counts = self.counts.moved(before, after)


@attrs.define
class BatchItem:
    """One lead of a batch and its tries. A lead is in a batch at most once."""

    id: BatchItemId
    tenant_id: TenantId
    batch_id: BatchId
    lead_id: LeadId
    created_at: datetime
    updated_at: datetime
    status: BatchItemStatus = BatchItemStatus.PENDING
    attempts: int = attrs.field(default=0, validator=_count)
    next_attempt_at: datetime | None = None
    """Not before then (None: as soon as the batch runs)."""
    last_call_id: CallId | None = None
    last_outcome: DialOutcome | None = None
    skip_reason: SkipReason | None = None
    variables: dict[str, Any] = attrs.field(factory=dict, validator=json_object)
    version: int = 0

    @property
    def standing(self) -> ItemStanding:
        """What the batch's progress counts of this item (see Batch.record_item_move)."""
        return ItemStanding(self.status, self.last_outcome, self.skip_reason)

    def due(self, at: datetime) -> bool:
        """Waiting to be dialled, and its next try's time has come."""
        return self.status is BatchItemStatus.PENDING and (
            self.next_attempt_at is None or self.next_attempt_at <= at
        )

    def _touch(self, status: BatchItemStatus, at: datetime) -> None:
        self.status = status
        self.updated_at = max(self.updated_at, at)

    def _refuse(self, action: str) -> InvalidStateTransition:
        return InvalidStateTransition(
            f"a {self.status.value} batch item cannot be {action}", field="status"
        )

    def claim(self, at: datetime, call_id: CallId | None = None) -> None:
        """Take the lead for one try, made by the call `call_id` (queued in the same
        transaction). The claim is written before the provider is asked, so a worker that
        dies after it never leads to a second dial of the same try: the call is the
        reconciler's to settle."""
        if not self.due(at):
            raise self._refuse("dialled now")
        self.attempts += 1
        if call_id is not None:
            self.last_call_id = call_id
        self._touch(BatchItemStatus.DIALLING, at)

    def placed(self, call_id: CallId, at: datetime) -> None:
        """The call for this try exists (the provider may or may not have it yet)."""
        if self.status is not BatchItemStatus.DIALLING:
            raise self._refuse("placed")
        self.last_call_id = call_id
        self._touch(BatchItemStatus.LIVE, at)

    def record_outcome(
        self, outcome: DialOutcome, at: datetime, *, batch: Batch, window: LocalWindow
    ) -> None:
        """Settle the try in progress. A retried outcome puts the lead back in line after
        the policy's delay, at the window's next opening, while the batch has tries left for
        it and is not cancelled; otherwise the lead has failed. An unknown outcome keeps the
        line held and is not retried: a second call could reach someone already on the
        phone with us, so the reconciler settles it later with the real outcome."""
        if self.status not in (BatchItemStatus.DIALLING, BatchItemStatus.LIVE):
            raise self._refuse("settled")
        self.last_outcome = outcome
        if outcome is DialOutcome.UNKNOWN:
            self._touch(BatchItemStatus.LIVE, at)
            return
        if outcome is DialOutcome.COMPLETED:
            self._touch(BatchItemStatus.COMPLETED, at)
            return
        delay = batch.retry_policy.delay_for(outcome, max(1, self.attempts))
        if delay is None or self.attempts >= batch.max_attempts:
            self._touch(BatchItemStatus.FAILED, at)
            return
        if batch.status is BatchStatus.CANCELLED:
            self._touch(BatchItemStatus.CANCELLED, at)
            return
        opening = window.next_opening(at + delay)
        if opening is None:
            self._touch(BatchItemStatus.FAILED, at)
            return
        self.next_attempt_at = opening
        self._touch(BatchItemStatus.PENDING, at)

    def skip(self, reason: SkipReason, at: datetime) -> None:
        """Not called at all (checked when it would be dialled: a lead marked do-not-call
        during the batch is skipped)."""
        if self.status is not BatchItemStatus.PENDING:
            raise self._refuse("skipped")
        self.skip_reason = reason
        self._touch(BatchItemStatus.SKIPPED, at)

    def cancel(self, at: datetime) -> bool:
        """The batch was cancelled: a lead waiting for a try is not called; one on the line
        finishes its call. True when the item changed."""
        if self.status is not BatchItemStatus.PENDING:
            return False
        self._touch(BatchItemStatus.CANCELLED, at)
        return True


# --- the shared line pool ---------------------------------------------------------------------


def share_lines(
    pool_size: int,
    tenant_ceiling: int,
    held: Mapping[TenantId, int],
    demand: Mapping[TenantId, int],
) -> dict[TenantId, int]:
    """How many new dials each tenant in `demand` may start now.

    All tenants dial through one provider account of `pool_size` lines. `held` is what each
    tenant has on the line now (single calls included); `demand` is how many more its running
    batches want, already capped by their concurrency and the tenant's own concurrent-call
    limit. No tenant goes over `tenant_ceiling` lines in all, so that one tenant never holds
    every line; the free lines are handed out max-min fairly over what tenants will hold
    (water-filling: always to the tenant holding fewest), so a tenant with few lines is
    served before one with many. Every free line that someone may take is handed out. Ties
    go to the lower tenant id, so equal inputs give equal answers."""
    free = max(0, pool_size - sum(max(0, n) for n in held.values()))
    grants = dict.fromkeys(demand, 0)
    room = {
        tenant: max(0, min(want, tenant_ceiling - max(0, held.get(tenant, 0))))
        for tenant, want in demand.items()
    }
    line = [(max(0, held.get(tenant, 0)), tenant) for tenant in demand if room[tenant]]
    heapq.heapify(line)
    while free and line:
        holding, tenant = heapq.heappop(line)
        grants[tenant] += 1
        free -= 1
        if grants[tenant] < room[tenant]:
            heapq.heappush(line, (holding + 1, tenant))
    return grants

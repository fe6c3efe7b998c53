"""Voice calls: one phone call placed or answered by an agent."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Any
from uuid import UUID

import attrs

from domain.errors import InvalidStateTransition, InvariantViolation
from domain.ids import AgentId, CallId, LeadId, PhoneNumberId, TenantId, VoiceId
from domain.values import json_object


class CallDirection(enum.StrEnum):
    """Who called: `outbound`, placed by us; `inbound`, a caller to one of our numbers."""

    OUTBOUND = "outbound"
    INBOUND = "inbound"


class ContentKind(enum.StrEnum):
    """What a call holds of what was said and recorded, each kept for its own time."""

    TRANSCRIPT = "transcript"
    """The transcript, summary, analysis and the report's artifacts other than recordings."""
    RECORDING = "recording"
    """Links to the call's audio: the recording URL, the artifacts' recordings and the
    links in the provider's record."""
    PROVIDER_RECORD = "provider_record"
    """The provider's own record of the call (`vapi_data`)."""


@attrs.frozen
class Keeping:
    """What a new call may keep: its recording (the plan's `recordings`) and what was said
    (the tenant's retention); a call that may keep neither asks the provider to keep
    nothing either."""

    record: bool = True
    store: bool = True

    def apply(self, call: VoiceCall) -> None:
        call.recording_enabled = self.record
        call.content_stored = self.store


ERASED_NUMBER = "erased"
"""What a call shows as the number it called once the person's data was erased."""


class CallStatus(enum.StrEnum):
    """Vapi's call statuses, plus ours: `failed` (the provider refused to place it) and
    `unknown` (its creation's outcome is not known yet; the reconciler finds out)."""

    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    FORWARDING = "forwarding"
    ENDED = "ended"
    FAILED = "failed"
    UNKNOWN = "unknown"


@attrs.define
class VoiceCall:
    id: CallId
    tenant_id: TenantId
    direction: CallDirection
    status: CallStatus
    to_number: str
    created_at: datetime
    updated_at: datetime
    agent_id: AgentId | None = None
    lead_id: LeadId | None = None
    voice_id: VoiceId | None = None
    from_number_id: PhoneNumberId | None = None
    ended_reason: str | None = None
    vapi_call_id: str | None = None
    vapi_data: dict[str, Any] = attrs.field(factory=dict)
    transcription: dict[str, Any] | None = None
    recording_url: str | None = None
    summary: str | None = None
    analysis: dict[str, Any] | None = None
    cost: Decimal | None = None
    cost_breakdown: dict[str, Any] | None = None
    call_duration: int | None = None
    batch_id: UUID | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    idempotency_key: str | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict, validator=json_object)
    error: str | None = None
    """Why the provider did not take the call, why its outcome is not known, or why it
    ended without a report."""
    caller_number: str | None = None
    """Inbound calls: who called (E.164), as recorded when the call was answered; None for
    outbound calls and for callers who withheld their number."""
    artifacts: dict[str, Any] | None = None
    """What the report brought besides the transcript (see `EndOfCallReport.artifacts`)."""
    recording_enabled: bool = True
    """Whether the call may keep its recording (the tenant's plan, when it was placed): a
    call that may not keeps no recording link from any report or record."""
    version: int = 0
    content_purged_at: datetime | None = None
    """When content (`purged_content`) was last deleted; its cost, duration, outcome and
    usage stay."""
    purged_content: list[ContentKind] = attrs.field(factory=list)
    """The kinds of content deleted (by age, on demand, or as they came when not stored),
    in the order they went."""
    content_stored: bool = True
    """Whether the call keeps what was said (the tenant's retention when it was placed, or
    since): a call that does not keeps only its outcome, cost, duration and usage."""

    @property
    def reported(self) -> bool:
        """Whether the end-of-call report has been applied (it always brings a transcript,
        unless the transcript was deleted since, or not stored: the call stays reported)."""
        return self.transcription is not None or ContentKind.TRANSCRIPT in self.purged_content

    @property
    def finished(self) -> bool:
        """Nothing more will happen on the line: ended, or never placed."""
        return self.status in (CallStatus.ENDED, CallStatus.FAILED)

    @property
    def settled(self) -> bool:
        """Nothing more will be learnt about it: reported, or never placed."""
        return self.reported or self.status is CallStatus.FAILED

    @property
    def live(self) -> bool:
        """On the line at the provider, or about to be: the provider took it (we have its
        id) and has not said it ended. A call whose creation is not known yet is not."""
        return self.vapi_call_id is not None and self.status in LIVE_STATUSES

    def holds(self, kind: ContentKind) -> bool:
        """Whether the call holds content of `kind`."""
        if kind is ContentKind.TRANSCRIPT:
            return (
                self.transcription is not None
                or self.summary is not None
                or self.analysis is not None
                or bool(_without_recordings_key(self.artifacts))
            )
        if kind is ContentKind.RECORDING:
            return (
                self.recording_url is not None
                or "recordings" in (self.artifacts or {})
                or without_recordings(self.vapi_data) != self.vapi_data
            )
        return bool(self.vapi_data)

    def purge(self, kinds: Iterable[ContentKind], at: datetime) -> list[ContentKind]:
        """Delete the `kinds` of content of a finished call, keep what it cost and how it
        went; the kinds it held. A call not finished has content yet to come."""
        if not self.finished:
            raise InvalidStateTransition(
                f"the call is {self.status.value}: its content is deleted once it has ended",
                field="status",
            )
        held = [kind for kind in ContentKind if kind in set(kinds) and self.holds(kind)]
        for kind in held:
            _PURGES[kind](self)
            if kind not in self.purged_content:
                self.purged_content.append(kind)
        if held:
            self.content_purged_at = at
            self.updated_at = max(self.updated_at, at)
        return held

    def purge_content(self, at: datetime) -> list[ContentKind]:
        """`purge` of every kind; the call is marked purged even when it held nothing, so
        nothing that comes later is kept."""
        held = self.purge(ContentKind, at)
        self.purged_content += [k for k in ContentKind if k not in self.purged_content]
        self.content_purged_at = at
        self.updated_at = max(self.updated_at, at)
        return held

    def forget_party(self, number: str, at: datetime) -> None:
        """Keep nothing of who was on the other end (a data subject's erasure): the lead,
        `number` where the call was to it (it becomes ERASED_NUMBER) or from it, the
        metadata and idempotency key given when it was placed."""
        self.lead_id = None
        if self.to_number == number:
            self.to_number = ERASED_NUMBER
        self.caller_number = None
        self.metadata = {}
        self.idempotency_key = None
        self.updated_at = max(self.updated_at, at)

    def stop_storing_content(self, at: datetime) -> bool:
        """From now on the call keeps nothing of what was said; True when that changed."""
        if not self.content_stored:
            return False
        self.content_stored = False
        self.updated_at = max(self.updated_at, at)
        return True

    def require_live(self) -> str:
        """The provider's id of the call, which must be live (CallNotLive otherwise)."""
        if not self.live or self.vapi_call_id is None:
            raise CallNotLive(self.id, self.status)
        return self.vapi_call_id


LIVE_STATUSES = frozenset(
    {CallStatus.QUEUED, CallStatus.RINGING, CallStatus.IN_PROGRESS, CallStatus.FORWARDING}
)


class CallNotLive(InvariantViolation):
    """The call is not on the line: it ended, failed, or the provider never took it."""

    code = "call-not-live"

    def __init__(self, call_id: CallId, status: CallStatus) -> None:
        super().__init__(
            f"call {call_id} is not live: the provider has not placed it yet (it is "
            f"{status}, without a provider call id)"
            if status in LIVE_STATUSES
            else f"call {call_id} is not live (it is {status}): only a call the provider "
            "has placed and not yet ended can be ended"
        )
        self.call_id = call_id
        self.status = status


# Longer than any phone call: a duration past it comes from wrong times, and is not kept.
MAX_CALL_SECONDS = 7 * 24 * 3600

# A call only moves forward: a late or repeated message never takes it back. Our own
# states sit outside Vapi's order: `unknown` yields to anything Vapi says, `failed` (Vapi
# never took the call) to nothing.
_RANK = {
    CallStatus.UNKNOWN: -1,
    CallStatus.QUEUED: 0,
    CallStatus.RINGING: 1,
    CallStatus.IN_PROGRESS: 2,
    CallStatus.FORWARDING: 3,
    CallStatus.ENDED: 4,
    CallStatus.FAILED: 5,
}

_PROVIDER_STATUSES = {
    "scheduled": CallStatus.QUEUED,
    "queued": CallStatus.QUEUED,
    "ringing": CallStatus.RINGING,
    "in-progress": CallStatus.IN_PROGRESS,
    "forwarding": CallStatus.FORWARDING,
    "ended": CallStatus.ENDED,
}


def provider_status(value: str) -> CallStatus | None:
    """Our status for one of Vapi's; None for the ones that say nothing about the call's
    progress (`not-found`, `deletion-failed`, anything new)."""
    return _PROVIDER_STATUSES.get(value)


class UsageKind(enum.StrEnum):
    """What an AI usage row paid for."""

    TRANSPORT = "transport"
    STT = "stt"
    LLM = "llm"
    TTS = "tts"
    PLATFORM = "platform"
    ANALYSIS = "analysis"
    OTHER = "other"


@attrs.frozen
class UsageItem:
    """One line of a call's cost: a provider's work and its price (USD)."""

    kind: UsageKind
    cost: Decimal
    item_type: str
    """The provider's own name for the line (Vapi's `costs[].type`)."""
    provider: str | None = None
    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    characters: int | None = None
    seconds: int | None = None
    """Whole seconds of line or audio billed (`minutes` has them exactly)."""
    cached_prompt_tokens: int | None = None
    """Prompt tokens served from the provider's cache (part of `prompt_tokens`)."""
    reasoning_tokens: int | None = None
    prompt_audio_tokens: int | None = None
    """Prompt tokens of audio (voicemail detection); `prompt_tokens` has its text tokens."""
    completion_audio_tokens: int | None = None
    """Completion tokens of audio (voicemail detection); `completion_tokens` has its text."""
    minutes: Decimal | None = None
    """Minutes billed, exactly as the provider counted them."""


@attrs.frozen
class AiUsage:
    """One usage row of a call (the seed's AI_USAGE linked to VOICE_CALLS)."""

    id: UUID
    tenant_id: TenantId
    call_id: CallId
    item: UsageItem
    occurred_at: datetime


def usage_cost(rows: Iterable[AiUsage]) -> Decimal:
    """What a call's usage rows add up to, exactly (amounts of 20 places and more add up
    past the 28 digits of the default context)."""
    with localcontext(prec=200):
        return sum((row.item.cost for row in rows), Decimal(0))


@attrs.frozen
class EndOfCallReport:
    """What Vapi reports once a call is over (its end-of-call report, or a polled call)."""

    ended_reason: str
    started_at: datetime | None = None
    ended_at: datetime | None = None
    transcript: str | None = None
    messages: tuple[dict[str, Any], ...] = ()
    recording_url: str | None = None
    summary: str | None = None
    analysis: dict[str, Any] | None = None
    cost: Decimal | None = None
    cost_breakdown: dict[str, Any] | None = None
    usage: tuple[UsageItem, ...] = ()
    duration: int | None = None
    """How long the call lasted, in seconds, as the provider measured it (sent even when the
    call was never answered and has no start time); None when it did not say."""
    artifacts: dict[str, Any] | None = None
    """The rest of what users look for, as JSON: `recordings` (`mono`, `stereo`, `assistant`,
    `customer` links), `structured_outputs`, `transfers`, `log_url`; absent keys were not
    sent."""


def _advance(call: VoiceCall, status: CallStatus, ended_reason: str | None, at: datetime) -> bool:
    if call.status is CallStatus.FAILED:
        return False  # Vapi never took it: nothing it says can be about this call
    changed = False
    if (
        status is CallStatus.ENDED
        and not call.reported
        and (call.ended_at is None or at < call.ended_at)
    ):
        # The call ended when Vapi said so (the earliest of its ended updates, whatever
        # their order): the end time until the report brings its own.
        call.ended_at = at
        changed = True
    if _RANK[status] > _RANK[call.status]:
        if call.status is CallStatus.UNKNOWN:
            call.error = None  # the provider has the call after all
        call.status = status
        changed = True
    if status is CallStatus.ENDED and ended_reason and not call.reported:
        # Before the report, the status update's reason stands; the larger of two differing
        # ones keeps the outcome independent of their order.
        reason = max(call.ended_reason or "", ended_reason)
        changed = changed or reason != call.ended_reason
        call.ended_reason = reason
    return changed


def _report(call: VoiceCall, report: EndOfCallReport) -> bool:
    if call.reported or call.status is CallStatus.FAILED:
        return False  # sent once by Vapi; a repeat (or a poll after it) changes nothing
    call.status = CallStatus.ENDED
    call.ended_reason = report.ended_reason
    call.started_at = report.started_at or call.started_at
    call.ended_at = report.ended_at or call.ended_at
    call.transcription = {"text": report.transcript or "", "messages": list(report.messages)}
    call.recording_url = report.recording_url if call.recording_enabled else None
    call.artifacts = (
        report.artifacts if call.recording_enabled else without_recordings(report.artifacts)
    )
    call.summary = report.summary
    call.analysis = report.analysis
    call.cost = report.cost
    call.cost_breakdown = report.cost_breakdown
    # The provider's own measure first: it has one for calls never answered (no start time).
    if report.duration is not None:
        call.call_duration = (
            report.duration if 0 <= report.duration <= MAX_CALL_SECONDS else call.call_duration
        )
    elif call.started_at is not None and call.ended_at is not None:
        seconds = max(0, round((call.ended_at - call.started_at).total_seconds()))
        call.call_duration = seconds if seconds <= MAX_CALL_SECONDS else None
    return True


def advance(
    call: VoiceCall, status: CallStatus, at: datetime, *, ended_reason: str | None = None
) -> bool:
    """Apply a status update; True when the call changed."""
    changed = _advance(call, status, ended_reason, at)
    if changed:
        call.updated_at = max(call.updated_at, at)
    return changed


def record_report(call: VoiceCall, report: EndOfCallReport, at: datetime) -> bool:
    """Apply the end-of-call report; True when the call changed (the first time only)."""
    changed = _report(call, report)
    if changed:
        call.updated_at = max(call.updated_at, at)
        if not call.content_stored:
            call.purge_content(at)  # not stored: deleted as it came, the call stays reported
    return changed


def record_provider_id(call: VoiceCall, provider_call_id: str, at: datetime) -> bool:
    """Link the call to the provider's; the first id recorded stays."""
    if call.vapi_call_id is not None:
        return False
    call.vapi_call_id = provider_call_id
    if call.status is CallStatus.UNKNOWN:
        call.error = None  # the provider has the call after all
    call.updated_at = max(call.updated_at, at)
    return True


def fail(call: VoiceCall, reason: str, error: str, at: datetime) -> bool:
    """The provider never took the call. Only a call it has not reported on can fail."""
    if call.vapi_call_id is not None or call.finished:
        return False
    call.status = CallStatus.FAILED
    call.ended_reason = reason
    call.error = error
    call.ended_at = at
    call.updated_at = max(call.updated_at, at)
    return True


def cut_off(call: VoiceCall, reason: str, error: str, at: datetime) -> bool:
    """The provider lost the call before it ended and will never report on it (the sandbox
    keeps its calls in the process that stopped): the call is over, ended for `reason`. One
    the provider never took fails instead; a call already finished keeps its outcome."""
    if call.finished:
        return False
    if call.vapi_call_id is None:
        return fail(call, reason, error, at)
    call.status = CallStatus.ENDED
    call.ended_reason = reason
    call.error = error
    call.updated_at = max(call.updated_at, at)
    return True


def lose_track(call: VoiceCall, error: str, at: datetime) -> bool:
    """Whether the provider took the call is not known: the reconciler will find out."""
    if call.status is not CallStatus.QUEUED or call.vapi_call_id is not None:
        return False
    call.status = CallStatus.UNKNOWN
    call.error = error
    call.updated_at = max(call.updated_at, at)
    return True


# Where Vapi's records link to the call's audio: the artifact's `recording` object, the
# older links beside it, their presigned copies and the packet capture (its audio too).
_RECORDING_KEYS = (
    "recording",
    "recordingUrl",
    "stereoRecordingUrl",
    "videoRecordingUrl",
    "presignedMonoUrl",
    "presignedStereoUrl",
    "presignedVideoUrl",
    "presignedAssistantUrl",
    "presignedCustomerUrl",
    "pcapUrl",
    "presignedPcapUrl",
)


def without_recordings(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """`record` (ours or Vapi's) with every recording link taken out, at its top level and
    in its `artifact`; the rest as it was."""
    if record is None:
        return None
    kept = {k: v for k, v in record.items() if k not in (*_RECORDING_KEYS, "recordings")}
    artifact = record.get("artifact")
    if isinstance(artifact, dict):
        kept["artifact"] = {k: v for k, v in artifact.items() if k not in _RECORDING_KEYS}
    return kept


def _without_recordings_key(artifacts: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (artifacts or {}).items() if k != "recordings"}


def _purge_transcript(call: VoiceCall) -> None:
    call.transcription = None
    call.summary = None
    call.analysis = None
    recordings = (call.artifacts or {}).get("recordings")
    call.artifacts = {"recordings": recordings} if recordings is not None else None


def _purge_recording(call: VoiceCall) -> None:
    call.recording_url = None
    call.artifacts = _without_recordings_key(call.artifacts) or None
    call.vapi_data = without_recordings(call.vapi_data) or {}


def _purge_provider_record(call: VoiceCall) -> None:
    call.vapi_data = {}


_PURGES = {
    ContentKind.TRANSCRIPT: _purge_transcript,
    ContentKind.RECORDING: _purge_recording,
    ContentKind.PROVIDER_RECORD: _purge_provider_record,
}

# Of a call that stores no content, the provider's record keeps only what reaching the live
# call needs (its id and its control links), and nothing once the call is over.
_KEPT_WHEN_NOT_STORED = ("id", "monitor")


def update_vapi_data(call: VoiceCall, data: dict[str, Any], at: datetime, *, final: bool) -> bool:
    """Keep the provider's record of the call (the seed's updateCallVAPIData). The record
    that came with the report is final; earlier ones only stand in until it arrives. A call
    that may not keep its recording keeps the record without its links."""
    if not call.recording_enabled:
        data = without_recordings(data) or {}
    if not call.content_stored:
        data = {} if final else {k: data[k] for k in _KEPT_WHEN_NOT_STORED if k in data}
    if (call.reported and not final) or data == call.vapi_data:
        return False
    call.vapi_data = data
    call.updated_at = max(call.updated_at, at)
    return True


@attrs.frozen
class CallMilestones:
    """How far a call's life has gone, as its tenant's webhooks tell it: each milestone is
    announced once, when a change first reaches it."""

    started: bool
    ended: bool
    analyzed: bool
    failed: bool

    @classmethod
    def of(cls, call: VoiceCall) -> CallMilestones:
        return cls(
            started=call.status in (CallStatus.IN_PROGRESS, CallStatus.FORWARDING)
            or (call.status is CallStatus.ENDED and call.started_at is not None),
            ended=call.status is CallStatus.ENDED,
            analyzed=call.reported,
            failed=call.status is CallStatus.FAILED,
        )

    def reached_since(self, before: CallMilestones) -> list[str]:
        """The milestones reached now and not `before`, in the order of a call's life; none
        that comes before one reached already (a call's start learnt only from its report,
        after it was announced ended, is not announced)."""
        order = ("started", "ended", "analyzed", "failed")
        reached = []
        for place, milestone in enumerate(order):
            passed = any(getattr(before, later) for later in order[place:])
            if getattr(self, milestone) and not passed:
                reached.append(milestone)
        return reached

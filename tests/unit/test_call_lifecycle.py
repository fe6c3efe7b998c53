"""A call's state follows Vapi's messages forward only, and converges whatever their order."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calls import (
    MAX_CALL_SECONDS,
    CallDirection,
    CallStatus,
    ContentKind,
    EndOfCallReport,
    VoiceCall,
    advance,
    provider_status,
    record_report,
    update_vapi_data,
)
from domain.errors import InvalidStateTransition
from domain.ids import CallId, TenantId

T0 = datetime(2026, 11, 28, 12, tzinfo=UTC)
VAPI_STATUSES = ["scheduled", "queued", "ringing", "in-progress", "forwarding", "ended"]
ORDER = [CallStatus.QUEUED, CallStatus.RINGING, CallStatus.IN_PROGRESS]
ORDER += [CallStatus.FORWARDING, CallStatus.ENDED]


def a_call(status: CallStatus = CallStatus.QUEUED) -> VoiceCall:
    return VoiceCall(
        id=CallId(uuid4()),
        tenant_id=TenantId(uuid4()),
        direction=CallDirection.OUTBOUND,
        status=status,
        to_number="+14155550123",
        created_at=T0,
        updated_at=T0,
    )


def a_report(**fields: object) -> EndOfCallReport:
    values: dict[str, object] = {
        "ended_reason": "customer-ended-call",
        "started_at": T0 + timedelta(seconds=5),
        "ended_at": T0 + timedelta(seconds=95),
        "transcript": "AI: Hello\nUser: Hi",
        "messages": ({"role": "assistant", "message": "Hello"},),
        "recording_url": "https://storage.vapi.ai/rec.wav",
        "summary": "A short call.",
        "analysis": {"successEvaluation": "true"},
        "cost": Decimal("0.1234"),
        "cost_breakdown": {"total": 0.1234},
    }
    return EndOfCallReport(**{**values, **fields})  # type: ignore[arg-type]


def state(call: VoiceCall) -> dict[str, object]:
    return {k: v for k, v in attrs.asdict(call).items() if k != "updated_at"}


def test_vapi_statuses_map_to_ours_and_unknown_words_to_none():
    assert [provider_status(s) for s in VAPI_STATUSES] == [CallStatus.QUEUED, *ORDER]
    assert provider_status("not-found") is None
    assert provider_status("deletion-failed") is None
    assert provider_status("a-status-of-tomorrow") is None


def test_a_late_ringing_never_takes_an_ended_call_back():
    call = a_call()
    assert advance(call, CallStatus.ENDED, T0, ended_reason="customer-busy")

    assert not advance(call, CallStatus.RINGING, T0 + timedelta(seconds=1))

    assert (call.status, call.ended_reason) == (CallStatus.ENDED, "customer-busy")


def test_an_unknown_call_takes_any_status_and_a_failed_one_none():
    unknown = a_call(CallStatus.UNKNOWN)
    assert advance(unknown, CallStatus.QUEUED, T0)
    assert unknown.status is CallStatus.QUEUED

    failed = a_call(CallStatus.FAILED)
    before = state(failed)
    assert not advance(failed, CallStatus.ENDED, T0, ended_reason="customer-ended-call")
    assert not record_report(failed, a_report(), T0)
    assert state(failed) == before


def test_two_differing_ended_reasons_give_one_outcome_in_either_order():
    reasons = ["customer-busy", "voicemail"]
    outcomes = set()
    for order in (reasons, reasons[::-1]):
        call = a_call()
        for reason in order:
            advance(call, CallStatus.ENDED, T0, ended_reason=reason)
        outcomes.add(call.ended_reason)
    assert len(outcomes) == 1


def test_the_report_fills_the_call_once_and_its_reason_wins():
    call = a_call()
    advance(call, CallStatus.ENDED, T0, ended_reason="assistant-ended-call")

    assert record_report(call, a_report(), T0 + timedelta(seconds=100))

    assert call.status is CallStatus.ENDED
    assert call.ended_reason == "customer-ended-call"
    assert call.call_duration == 90
    assert call.transcription == {
        "text": "AI: Hello\nUser: Hi",
        "messages": [{"role": "assistant", "message": "Hello"}],
    }
    assert (call.cost, call.summary) == (Decimal("0.1234"), "A short call.")
    before = state(call)
    # Vapi sends the report once; a repeat, or a poll's report after it, changes nothing.
    assert not record_report(call, a_report(ended_reason="silence-timed-out"), T0)
    assert not advance(call, CallStatus.ENDED, T0, ended_reason="silence-timed-out")
    assert state(call) == before


status_updates = st.lists(
    st.tuples(
        st.sampled_from(ORDER),
        st.sampled_from([None, "customer-busy", "customer-did-not-answer", "voicemail"]),
    ),
    min_size=1,
    max_size=6,
)


@given(
    updates=status_updates,
    with_report=st.booleans(),
    data=st.data(),
)
def test_any_order_and_any_repeats_converge_to_the_ordered_outcome(updates, with_report, data):
    # Each message has its own time (a redelivery, the same): the call's end time is the
    # earliest `ended` update's until the report brings its own.
    events: list[tuple[str, object, datetime]] = [
        ("status", u, T0 + timedelta(seconds=i)) for i, u in enumerate(updates)
    ]
    if with_report:
        events.append(("report", a_report(), T0 + timedelta(seconds=100)))

    def apply(call: VoiceCall, sequence: list[tuple[str, object, datetime]]) -> VoiceCall:
        for kind, event, at in sequence:
            if kind == "report":
                assert isinstance(event, EndOfCallReport)
                record_report(call, event, at)
            else:
                status, reason = event  # type: ignore[misc]
                advance(call, status, at, ended_reason=reason)
        return call

    ordered = sorted(
        events, key=lambda e: (e[0] == "report", ORDER.index(e[1][0]) if e[0] == "status" else 0)
    )
    base = a_call()
    expected = state(apply(copy.deepcopy(base), ordered))
    repeats = data.draw(st.lists(st.integers(1, 3), min_size=len(events), max_size=len(events)))
    delivered = [e for e, n in zip(events, repeats, strict=True) for _ in range(n)]
    shuffled = data.draw(st.permutations(delivered))

    assert state(apply(copy.deepcopy(base), list(shuffled))) == expected


# --- regressions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("started", "ended", "duration"),
    [
        (T0, T0 + timedelta(seconds=MAX_CALL_SECONDS), MAX_CALL_SECONDS),
        (T0, T0 + timedelta(seconds=MAX_CALL_SECONDS + 1), None),
        (T0, T0 + timedelta(days=365 * 150), None),
        (datetime(2000, 1, 1, tzinfo=UTC), datetime(2199, 12, 31, tzinfo=UTC), None),
    ],
    ids=["the longest call", "a second longer", "150 years", "2000 to 2199"],
)
def test_a_report_whose_times_are_further_apart_than_any_call_keeps_no_duration(
    started, ended, duration
):
    """Wrong times must not make a call of years: its minutes count against the plan's
    monthly minutes, and the column is an INTEGER."""
    call = a_call()

    assert record_report(call, a_report(started_at=started, ended_at=ended), T0)

    assert call.call_duration == duration
    assert (call.status, call.started_at, call.ended_at) == (CallStatus.ENDED, started, ended)


def _links(value: object) -> list[str]:
    if isinstance(value, dict):
        return [link for v in value.values() for link in _links(v)]
    if isinstance(value, list | tuple):
        return [link for v in value for link in _links(v)]
    return [value] if isinstance(value, str) and value.startswith("https://") else []


def test_a_call_that_may_not_be_recorded_keeps_no_link_to_its_audio() -> None:
    call = a_call()
    call.recording_enabled = False
    outputs = {"so-1": {"name": "callback", "result": {"day": "Tuesday"}}}
    report = a_report(
        artifacts={
            "recordings": {"mono": "https://storage.vapi.ai/m.wav"},
            "structured_outputs": outputs,
        }
    )
    record = {
        "id": "vapi-1",
        "recordingUrl": "https://storage.vapi.ai/m.wav",
        "artifact": {
            "recording": {"stereoUrl": "https://storage.vapi.ai/s.wav"},
            "presignedMonoUrl": "https://storage.vapi.ai/p.wav",
            "pcapUrl": "https://storage.vapi.ai/c.pcap",
            "transcript": "AI: Hello",
        },
    }

    assert record_report(call, report, T0 + timedelta(seconds=100))
    assert update_vapi_data(call, record, T0 + timedelta(seconds=100), final=True)

    assert call.recording_url is None
    assert call.artifacts == {"structured_outputs": outputs}
    assert call.vapi_data == {"id": "vapi-1", "artifact": {"transcript": "AI: Hello"}}
    assert _links(attrs.asdict(call)) == []


def test_a_call_that_may_be_recorded_keeps_its_links() -> None:
    call = a_call()
    links = {"mono": "https://storage.vapi.ai/m.wav", "stereo": "https://storage.vapi.ai/s.wav"}

    record_report(call, a_report(artifacts={"recordings": links}), T0 + timedelta(seconds=100))

    assert call.recording_url == "https://storage.vapi.ai/rec.wav"
    assert call.artifacts == {"recordings": links}


# --- the call's end time and duration ----------------------------------------------------------


def test_an_ended_status_update_dates_the_end_of_the_call():
    call = a_call(CallStatus.IN_PROGRESS)
    ended = T0 + timedelta(seconds=40)

    assert advance(call, CallStatus.ENDED, ended, ended_reason="customer-ended-call")

    assert call.ended_at == ended
    # An earlier `ended` update, delivered late, is the better time; a later one is not.
    assert advance(call, CallStatus.ENDED, ended - timedelta(seconds=1))
    assert not advance(call, CallStatus.ENDED, ended + timedelta(seconds=5))
    assert call.ended_at == ended - timedelta(seconds=1)


def test_a_status_update_before_the_end_leaves_no_end_time():
    call = a_call()

    for status in ORDER[:-1]:
        advance(call, status, T0 + timedelta(seconds=ORDER.index(status)))

    assert call.ended_at is None


def test_the_reports_end_time_wins_over_the_status_updates():
    call = a_call()
    advance(call, CallStatus.ENDED, T0 + timedelta(seconds=97))

    record_report(call, a_report(), T0 + timedelta(seconds=100))

    assert call.ended_at == T0 + timedelta(seconds=95)
    assert not advance(call, CallStatus.ENDED, T0 + timedelta(seconds=90))
    assert call.ended_at == T0 + timedelta(seconds=95)


def test_a_report_without_an_end_time_keeps_the_status_updates():
    call = a_call()
    advance(call, CallStatus.ENDED, T0 + timedelta(seconds=97))

    record_report(call, a_report(ended_at=None), T0 + timedelta(seconds=100))

    assert call.ended_at == T0 + timedelta(seconds=97)
    assert call.call_duration == 92  # from the report's start to the update's end


def test_a_call_never_answered_takes_its_duration_from_the_report():
    """No `startedAt` (nobody answered), yet Vapi measured the call (`durationMs`)."""
    call = a_call(CallStatus.RINGING)
    advance(call, CallStatus.ENDED, T0 + timedelta(seconds=31), ended_reason="customer-busy")

    record_report(call, a_report(started_at=None, ended_at=None, duration=32), T0)

    assert call.started_at is None
    assert call.ended_at == T0 + timedelta(seconds=31)
    assert call.call_duration == 32


def test_the_reports_duration_wins_over_its_times():
    call = a_call()

    record_report(call, a_report(duration=88), T0)

    assert call.call_duration == 88  # not the 90 seconds between its times


@pytest.mark.parametrize("duration", [MAX_CALL_SECONDS + 1, -1])
def test_an_unbelievable_reported_duration_is_not_kept(duration):
    call = a_call()

    record_report(call, a_report(started_at=None, duration=duration), T0)

    assert call.call_duration is None


# --- deleting a call's content --------------------------------------------------------------


def test_a_reported_calls_content_goes_and_a_late_report_brings_none_back() -> None:
    call = a_call(CallStatus.IN_PROGRESS)
    record_report(call, a_report(), T0 + timedelta(minutes=2))
    call.vapi_data = {"id": "vapi-1", "artifact": {"transcript": "AI: Hello"}}
    kept = (call.status, call.ended_reason, call.cost, call.cost_breakdown, call.call_duration)

    held = call.purge_content(T0 + timedelta(days=1))

    assert held == [ContentKind.TRANSCRIPT, ContentKind.RECORDING, ContentKind.PROVIDER_RECORD]
    assert (call.transcription, call.recording_url, call.summary, call.analysis) == (
        None,
        None,
        None,
        None,
    )
    assert (call.artifacts, call.vapi_data) == (None, {})
    assert (call.status, call.ended_reason, call.cost, call.cost_breakdown, call.call_duration) == (
        kept
    )
    assert (call.reported, call.settled, call.content_purged_at) == (
        True,
        True,
        T0 + timedelta(days=1),
    )
    # The report sent again (a replay, a poll) does not bring the content back.
    assert record_report(call, a_report(), T0 + timedelta(days=2)) is False
    assert call.transcription is None
    assert call.purge_content(T0 + timedelta(days=3)) == []


@pytest.mark.parametrize(
    "status", [CallStatus.QUEUED, CallStatus.RINGING, CallStatus.IN_PROGRESS, CallStatus.UNKNOWN]
)
def test_a_call_not_finished_keeps_its_content_to_come(status: CallStatus) -> None:
    call = a_call(status)
    before = attrs.evolve(call)
    with pytest.raises(InvalidStateTransition):
        call.purge_content(T0)
    assert call == before

"""Vapi's Server URL messages (webhooks) and Call records, read into the application's terms.

Vapi sends `{"message": {"type": …, …}}`. We read what we need and keep the whole message;
fields are optional everywhere, since Vapi's schema marks almost nothing required and
unknown values must be stored as they come.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

import msgspec

from application.call_events import (
    CallReported,
    Event,
    InboundCallRequest,
    ProviderMessage,
    StatusChanged,
    ToolCall,
    ToolCallRequest,
)
from application.ports.calls import CallRoute
from domain.calls import EndOfCallReport, UsageItem, UsageKind
from domain.ids import CallId

MAX_DEDUPE_KEY = 512


class MalformedMessage(ValueError):
    """Not a Vapi Server URL message at all (nothing to store)."""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# What the usage columns hold (BIGINT, NUMERIC(12, 6)): larger values are not believable
# counts or prices, and are left out rather than failing the whole report.
MAX_COUNT = 2**63 - 1
MAX_AMOUNT = Decimal(10**6)


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        count = round(value)
    except (OverflowError, ValueError):  # infinity, NaN
        return None
    return count if abs(count) <= MAX_COUNT else None


def _money(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        amount = Decimal(str(value))
        # As the column will round it: 999999.9999999 would become a million, too large.
        stored = amount.quantize(Decimal("0.000001")) if amount.is_finite() else None
    except InvalidOperation:
        return None
    return amount if stored is not None and abs(stored) < MAX_AMOUNT else None


# Times outside these years are not a real call's; they are left out (and date arithmetic
# on them could overflow).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MAX_TEXT = 255  # ended reasons and provider ids: what the columns hold


def _believable(at: datetime) -> datetime | None:
    return at if EARLIEST <= at < LATEST else None


def _instant(value: Any) -> datetime | None:
    """An ISO 8601 time as Vapi writes them; None when absent, unreadable or absurd."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _believable(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def _epoch_ms(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return _believable(datetime.fromtimestamp(value / 1000, UTC))
    except (OverflowError, OSError, ValueError):
        return None


def _short(value: Any) -> str | None:
    """A reason or id: longer than a column holds is not one Vapi would send; cut it."""
    text = _text(value)
    return text[:MAX_TEXT] if text else None


def _our_call_id(call: dict[str, Any]) -> CallId | None:
    """Our id: the call's `name` (set at creation), else its metadata."""
    metadata = _dict(_dict(call.get("assistantOverrides")).get("metadata"))
    for candidate in (call.get("name"), metadata.get("call_id")):
        if isinstance(candidate, str):
            try:
                return CallId(UUID(candidate))
            except ValueError:
                continue
    return None


def call_route(call: dict[str, Any]) -> CallRoute:
    provider_id = _text(call.get("id"))
    return CallRoute(
        call_id=_our_call_id(call),
        provider_call_id=provider_id if provider_id and len(provider_id) <= MAX_TEXT else None,
    )


def _seconds(minutes: Any) -> int | None:
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)):
        return None
    return _int(minutes * 60)


def _usage_of_cost(item: dict[str, Any]) -> UsageItem:
    """One `costs[]` item of a call."""
    kind_of: dict[str, UsageKind] = {
        "transport": UsageKind.TRANSPORT,
        "transcriber": UsageKind.STT,
        "model": UsageKind.LLM,
        "voice": UsageKind.TTS,
        "vapi": UsageKind.PLATFORM,
        "analysis": UsageKind.ANALYSIS,
        "voicemail-detection": UsageKind.ANALYSIS,
    }
    item_type = _text(item.get("type")) or "unknown"
    kind = kind_of.get(item_type, UsageKind.OTHER)
    # Each type names its provider in its own nested object.
    nested = _dict(
        item.get({"transcriber": "transcriber", "voice": "voice"}.get(item_type, "model"))
    )
    provider = _text(nested.get("provider")) or _text(item.get("provider"))
    model = _text(nested.get("model")) or _text(nested.get("voiceId"))
    if item_type == "vapi":
        provider, model = "vapi", _text(item.get("subType"))
    elif item_type == "analysis":
        model = model or _text(item.get("analysisType"))
    return UsageItem(
        kind=kind,
        cost=_money(item.get("cost")) or Decimal(0),
        item_type=item_type[:50],
        provider=provider[:100] if provider else None,
        model=model[:255] if model else None,
        prompt_tokens=_int(item.get("promptTokens")),
        completion_tokens=_int(item.get("completionTokens")),
        characters=_int(item.get("characters")),
        seconds=_seconds(item.get("minutes")),
    )


_BREAKDOWN_KINDS = (
    ("transport", UsageKind.TRANSPORT),
    ("stt", UsageKind.STT),
    ("llm", UsageKind.LLM),
    ("tts", UsageKind.TTS),
    ("vapi", UsageKind.PLATFORM),
)


def _usage_of_breakdown(breakdown: dict[str, Any]) -> list[UsageItem]:
    """Usage from `costBreakdown`, for records without `costs[]`."""
    items = []
    for field, kind in _BREAKDOWN_KINDS:
        cost = _money(breakdown.get(field))
        if cost is None:
            continue
        llm = kind is UsageKind.LLM
        items.append(
            UsageItem(
                kind=kind,
                cost=cost,
                item_type=field,
                prompt_tokens=_int(breakdown.get("llmPromptTokens")) if llm else None,
                completion_tokens=_int(breakdown.get("llmCompletionTokens")) if llm else None,
                characters=_int(breakdown.get("ttsCharacters")) if kind is UsageKind.TTS else None,
            )
        )
    analysis = _dict(breakdown.get("analysisCostBreakdown"))
    analysis_total = sum(
        (c for k, v in analysis.items() if not k.endswith("Tokens") and (c := _money(v))),
        Decimal(0),
    )
    analysis_cost = _money(str(analysis_total))
    if analysis_cost:
        items.append(UsageItem(kind=UsageKind.ANALYSIS, cost=analysis_cost, item_type="analysis"))
    return items


def _recording_url(artifact: dict[str, Any], message: dict[str, Any]) -> str | None:
    recording = _dict(artifact.get("recording"))
    for candidate in (
        _dict(recording.get("mono")).get("combinedUrl"),
        recording.get("stereoUrl"),
        artifact.get("recordingUrl"),
        message.get("recordingUrl"),
    ):
        if _text(candidate):
            return str(candidate)
    return None


def call_report(call: dict[str, Any], message: dict[str, Any] | None = None) -> EndOfCallReport:
    """The report of an ended call: from an end-of-call-report `message` (with its `call`),
    or from a Call record alone (a polled call)."""
    source = message if message is not None else call
    artifact = _dict(source.get("artifact")) or _dict(call.get("artifact"))
    analysis = _dict(source.get("analysis")) or _dict(call.get("analysis"))
    breakdown = _dict(call.get("costBreakdown")) or _dict(source.get("costBreakdown"))
    costs = source.get("costs") if isinstance(source.get("costs"), list) else call.get("costs")
    usage = (
        [_usage_of_cost(_dict(item)) for item in costs if isinstance(item, dict)]
        if isinstance(costs, list) and costs
        else _usage_of_breakdown(breakdown)
    )
    messages = artifact.get("messages")
    cost = _money(source.get("cost"))
    return EndOfCallReport(
        ended_reason=_short(source.get("endedReason"))
        or _short(call.get("endedReason"))
        or "unknown",
        started_at=_instant(source.get("startedAt")) or _instant(call.get("startedAt")),
        ended_at=_instant(source.get("endedAt")) or _instant(call.get("endedAt")),
        transcript=_text(artifact.get("transcript")) or _text(source.get("transcript")),
        messages=tuple(m for m in messages if isinstance(m, dict))
        if isinstance(messages, list)
        else (),
        recording_url=_recording_url(artifact, source),
        summary=_text(analysis.get("summary")) or _text(source.get("summary")),
        analysis=analysis or None,
        cost=cost if cost is not None else _money(call.get("cost")),
        cost_breakdown=breakdown or None,
        usage=tuple(usage),
    )


def _dedupe_key(kind: str, provider_call_id: str | None, *parts: object) -> str:
    key = ":".join([kind, provider_call_id or "-", *(str(p) for p in parts)])
    if len(key) <= MAX_DEDUPE_KEY:
        return key
    return f"{kind[:64]}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def _status_update(message: dict[str, Any], _call: dict[str, Any]) -> Event | None:
    status = _text(message.get("status"))
    if status is None:
        return None
    return StatusChanged(status=status[:50], ended_reason=_short(message.get("endedReason")))


def _report(message: dict[str, Any], call: dict[str, Any]) -> Event | None:
    return CallReported(call_report(call, message))


def _assistant_request(message: dict[str, Any], call: dict[str, Any]) -> Event | None:
    line = _dict(message.get("phoneNumber")) or _dict(call.get("phoneNumber"))
    customer = _dict(message.get("customer")) or _dict(call.get("customer"))
    return InboundCallRequest(
        called=_text(line.get("number")),
        caller=_text(customer.get("number")),
        provider_number_id=_text(call.get("phoneNumberId")) or _text(line.get("id")),
    )


def _tool_calls(message: dict[str, Any], _call: dict[str, Any]) -> Event | None:
    calls = []
    listed = message.get("toolCallList") or message.get("toolCalls") or []
    for item in listed if isinstance(listed, list) else []:
        item = _dict(item)
        function = _dict(item.get("function"))
        calls.append(
            ToolCall(id=_text(item.get("id")) or "", name=_text(function.get("name")) or "")
        )
    return ToolCallRequest(tuple(calls))


_EVENTS: dict[str, Callable[[dict[str, Any], dict[str, Any]], Event | None]] = {
    "status-update": _status_update,
    "end-of-call-report": _report,
    "assistant-request": _assistant_request,
    "tool-calls": _tool_calls,
}


def parse_message(body: bytes, received_at: datetime) -> ProviderMessage:
    """One Server URL message; MalformedMessage when the body is not one."""
    try:
        payload = msgspec.json.decode(body)
    except msgspec.DecodeError as error:
        raise MalformedMessage(f"the body is not JSON: {error}") from None
    except RecursionError:
        raise MalformedMessage("the body nests too deep") from None
    return read_message(payload, received_at)


def read_message(payload: Any, received_at: datetime) -> ProviderMessage:
    message = payload.get("message") if isinstance(payload, dict) else None
    if not isinstance(message, dict) or not _text(message.get("type")):
        raise MalformedMessage('a Vapi message is {"message": {"type": …}}')
    kind = str(message["type"])[:100]
    call = _dict(message.get("call"))
    route = call_route(call)
    at = _epoch_ms(message.get("timestamp")) or received_at
    event = _EVENTS[kind](message, call) if kind in _EVENTS else None
    if isinstance(event, StatusChanged):
        key = _dedupe_key(kind, route.provider_call_id, event.status, event.ended_reason or "")
    elif kind in ("end-of-call-report", "assistant-request") and route.provider_call_id:
        key = _dedupe_key(kind, route.provider_call_id)
    elif "timestamp" in message and route.provider_call_id:
        key = _dedupe_key(kind, route.provider_call_id, message.get("timestamp"))
    else:
        key = _dedupe_key(kind, None, hashlib.sha256(msgspec.json.encode(payload)).hexdigest())
    return ProviderMessage(
        type=kind,
        dedupe_key=key,
        payload=payload,
        at=at,
        route=route,
        event=event,
        call_data=call or None,
    )

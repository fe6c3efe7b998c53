"""Vapi's Server URL messages (webhooks) and Call records, read into the application's terms.

Vapi sends `{"message": {"type": …, …}}`. We read what we need and keep the whole message;
fields are optional everywhere, since Vapi's schema marks almost nothing required and
unknown values must be stored as they come.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, InvalidOperation
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


# Believable counts and prices: a count a BIGINT column holds; an amount under a million
# dollars with at most 20 decimal places (Vapi's floats have 17 significant digits, and a
# float like 5e-324 is no price). Other values are left out rather than failing the report.
MAX_COUNT = 2**63 - 1
MAX_PLACES = 20
# Enough digits that sums of believable amounts are never rounded (the default has 28).
EXACT = Context(prec=200, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation])


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        count = round(value)
    except (OverflowError, ValueError):  # infinity, NaN
        return None
    return count if abs(count) <= MAX_COUNT else None


def _decimal(value: Any) -> Decimal | None:
    """A JSON number (or a decimal text) as the exact decimal it is written as: a float
    becomes the shortest decimal that reads back as it (7.275e-05 is 0.00007275), never
    its binary expansion. None when it is no finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _money(value: Any) -> Decimal | None:
    """An amount in USD, to every digit sent (never rounded); None when unbelievable."""
    amount = _decimal(value)
    if amount is None or (amount != 0 and amount.adjusted() >= 6):  # a million or more
        return None
    if amount == 0:
        return Decimal(0)
    exponent = amount.as_tuple().exponent
    return amount if isinstance(exponent, int) and exponent >= -MAX_PLACES else None


def _sum(amounts: Iterable[Decimal]) -> Decimal:
    """The exact sum of `amounts` (never rounded to the default context's 28 digits)."""
    total = Decimal(0)
    for amount in amounts:
        total = EXACT.add(total, amount)
    return total


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


def _minutes(value: Any) -> Decimal | None:
    """Minutes billed, exactly as sent; None when they are no believable count."""
    minutes = _decimal(value) if isinstance(value, (int, float)) else None
    if minutes is None or (minutes != 0 and minutes.adjusted() >= 12):
        return None
    exponent = minutes.as_tuple().exponent
    return minutes if isinstance(exponent, int) and exponent >= -MAX_PLACES else None


def _seconds(minutes: Decimal | None) -> int | None:
    """Whole seconds of `minutes` (rounded half to even, as `round` does)."""
    return None if minutes is None else _int(round(EXACT.multiply(minutes, Decimal(60))))


# Each `costs[]` type (Vapi's `type`), and what a usage row of it paid for; a type Vapi adds
# later is kept as `other`, under its own name.
_KIND_OF_COST: dict[str, UsageKind] = {
    "transport": UsageKind.TRANSPORT,
    "transcriber": UsageKind.STT,
    "model": UsageKind.LLM,
    "voice": UsageKind.TTS,
    "vapi": UsageKind.PLATFORM,
    "analysis": UsageKind.ANALYSIS,
    "voicemail-detection": UsageKind.ANALYSIS,
}


def _count(item: dict[str, Any], *keys: str) -> int | None:
    """The first of `keys` that holds a count."""
    for key in keys:
        if (count := _int(item.get(key))) is not None:
            return count
    return None


def _usage_of_cost(item: dict[str, Any]) -> UsageItem:
    """One `costs[]` item of a call, with every count it carries: tokens of every sort
    (voicemail detection counts its text and audio tokens apart), characters, minutes."""
    item_type = _text(item.get("type")) or "unknown"
    kind = _KIND_OF_COST.get(item_type, UsageKind.OTHER)
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
    minutes = _minutes(item.get("minutes"))
    return UsageItem(
        kind=kind,
        cost=_money(item.get("cost")) or Decimal(0),
        item_type=item_type[:50],
        provider=provider[:100] if provider else None,
        model=model[:255] if model else None,
        prompt_tokens=_count(item, "promptTokens", "promptTextTokens"),
        completion_tokens=_count(item, "completionTokens", "completionTextTokens"),
        characters=_int(item.get("characters")),
        seconds=_seconds(minutes),
        cached_prompt_tokens=_int(item.get("cachedPromptTokens")),
        reasoning_tokens=_int(item.get("reasoningTokens")),
        prompt_audio_tokens=_int(item.get("promptAudioTokens")),
        completion_audio_tokens=_int(item.get("completionAudioTokens")),
        minutes=minutes,
    )


# The parts of a `costBreakdown` that are costs of their own (`total` sums them, and the
# `*Tokens`/`*Characters` keys count what they paid for), with the counts of each.
_BREAKDOWN_PARTS: tuple[tuple[str, UsageKind, dict[str, str]], ...] = (
    ("transport", UsageKind.TRANSPORT, {}),
    ("stt", UsageKind.STT, {}),
    (
        "llm",
        UsageKind.LLM,
        {
            "prompt_tokens": "llmPromptTokens",
            "completion_tokens": "llmCompletionTokens",
            "cached_prompt_tokens": "llmCachedPromptTokens",
        },
    ),
    ("tts", UsageKind.TTS, {"characters": "ttsCharacters"}),
    ("vapi", UsageKind.PLATFORM, {}),
    ("chat", UsageKind.OTHER, {}),
    ("voicemailDetectionCost", UsageKind.ANALYSIS, {}),
    ("knowledgeBaseCost", UsageKind.OTHER, {}),
)
_COUNTED = ("Tokens", "Characters")


def _breakdown_item(
    kind: UsageKind, cost: Decimal, item_type: str, counts: dict[str, int | None], **named: Any
) -> UsageItem | None:
    """A row for a part, unless it cost nothing and counted nothing (`chat` on a call)."""
    counted: dict[str, Any] = {f: count for f, count in counts.items() if count is not None}
    if cost == 0 and not counted:
        return None
    return UsageItem(kind=kind, cost=cost, item_type=item_type, **named, **counted)


def _usage_of_breakdown(breakdown: dict[str, Any]) -> list[UsageItem]:
    """Usage from `costBreakdown`, for records without `costs[]`: one row per part, and one
    per analysis (summary, structured data, success evaluation, structured output…) with
    its tokens."""
    items = []
    for field, kind, counts in _BREAKDOWN_PARTS:
        cost = _money(breakdown.get(field))
        if cost is not None:
            found = {name: _int(breakdown.get(key)) for name, key in counts.items()}
            items.append(_breakdown_item(kind, cost, field, found))
    analysis = _dict(breakdown.get("analysisCostBreakdown"))
    for name, value in analysis.items():
        cost = None if name.endswith(_COUNTED) else _money(value)
        if cost is not None:
            found = {
                "prompt_tokens": _int(analysis.get(f"{name}PromptTokens")),
                "completion_tokens": _int(analysis.get(f"{name}CompletionTokens")),
                "cached_prompt_tokens": _int(analysis.get(f"{name}CachedPromptTokens")),
            }
            items.append(
                _breakdown_item(UsageKind.ANALYSIS, cost, "analysis", found, model=name[:255])
            )
    return [item for item in items if item is not None]


UNATTRIBUTED = "unattributed"


def _reconciled(items: list[UsageItem], cost: Decimal | None) -> list[UsageItem]:
    """`items`, and what remains of the call's `cost` once they are paid, as one more row.

    Why: the call's cost is what Vapi charges, and the usage rows are what the tenant's
    usage report adds up; they must agree to the last digit. Vapi's parts do not always add
    up to its total: a breakdown's parts leave out costs it has no field for (or fields
    older payloads lack), a `costs[]` list can miss an item, and Vapi rounds its total and
    its parts apart. Rather than leave the report short (or over), the difference, either
    sign, is a row of kind `other` named `unattributed`. Without a cost to reconcile with,
    the items stand as they are."""
    if cost is None:
        return items
    rest = EXACT.subtract(cost, _sum(item.cost for item in items))
    if rest == 0:
        return items
    return [*items, UsageItem(kind=UsageKind.OTHER, cost=rest, item_type=UNATTRIBUTED)]


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


def _artifacts(artifact: dict[str, Any], source: dict[str, Any]) -> dict[str, Any] | None:
    """Recordings per channel, structured outputs, transfers and the log, as the call keeps
    them (see EndOfCallReport.artifacts); None when the report has none of them."""
    recording = _dict(artifact.get("recording"))
    mono = _dict(recording.get("mono"))
    links = {
        "mono": _text(mono.get("combinedUrl"))
        or _text(artifact.get("recordingUrl"))
        or _text(source.get("recordingUrl")),
        "stereo": _text(recording.get("stereoUrl"))
        or _text(artifact.get("stereoRecordingUrl"))
        or _text(source.get("stereoRecordingUrl")),
        "assistant": _text(mono.get("assistantUrl")),
        "customer": _text(mono.get("customerUrl")),
    }
    found: dict[str, Any] = {}
    if recordings := {k: v for k, v in links.items() if v}:
        found["recordings"] = recordings
    outputs = artifact.get("structuredOutputs")
    if isinstance(outputs, dict) and outputs:
        found["structured_outputs"] = outputs
    transfers = artifact.get("transfers")
    if isinstance(transfers, list) and transfers:
        found["transfers"] = transfers
    if log_url := _text(artifact.get("logUrl")):
        found["log_url"] = log_url
    return found or None


# Vapi's measures of a call's length, finest first.
_DURATIONS = (("durationMs", Decimal("0.001")), ("durationSeconds", 1), ("durationMinutes", 60))


def _duration(record: dict[str, Any]) -> int | None:
    """How long the call lasted in whole seconds, by Vapi's own measure (it has one for
    calls never answered, which have no `startedAt`); None when absent or unbelievable."""
    for key, unit in _DURATIONS:
        value = _decimal(record.get(key)) if isinstance(record.get(key), (int, float)) else None
        if value is not None and value >= 0 and value.adjusted() < 12:
            return round(EXACT.multiply(value, Decimal(unit)))
    return None


def call_report(call: dict[str, Any], message: dict[str, Any] | None = None) -> EndOfCallReport:
    """The report of an ended call: from an end-of-call-report `message` (with its `call`),
    or from a Call record alone (a polled call)."""
    source = message if message is not None else call
    artifact = _dict(source.get("artifact")) or _dict(call.get("artifact"))
    analysis = _dict(source.get("analysis")) or _dict(call.get("analysis"))
    # The report's own breakdown (at its top level) before its call's (older payloads).
    breakdown = _dict(source.get("costBreakdown")) or _dict(call.get("costBreakdown"))
    costs = source.get("costs") if isinstance(source.get("costs"), list) else call.get("costs")
    listed = [_dict(c) for c in costs if isinstance(c, dict)] if isinstance(costs, list) else []
    # The call's cost: the report's, else its record's, else the breakdown's total (the same
    # amount, where older payloads put it).
    amounts = (source.get("cost"), call.get("cost"), breakdown.get("total"))
    cost = next((a for a in map(_money, amounts) if a is not None), None)
    usage = _reconciled(
        [_usage_of_cost(item) for item in listed] if listed else _usage_of_breakdown(breakdown),
        cost,
    )
    duration = _duration(source)
    messages = artifact.get("messages")
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
        cost=cost,
        cost_breakdown=breakdown or None,
        usage=tuple(usage),
        duration=duration if duration is not None else _duration(call),
        artifacts=_artifacts(artifact, source),
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
        # Vapi's schema nests the name in `function`; its docs' examples put it on the item.
        name = _text(_dict(item.get("function")).get("name")) or _text(item.get("name"))
        calls.append(ToolCall(id=_text(item.get("id")) or "", name=name or ""))
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

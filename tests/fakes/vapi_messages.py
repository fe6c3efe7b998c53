"""Vapi's Server URL messages, built in its wire format (see the project's Vapi reference).

Every body is `{"message": {"type": …, …}}` with camelCase keys and only the properties
Vapi's published schema documents (tests/integration/test_vapi_message_fixtures.py checks
each builder against the official SDK's models, unknown keys included).

`VapiCall` is one call as Vapi knows it: `record(status)` is its Call object, and its
methods build the messages Vapi sends about it — `status_update`, `end_of_call_report`,
`assistant_request` (inbound), `tool_calls` and `speech_update` (a type we do not handle).
`stream()` is the usual order of a call's messages. Presigned recording URLs change on every
delivery of a report: pass a fresh `signature` to build a redelivery.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from tests.fakes.vapi import iso

ORG_ID = "4f9c1e2a-8b3d-4c5e-9f60-7a1b2c3d4e5f"
STRUCTURED_OUTPUT_ID = "5f2c8b1e-4b7d-4c7a-9a44-8f6f3f1f2a10"
ASSISTANT_ID = "9b1d2c3e-4f5a-4b6c-8d7e-0f1a2b3c4d5e"
PHONE_NUMBER_ID = "0b3a5a1e-5d0c-4a4e-9a57-6f1f2f6d9e01"
TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000000"
CALLER = "+14155550123"
LINE = "+12025550143"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
RECORDINGS = "https://storage.vapi.ai"
STATUSES = ("queued", "ringing", "in-progress", "ended")
"""The statuses a call that is answered goes through, in order."""


def epoch_ms(at: datetime) -> int:
    """A message's `timestamp`: milliseconds since the epoch."""
    return round(at.timestamp() * 1000)


def body(message: dict[str, Any]) -> dict[str, Any]:
    return {"message": message}


def encoded(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def exact(value: Any) -> Decimal:
    """A JSON number as the decimal it is written as (as the backend reads it)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def exact_sum(values: Sequence[Any]) -> float:
    """Numbers added as decimals, then written as JSON does: what Vapi's total of its
    parts looks like (never a float sum's 0.30000000000000004)."""
    return float(sum((exact(v) for v in values), Decimal(0)))


def standard_costs() -> list[dict[str, Any]]:
    """One `costs[]` item of every type Vapi documents, with distinct numbers: costs of 8
    decimals (some in `e-05` notation, as Vapi's floats print) and minutes as it counts them."""
    return [
        {"type": "transport", "provider": "twilio", "minutes": 2.95833333, "cost": 0.02514583},
        {
            "type": "transcriber",
            "transcriber": {"provider": "deepgram", "model": "nova-2"},
            "minutes": 2.95833333,
            "cost": 0.03017917,
        },
        {
            "type": "model",
            "model": {"provider": "openai", "model": "gpt-4o-mini"},
            "promptTokens": 5210,
            "completionTokens": 318,
            "cachedPromptTokens": 1024,
            "reasoningTokens": 64,
            "cost": 0.00562928,
        },
        {
            "type": "voice",
            "voice": {"provider": "11labs", "voiceId": "burt"},
            "characters": 1423,
            "cost": 0.05122800,
        },
        {"type": "vapi", "subType": "normal", "minutes": 2.95833333, "cost": 0.14791667},
        {
            "type": "analysis",
            "analysisType": "summary",
            "model": {"provider": "openai", "model": "gpt-4o"},
            "promptTokens": 812,
            "completionTokens": 96,
            "cachedPromptTokens": 0,
            "cost": 0.00308600,
        },
        {
            "type": "voicemail-detection",
            "model": {"provider": "openai", "model": "gpt-4o-audio-preview"},
            "provider": "openai",
            "promptTextTokens": 120,
            "promptAudioTokens": 640,
            "completionTextTokens": 4,
            "completionAudioTokens": 0,
            "cost": 0.00170412,
        },
        {
            "type": "knowledge-base",
            "model": {"provider": "google", "model": "gemini-1.5-flash"},
            "promptTokens": 300,
            "completionTokens": 40,
            "cost": 7.275e-05,
        },
    ]


def breakdown_of(costs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The `costBreakdown` Vapi would report next to these `costs[]`: each part the exact
    sum of its items, `total` the sum of them all."""

    def number(item: dict[str, Any], key: str) -> float:
        value = item.get(key)
        return value if isinstance(value, int | float) else 0

    def total(*types: str) -> float:
        return exact_sum([number(c, "cost") for c in costs if c.get("type") in types])

    costs = [c for c in costs if isinstance(c, dict)]

    model = [c for c in costs if c.get("type") == "model"]
    voice = [c for c in costs if c.get("type") == "voice"]
    summary = [
        c for c in costs if c.get("type") == "analysis" and c.get("analysisType") == "summary"
    ]
    breakdown: dict[str, Any] = {
        "transport": total("transport"),
        "stt": total("transcriber"),
        "llm": total("model"),
        "tts": total("voice"),
        "vapi": total("vapi"),
        "chat": 0,
        "voicemailDetectionCost": total("voicemail-detection"),
        "knowledgeBaseCost": total("knowledge-base"),
        "total": exact_sum([number(c, "cost") for c in costs]),
        "llmPromptTokens": sum(number(c, "promptTokens") for c in model),
        "llmCompletionTokens": sum(number(c, "completionTokens") for c in model),
        "llmCachedPromptTokens": sum(number(c, "cachedPromptTokens") for c in model),
        "ttsCharacters": sum(number(c, "characters") for c in voice),
    }
    if summary:
        breakdown["analysisCostBreakdown"] = {
            "summary": exact_sum([number(c, "cost") for c in summary]),
            "summaryPromptTokens": sum(number(c, "promptTokens") for c in summary),
            "summaryCompletionTokens": sum(number(c, "completionTokens") for c in summary),
            "structuredData": 0,
            "successEvaluation": 0,
        }
    return breakdown


def recording_urls(provider_call_id: str, signature: str) -> dict[str, str]:
    """Presigned URLs of a call's recordings: the path stays, the query changes per delivery."""
    query = f"X-Amz-Expires=604800&X-Amz-Signature={signature}"
    base = f"{RECORDINGS}/{provider_call_id}"
    return {
        "combined": f"{base}-mono.wav?{query}",
        "assistant": f"{base}-assistant.wav?{query}",
        "customer": f"{base}-customer.wav?{query}",
        "stereo": f"{base}-stereo.wav?{query}",
    }


@attrs.frozen
class VapiCall:
    """One call as Vapi holds it, and the messages it sends about it."""

    id: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    """Vapi's call id (`call.id`)."""
    name: str | None = None
    """`call.name`: our call id, set by our create request (inbound calls have none)."""
    metadata: dict[str, str] = attrs.field(factory=dict)
    """`call.assistantOverrides.metadata` (our ids)."""
    type: str = "outboundPhoneCall"
    phone_number_id: str = PHONE_NUMBER_ID
    customer_number: str = CALLER
    customer_external_id: str | None = None
    created_at: datetime = T0
    ended_reason: str = "customer-ended-call"
    transcript: str = "AI: Hello, this is Acme calling.\nUser: Hi, not interested, bye.\n"
    summary: str = "The customer was not interested and hung up."
    structured_data: dict[str, Any] = attrs.field(factory=lambda: {"interested": False})
    success_evaluation: str = "false"
    costs: tuple[dict[str, Any], ...] | None = attrs.field(factory=lambda: tuple(standard_costs()))
    """The call's `costs[]`; None for a call whose records carry only `costBreakdown`."""
    turns: int = 1
    """Exchanges of the conversation (bot, then user); a long call's report runs to megabytes."""
    answered: bool = True
    """False: nobody answered (it rang out): no `in-progress`, no `startedAt`; the report
    still measures the call (`durationMs`, `durationSeconds`, `durationMinutes`)."""

    # --- times -------------------------------------------------------------------------

    @property
    def started_at(self) -> datetime:
        return self.created_at + timedelta(seconds=4, milliseconds=250)

    @property
    def ended_at(self) -> datetime:
        if not self.answered:
            return self.created_at + timedelta(seconds=31, milliseconds=750)  # rang out
        return self.started_at + timedelta(seconds=177, milliseconds=250)

    @property
    def duration_ms(self) -> int:
        """Vapi's measure of the call: from its start, or (never answered) its creation."""
        start = self.started_at if self.answered else self.created_at
        return round((self.ended_at - start).total_seconds() * 1000)

    def status_at(self, status: str) -> datetime:
        """When Vapi sends the status update for `status`."""
        offsets = {"queued": 0.2, "ringing": 1.0, "in-progress": 4.25}
        if status in offsets:
            return self.created_at + timedelta(seconds=offsets[status])
        return self.ended_at + timedelta(milliseconds=100)

    @property
    def reported_at(self) -> datetime:
        return self.ended_at + timedelta(seconds=3)

    # --- what Vapi reports ------------------------------------------------------------

    @property
    def cost(self) -> float:
        """Vapi's `cost`: what its items add up to."""
        costs = [c.get("cost") for c in self.costs or standard_costs()]
        return exact_sum([c for c in costs if isinstance(c, int | float)])

    @property
    def breakdown(self) -> dict[str, Any]:
        return breakdown_of(self.costs or standard_costs())

    def lines(self) -> list[tuple[str, str]]:
        """What the bot and the user said, in order: the transcript's lines."""
        if self.turns == 1:
            return [("bot", "Hello, this is Acme calling."), ("user", "Hi, not interested, bye.")]
        said = []
        for turn in range(self.turns):
            said.append(("bot", f"Turn {turn}: let me tell you more about our plans. " * 4))
            said.append(("user", f"Turn {turn}: go on, I am listening to every word. " * 4))
        return said

    @property
    def spoken(self) -> str:
        """`artifact.transcript`: the given one, or for a long call its lines."""
        if self.turns == 1:
            return self.transcript
        names = {"bot": "AI", "user": "User"}
        return "".join(f"{names[role]}: {text}\n" for role, text in self.lines())

    def artifact_messages(self) -> list[dict[str, Any]]:
        start = epoch_ms(self.started_at)
        messages: list[dict[str, Any]] = [
            {
                "role": "system",
                "message": "You are a polite assistant of Acme.",
                "time": start,
                "secondsFromStart": 0,
            }
        ]
        for index, (role, text) in enumerate(self.lines()):
            at = start + 600 + 2500 * index
            messages.append(
                {
                    "role": role,
                    "message": text,
                    "time": at,
                    "endTime": at + 1800,
                    "secondsFromStart": (at - start) / 1000,
                    "duration": 1800,
                }
            )
        return messages

    def artifact(self, signature: str) -> dict[str, Any]:
        urls = recording_urls(self.id, signature)
        return {
            "transcript": self.spoken,
            "messages": self.artifact_messages(),
            "recording": {
                "stereoUrl": urls["stereo"],
                "mono": {
                    "combinedUrl": urls["combined"],
                    "assistantUrl": urls["assistant"],
                    "customerUrl": urls["customer"],
                },
            },
            "recordingUrl": urls["combined"],
            "stereoRecordingUrl": urls["stereo"],
            "structuredOutputs": {
                STRUCTURED_OUTPUT_ID: {"name": "callback", "result": {"day": "Tuesday"}}
            },
            "transfers": [
                {
                    "destination": {"type": "number", "number": "+14155550100"},
                    "mode": "blind-transfer",
                    "status": "no-answer",
                }
            ],
            "logUrl": f"https://calllogs.vapi.ai/{self.id}.jsonl.gz?X-Amz-Signature={signature}",
        }

    def analysis(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "structuredData": dict(self.structured_data),
            "successEvaluation": self.success_evaluation,
        }

    def customer(self) -> dict[str, Any]:
        customer = {"number": self.customer_number}
        if self.customer_external_id is not None:
            customer["externalId"] = self.customer_external_id
        return customer

    def record(self, status: str = "queued", *, signature: str = "sig-1") -> dict[str, Any]:
        """The Call object (as `GET /call/{id}` and every message's `call` carry it)."""
        record: dict[str, Any] = {
            "id": self.id,
            "orgId": ORG_ID,
            "type": self.type,
            "status": status,
            "phoneNumberId": self.phone_number_id,
            "assistantId": ASSISTANT_ID,
            "customer": self.customer(),
            "phoneCallProvider": "twilio",
            "phoneCallTransport": "pstn",
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.status_at(status)),
        }
        if self.name is not None:
            record["name"] = self.name
        if self.metadata:
            record["assistantOverrides"] = {"metadata": dict(self.metadata)}
        if status in ("in-progress", "forwarding", "ended") and self.answered:
            record["startedAt"] = iso(self.started_at)
        if status == "ended":
            record.update(
                {
                    "endedReason": self.ended_reason,
                    "endedAt": iso(self.ended_at),
                    "updatedAt": iso(self.reported_at),
                    "cost": self.cost,
                    "costBreakdown": self.breakdown,
                    "artifact": self.artifact(signature),
                    "analysis": self.analysis(),
                }
            )
            if self.costs is not None:
                record["costs"] = [dict(c) for c in self.costs]
        return record

    # --- messages ----------------------------------------------------------------------

    def status_update(
        self, status: str, *, ended_reason: str | None = None, at: datetime | None = None
    ) -> dict[str, Any]:
        """A `status-update`; an `ended` one carries the call's ended reason unless given."""
        message: dict[str, Any] = {
            "type": "status-update",
            "status": status,
            "timestamp": epoch_ms(at or self.status_at(status)),
            "customer": self.customer(),
            "call": self.record("in-progress" if status == "ended" else status),
        }
        if status == "ended":
            message["endedReason"] = ended_reason or self.ended_reason
            message["call"].update(
                status="ended", endedReason=message["endedReason"], endedAt=iso(self.ended_at)
            )
        return body(message)

    def end_of_call_report(
        self, *, signature: str = "sig-1", at: datetime | None = None
    ) -> dict[str, Any]:
        """The `end-of-call-report`; `signature` stands for the presigned URLs' query."""
        message: dict[str, Any] = {
            "type": "end-of-call-report",
            "endedReason": self.ended_reason,
            "timestamp": epoch_ms(at or self.reported_at),
            "startedAt": iso(self.started_at),
            "endedAt": iso(self.ended_at),
            "durationMs": self.duration_ms,
            "durationSeconds": self.duration_ms / 1000,
            "durationMinutes": round(self.duration_ms / 60_000, 4),
            "cost": self.cost,
            "costBreakdown": self.breakdown,
            "artifact": self.artifact(signature),
            "analysis": self.analysis(),
            "customer": self.customer(),
            "call": self.record("ended", signature=signature),
        }
        if not self.answered:
            del message["startedAt"]
        if self.costs is not None:
            message["costs"] = [dict(c) for c in self.costs]
        return body(message)

    def stream(self) -> list[dict[str, Any]]:
        """The messages of the call, in the order Vapi sends them (one never answered goes
        from ringing to ended)."""
        statuses = [s for s in STATUSES if self.answered or s != "in-progress"]
        return [*(self.status_update(s) for s in statuses), self.end_of_call_report()]

    def assistant_request(
        self,
        *,
        called: str | None = LINE,
        caller: str | None = CALLER,
        number_provider: str = "twilio",
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """An inbound call asks which assistant answers. A Vapi-provisioned line
        (`number_provider="vapi"`) has no `number` in the schema: only `call.phoneNumberId`
        names it."""
        line: dict[str, Any] = {"provider": number_provider, "name": "Main line"}
        if number_provider == "twilio":
            line["twilioAccountSid"] = TWILIO_ACCOUNT_SID
        if called is not None:
            line["number"] = called
        customer = {"number": caller} if caller is not None else {}
        record = self.record("ringing")
        record["type"] = "inboundPhoneCall"
        record.pop("assistantId")
        record["customer"] = customer
        message: dict[str, Any] = {
            "type": "assistant-request",
            "timestamp": epoch_ms(at or self.status_at("ringing")),
            "phoneNumber": line,
            "customer": customer,
            "call": record,
        }
        return body(message)

    def tool_calls(
        self,
        calls: Sequence[tuple[str, str, dict[str, Any]]],
        *,
        arguments_as_object: bool = False,
        flat: bool = False,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """`tool-calls`: each (id, function name, arguments). `arguments` is a JSON string
        per the schema; some docs show an object (`arguments_as_object`). `flat`: the shape
        of Vapi's docs' examples, with `name` and `arguments` on the item and no
        `function`."""
        listed: list[dict[str, Any]] = []
        for call_id, name, arguments in calls:
            function = {
                "name": name,
                "arguments": arguments if arguments_as_object else json.dumps(arguments),
            }
            if flat:
                listed.append({"id": call_id, "type": "function", **function})
            else:
                listed.append({"id": call_id, "type": "function", "function": function})
        message: dict[str, Any] = {
            "type": "tool-calls",
            "timestamp": epoch_ms(at or self.status_at("in-progress") + timedelta(seconds=5)),
            "toolCallList": listed,
            "toolWithToolCallList": [
                {
                    "type": "function",
                    "function": {
                        "name": name,
                        "parameters": {"type": "object", "properties": {}},
                    },
                    "toolCall": item,
                }
                for item, (_, name, _) in zip(listed, calls, strict=True)
            ],
            "customer": self.customer(),
            "call": self.record("in-progress"),
        }
        return body(message)

    def speech_update(
        self, *, status: str = "started", role: str = "user", at: datetime | None = None
    ) -> dict[str, Any]:
        """`speech-update`: sent by default, of a type the backend does not act on."""
        message: dict[str, Any] = {
            "type": "speech-update",
            "status": status,
            "role": role,
            "turn": 1,
            "timestamp": epoch_ms(at or self.status_at("in-progress") + timedelta(seconds=1)),
            "call": self.record("in-progress"),
        }
        return body(message)

"""`SandboxTelephonyProvider`: calls that happen nowhere, reported like Vapi reports them.

The default when no Vapi key is configured. A placed call rings, is answered and ends on a
timer, or at once when hung up (`end_call`, as through Vapi's Live Call Control); each
step is delivered as the Vapi Server URL message Vapi would send (status updates, then the
end-of-call report with a transcript, costs and a cost breakdown) to the same handler real
webhooks reach. `GET /call/{id}` is answered from its records, so
the reconciler works on it too. Outcomes and timings come from a `SandboxScript`.

Its calls live in this process only. Each sandbox is an instance with a number of its own,
written into the ids of the calls it places, so that a later process can tell the calls
of an instance that is gone (and end them) from those of one still running.
"""

from __future__ import annotations

import asyncio
import enum
import random
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import attrs
import structlog

from adapters.vapi.client import create_call_body, create_number_body, provider_call, provider_line
from application.errors import ProviderRejected
from application.ports.telephony import NumberOrder, OutboundCall, ProviderCall, ProviderLine
from domain.ids import CallId, PhoneNumberId
from domain.phones import NumberProvider, PhoneLine, PhoneNumber

log = structlog.get_logger(__name__)

Deliver = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]
"""Hands a provider message to the application; returns the reply Vapi would get."""


class SandboxOutcome(enum.StrEnum):
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    VOICEMAIL = "voicemail"
    RANDOM = "random"


# Vapi's endedReason for each outcome.
_ENDED_REASONS = {
    SandboxOutcome.COMPLETED: "customer-ended-call",
    SandboxOutcome.BUSY: "customer-busy",
    SandboxOutcome.NO_ANSWER: "customer-did-not-answer",
    SandboxOutcome.VOICEMAIL: "voicemail",
}
# Vapi's endedReason for a call hung up through Live Call Control (`end_call`).
ENDED_BY_REQUEST = "manually-canceled"
_RANDOM_WEIGHTS = {
    SandboxOutcome.COMPLETED: 70,
    SandboxOutcome.NO_ANSWER: 15,
    SandboxOutcome.BUSY: 10,
    SandboxOutcome.VOICEMAIL: 5,
}

# Prices per minute (USD) and per unit, close to Vapi's public ones.
_PER_MINUTE = {"transport": 0.01, "transcriber": 0.01, "vapi": 0.05}
_PER_1K_PROMPT_TOKENS = 0.00015
_PER_1K_COMPLETION_TOKENS = 0.0006
_PER_1K_CHARACTERS = 0.03

# Provider call ids: "sandbox-<instance, 8 hex digits>-<uuid4>".
_CALL_ID = re.compile(r"sandbox-([0-9a-f]{8})-[0-9a-f-]{36}")
# Instances are positive 31-bit numbers: PostgreSQL advisory lock keys take them as they are.
_INSTANCES = 2**31 - 1
# Numbers the sandbox sells: 555-0100 to 555-0199 of an area code, the range kept for fiction
# in North America; the area code when none is asked for.
SANDBOX_AREA_CODE = "415"
_FICTIONAL_LINES = range(100, 200)
_NUMBER_DRAW = random.SystemRandom()
# Why an inbound call the application would not answer ends (Vapi's endedReason).
_REFUSED_INBOUND = "assistant-request-returned-error"


@attrs.frozen
class InboundRing:
    """A call placed to one of the sandbox's numbers, and what the application answered."""

    provider_call_id: str
    answered: bool
    call_id: str | None = None
    """Our id of the call, when the application took it."""
    refusal: str | None = None
    """What the caller was told, when it did not."""


@attrs.frozen
class SandboxScript:
    ring_seconds: float = 2.0
    talk_seconds: float = 8.0
    outcome: SandboxOutcome = SandboxOutcome.COMPLETED
    seed: int = 0
    """Seeds `random` outcomes."""
    breakdown_only: bool = False
    """Reports carry `costBreakdown` alone, without `costs[]` (as some of Vapi's do)."""


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _transcript(first_message: str) -> list[tuple[str, str]]:
    return [
        ("bot", first_message),
        ("user", "Hi, yes. Who is this?"),
        ("bot", "I'm calling about your enquiry. Is now a good time for a quick chat?"),
        ("user", "Sure, go ahead."),
        ("bot", "Great. I'll send you the details by email. Thanks for your time!"),
        ("user", "Thanks, bye."),
    ]


def _round(value: float) -> float:
    """A price as Vapi writes them: 8 decimals (0.00562928; 7.275e-05 when small)."""
    return round(value, 8)


def _added(*amounts: float) -> float:
    """Prices (rounded as Vapi writes them) added as the decimals they are written as: Vapi's
    total of its parts."""
    return float(sum((Decimal(repr(_round(a))) for a in amounts), Decimal(0)))


def _costs(
    seconds: float, spoken: str, model: dict[str, Any], voice: dict[str, Any]
) -> dict[str, Any]:
    """Vapi's `costs[]` and `costBreakdown` for a call of `seconds` speaking `spoken`."""
    minutes = seconds / 60
    prompt_tokens = 400 + int(seconds * 20)
    completion_tokens = len(spoken) // 4
    characters = len(spoken)
    llm = prompt_tokens / 1000 * _PER_1K_PROMPT_TOKENS + (
        completion_tokens / 1000 * _PER_1K_COMPLETION_TOKENS
    )
    tts = characters / 1000 * _PER_1K_CHARACTERS
    transport = minutes * _PER_MINUTE["transport"]
    stt = minutes * _PER_MINUTE["transcriber"]
    platform = minutes * _PER_MINUTE["vapi"]
    costs = [
        {"type": "transport", "provider": "vapi", "minutes": minutes, "cost": _round(transport)},
        {
            "type": "transcriber",
            "transcriber": {"provider": "deepgram", "model": "nova-2"},
            "minutes": minutes,
            "cost": _round(stt),
        },
        {
            "type": "model",
            "model": {"provider": model.get("provider"), "model": model.get("model")},
            "promptTokens": prompt_tokens,
            "completionTokens": completion_tokens,
            "cost": _round(llm),
        },
        {
            "type": "voice",
            "voice": {"provider": voice.get("provider", "vapi"), "voiceId": voice.get("voiceId")},
            "characters": characters,
            "cost": _round(tts),
        },
        {"type": "vapi", "subType": "normal", "minutes": minutes, "cost": _round(platform)},
    ]
    total = _added(transport, stt, llm, tts, platform)
    breakdown = {
        "transport": _round(transport),
        "stt": _round(stt),
        "llm": _round(llm),
        "tts": _round(tts),
        "vapi": _round(platform),
        "chat": 0,
        "voicemailDetectionCost": 0,
        "knowledgeBaseCost": 0,
        "total": total,
        "llmPromptTokens": prompt_tokens,
        "llmCompletionTokens": completion_tokens,
        "llmCachedPromptTokens": 0,
        "ttsCharacters": characters,
    }
    return {"costs": costs, "costBreakdown": breakdown, "cost": total}


class SandboxTelephonyProvider:
    def __init__(self, script: SandboxScript | None = None, instance: int | None = None) -> None:
        self._script = script or SandboxScript()
        self._instance = instance if instance is not None else 1 + secrets.randbelow(_INSTANCES)
        self._random = random.Random(self._script.seed)
        self._calls: dict[str, dict[str, Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._hang_ups: dict[str, asyncio.Event] = {}
        """Set when a call still playing is asked to end (`end_call`)."""
        self._deliver: Deliver | None = None
        self._numbers: dict[str, dict[str, Any]] = {}

    def connect(self, deliver: Deliver) -> None:
        """Where the simulated webhooks go (the application's webhook handler)."""
        self._deliver = deliver

    @property
    def instance(self) -> int:
        return self._instance

    def placed_by(self, provider_call_id: str) -> int | None:
        """The instance that placed the call (None: no sandbox did)."""
        matched = _CALL_ID.fullmatch(provider_call_id)
        return int(matched.group(1), 16) if matched else None

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def idle(self) -> None:
        """Wait until every simulated call has delivered its last message."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _outcome(self) -> SandboxOutcome:
        if self._script.outcome is not SandboxOutcome.RANDOM:
            return self._script.outcome
        outcomes = list(_RANDOM_WEIGHTS)
        return self._random.choices(outcomes, weights=list(_RANDOM_WEIGHTS.values()))[0]

    async def place_call(self, call: OutboundCall) -> ProviderCall:
        body = create_call_body(call)  # the very body Vapi would get, refused the same way
        now = datetime.now(UTC)
        # Unique across restarts (the ids are kept in voice_calls), and naming this instance.
        provider_id = f"sandbox-{self._instance:08x}-{uuid4()}"
        record: dict[str, Any] = {
            "id": provider_id,
            "orgId": "sandbox",
            "type": "outboundPhoneCall",
            "status": "queued",
            "name": body["name"],
            "createdAt": _iso(now),
            "updatedAt": _iso(now),
            "phoneNumberId": body["phoneNumberId"],
            "customer": body["customer"],
            "assistantOverrides": body["assistantOverrides"],
            **({"assistantId": body["assistantId"]} if "assistantId" in body else {}),
            "monitor": {
                "listenUrl": f"wss://sandbox.invalid/{provider_id}/listen",
                "controlUrl": f"https://sandbox.invalid/{provider_id}/control",
            },
        }
        self._start(provider_id, record, body)
        return provider_call(dict(record))

    def _start(self, provider_id: str, record: dict[str, Any], body: dict[str, Any]) -> None:
        """The call is on the line: it plays out in a task of its own."""
        self._calls[provider_id] = record
        self._hang_ups[provider_id] = asyncio.Event()
        task = asyncio.create_task(self._play(provider_id, body, self._outcome()))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def get_call(self, provider_call_id: str) -> ProviderCall | None:
        record = self._calls.get(provider_call_id)
        return provider_call(dict(record)) if record else None

    async def find_call(
        self, call_id: CallId, from_number: PhoneLine, created_after: datetime
    ) -> ProviderCall | None:
        for record in self._calls.values():
            if record["name"] == str(call_id):
                return provider_call(dict(record))
        return None

    async def end_call(self, provider_call_id: str, record: dict[str, Any]) -> None:
        """Hang up a call still playing: it ends at once, as a call hung up through Vapi's
        Live Call Control does (`endedReason` ENDED_BY_REQUEST), with the messages of any
        end. A call that has already ended is left as it is."""
        played = self._calls.get(provider_call_id)
        if played is None:
            raise ProviderRejected(
                f"the sandbox has no call {provider_call_id} (it lives only in the process "
                "that placed it)",
                status=404,
            )
        hang_up = self._hang_ups.get(provider_call_id)
        if hang_up is not None:
            hang_up.set()

    # --- numbers ---------------------------------------------------------------------------

    async def provision_number(self, order: NumberOrder) -> ProviderLine:
        """Sell a fictional number of the area code, or import the tenant's number: the very
        body Vapi would get, with its checks that can be made offline."""
        body = create_number_body(order, None)
        if order.provider is NumberProvider.VAPI:
            number = self._free_number(body.get("numberDesiredAreaCode") or SANDBOX_AREA_CODE)
        else:
            number = body["number"]
            sid = body.get("twilioAccountSid")
            if sid is not None and not str(sid).startswith("AC"):
                raise ProviderRejected(
                    "Vapi answered 400: Twilio could not authenticate: twilioAccountSid must "
                    "start with AC",
                    status=400,
                )
            if any(n["number"] == number for n in self._numbers.values()):
                raise ProviderRejected(
                    f"Vapi answered 400: {number} is already a phone number of this account",
                    status=400,
                )
        now = _iso(datetime.now(UTC))
        record = {
            "id": f"sandbox-number-{uuid4()}",
            "orgId": "sandbox",
            "provider": body["provider"],
            "number": number,
            "name": body["name"],
            "status": "active",
            "createdAt": now,
            "updatedAt": now,
        }
        self._numbers[record["id"]] = record
        return provider_line(dict(record))

    def _free_number(self, area_code: str) -> str:
        taken = {n["number"] for n in self._numbers.values()}
        # Not the script's seeded draw: the sandbox forgets its numbers when serve restarts,
        # and the same draw again would offer the number bought before the restart.
        start = _NUMBER_DRAW.randrange(len(_FICTIONAL_LINES))
        for step in range(len(_FICTIONAL_LINES)):
            line = _FICTIONAL_LINES[(start + step) % len(_FICTIONAL_LINES)]
            number = f"+1{area_code}555{line:04d}"
            if number not in taken:
                return number
        raise ProviderRejected(
            f"Vapi answered 400: no number is available in area code {area_code}", status=400
        )

    async def get_number(self, provider_number_id: str) -> ProviderLine | None:
        record = self._numbers.get(provider_number_id)
        return provider_line(dict(record)) if record else None

    async def find_number(
        self, number_id: PhoneNumberId, created_after: datetime
    ) -> ProviderLine | None:
        for record in self._numbers.values():
            if record["name"] == str(number_id):
                return provider_line(dict(record))
        return None

    async def release_number(self, provider_number_id: str) -> None:
        self._numbers.pop(provider_number_id, None)

    # --- inbound calls ----------------------------------------------------------------------

    async def call_in(self, line: PhoneLine, caller: PhoneNumber) -> InboundRing:
        """A caller dials the number: the application is asked which assistant answers (as
        Vapi asks), and the call is played as an outbound one is when it answers."""
        if line.number is None:
            raise ProviderRejected("the number is not in service yet", status=409)
        now = datetime.now(UTC)
        provider_id = f"sandbox-{self._instance:08x}-{uuid4()}"
        line_of = {"id": line.provider_number_id, "number": line.number.e164}
        record: dict[str, Any] = {
            "id": provider_id,
            "orgId": "sandbox",
            "type": "inboundPhoneCall",
            "status": "ringing",
            "createdAt": _iso(now),
            "updatedAt": _iso(now),
            "phoneNumberId": line.provider_number_id,
            "customer": {"number": caller.e164},
            "phoneNumber": line_of,
        }
        reply = None
        if self._deliver is not None:
            reply = await self._deliver(
                {
                    "message": {
                        "type": "assistant-request",
                        "timestamp": _ms(now),
                        "call": dict(record),
                        "phoneNumber": line_of,
                        "customer": {"number": caller.e164},
                    }
                }
            )
        reply = reply or {}
        assistant = reply.get("assistant")
        if not isinstance(assistant, dict) and "assistantId" not in reply:
            return InboundRing(provider_id, False, refusal=str(reply.get("error") or "no answer"))
        # Our ids ride in the answer's overrides, as on a placed call.
        overrides = reply.get("assistantOverrides") or {}
        metadata = overrides.get("metadata") or {}
        self._start(
            provider_id, record, {"assistant": assistant or {}, "assistantOverrides": overrides}
        )
        call_id = metadata.get("call_id")
        return InboundRing(provider_id, True, call_id=str(call_id) if call_id else None)

    async def _wait(self, provider_id: str, seconds: float) -> bool:
        """Let `seconds` of the call pass; True when it was hung up meanwhile."""
        hang_up = self._hang_ups[provider_id]
        try:
            await asyncio.wait_for(hang_up.wait(), timeout=seconds)
        except TimeoutError:
            return hang_up.is_set()
        return True

    async def _send(self, message: dict[str, Any]) -> None:
        if self._deliver is None:
            return
        try:
            await self._deliver({"message": message})
        except Exception as error:  # the reconciler will read the record instead
            log.warning("sandbox_delivery_failed", type=message.get("type"), error=str(error))

    async def _status(self, record: dict[str, Any], status: str, **extra: Any) -> None:
        now = datetime.now(UTC)
        record.update(status=status, updatedAt=_iso(now), **extra)
        await self._send(
            {
                "type": "status-update",
                "timestamp": _ms(now),
                "status": status,
                **({"endedReason": extra["endedReason"]} if "endedReason" in extra else {}),
                "call": dict(record),
            }
        )

    async def _play(self, provider_id: str, body: dict[str, Any], outcome: SandboxOutcome) -> None:
        try:
            await self._play_out(provider_id, body, outcome)
        finally:
            self._hang_ups.pop(provider_id, None)

    async def _play_out(
        self, provider_id: str, body: dict[str, Any], outcome: SandboxOutcome
    ) -> None:
        record = self._calls[provider_id]
        script = self._script
        hung_up = await self._wait(provider_id, script.ring_seconds / 2)
        if not hung_up:
            await self._status(record, "ringing")
            hung_up = await self._wait(provider_id, script.ring_seconds / 2)
        if hung_up:
            outcome = SandboxOutcome.NO_ANSWER  # hung up before anyone answered
        started = datetime.now(UTC)
        talk = script.talk_seconds if outcome is SandboxOutcome.COMPLETED else 0.0
        if outcome is SandboxOutcome.COMPLETED:
            await self._status(record, "in-progress", startedAt=_iso(started))
            if await self._wait(provider_id, talk):
                hung_up = True
                talk = (datetime.now(UTC) - started).total_seconds()
        ended = max(datetime.now(UTC), started + timedelta(seconds=talk))
        reason = ENDED_BY_REQUEST if hung_up else _ENDED_REASONS[outcome]
        await self._status(record, "ended", endedReason=reason, endedAt=_iso(ended))
        assistant = body.get("assistant", {})
        first = assistant.get("firstMessage") or "Hello, this is your assistant calling."
        lines = _transcript(first) if outcome is SandboxOutcome.COMPLETED else []
        messages = [
            {
                "role": role,
                "message": text,
                "time": _ms(started) + i * 1000,
                "secondsFromStart": float(i),
            }
            for i, (role, text) in enumerate(lines)
        ]
        transcript = "\n".join(f"{'AI' if r == 'bot' else 'User'}: {t}" for r, t in lines)
        spoken = " ".join(t for r, t in lines if r == "bot")
        priced = _costs(talk, spoken, assistant.get("model", {}), assistant.get("voice", {}))
        analysis = {
            "summary": "The assistant introduced itself and agreed to follow up by email."
            if lines
            else f"The call ended without a conversation ({reason}).",
            "successEvaluation": "true" if lines else "false",
        }
        artifact: dict[str, Any] = {"transcript": transcript, "messages": messages}
        plan = body.get("assistantOverrides", {}).get("artifactPlan", {})
        if plan.get("recordingEnabled", True) and lines:  # Vapi records by default
            link = f"https://sandbox.invalid/{provider_id}"
            artifact["recording"] = {
                "stereoUrl": f"{link}-stereo.wav",
                "mono": {
                    "combinedUrl": f"{link}.wav",
                    "assistantUrl": f"{link}-assistant.wav",
                    "customerUrl": f"{link}-customer.wav",
                },
            }
            artifact["recordingUrl"] = f"{link}.wav"
            artifact["stereoRecordingUrl"] = f"{link}-stereo.wav"
        # A call nobody answered has no start time (Vapi's report still measures it, from
        # its creation); a sandbox script may report the breakdown alone.
        began = {"startedAt": _iso(started)} if outcome is SandboxOutcome.COMPLETED else {}
        since = started if began else datetime.fromisoformat(record["createdAt"])
        duration_ms = max(0, round((ended - since).total_seconds() * 1000))
        measured = {
            "durationMs": duration_ms,
            "durationSeconds": duration_ms / 1000,
            "durationMinutes": round(duration_ms / 60_000, 4),
        }
        listed = {} if script.breakdown_only else {"costs": priced["costs"]}
        record.update(
            artifact=artifact,
            analysis=analysis,
            **began,
            endedAt=_iso(ended),
            cost=priced["cost"],
            **listed,
            costBreakdown=priced["costBreakdown"],
        )
        await self._send(
            {
                "type": "end-of-call-report",
                "timestamp": _ms(datetime.now(UTC)),
                "endedReason": reason,
                "artifact": artifact,
                "analysis": analysis,
                **began,
                "endedAt": _iso(ended),
                **measured,
                "cost": priced["cost"],
                **listed,
                "costBreakdown": priced["costBreakdown"],
                "call": dict(record),
            }
        )

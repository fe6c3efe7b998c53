"""/v1/tenants/{tenant_id}/calls: place calls, read them back with their transcript, cost and
AI usage; /v1/tenants/{tenant_id}/usage: cost, minutes and calls by period, agent or batch.

A call is one flat resource (`object: "call"`) in our own terms: what Vapi reported is kept
as it came (domain.calls stores its transcript messages, analysis and cost breakdown raw, and
its whole record), and is put into our shape here, once, on the way out (`transcript_of`,
`analysis_of`, `breakdown_of`, `recording_of`). Vapi's record itself is shown only at
`…/provider-record`, to owners and admins.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from application.calls import MAX_IDEMPOTENCY_KEY, USAGE_DEFAULT_DAYS, PlaceCall
from application.pagination import Page
from application.ports.calls import (
    CallFilter,
    CallListItem,
    UsageGrouping,
    UsagePeriod,
    UsageQuery,
    UsageTotal,
)
from domain.calls import AiUsage, CallDirection, CallStatus, UsageKind, VoiceCall, usage_cost
from domain.ids import AgentId, CallId, LeadId, PhoneNumberId, TenantId
from domain.phones import PhoneNumber
from entrypoints.http.phone_numbers import Country, PhoneText
from entrypoints.http.problems import RequestInvalid
from entrypoints.http.requests import (
    IDEMPOTENCY_HEADER,
    body,
    page_request,
    path_id,
    principal,
    query_enum,
    query_text,
    tenant_id,
)
from entrypoints.http.routing import (
    PAGE_PARAMS,
    Endpoint,
    HeaderParam,
    PlainDecimal,
    QueryParam,
    created,
    reply,
    use_cases,
)
from entrypoints.http.schemas import (
    Body,
    CreatedAt,
    Instant,
    Items,
    NextCursor,
    TenantRef,
    UpdatedAt,
)

IDEMPOTENCY_KEY = HeaderParam(
    IDEMPOTENCY_HEADER,
    f"1 to {MAX_IDEMPOTENCY_KEY} characters of your choosing, e.g. a UUID: a retry with the "
    "same key returns the first call instead of placing another; the same key with a "
    "different request is a 422.",
    {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY},
)
USAGE_MAX_DAYS = 366

# --- money ----------------------------------------------------------------------------------

MICRO = Decimal("0.000001")


def plain(amount: Decimal) -> Decimal:
    """`amount` as it prints without an exponent (0.0000000123, not 1.23E-8): every digit,
    as a plain decimal string."""
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and (exponent > 0 or amount.adjusted() < -6):
        return PlainDecimal(amount)
    return amount


def usd(amount: Decimal) -> Decimal:
    """An amount with six decimal places or more (never rounded, however many it has: Vapi
    prices to 8 and more), so that every cost reads alike whichever store or provider it
    came from."""
    try:
        six = amount.quantize(MICRO)
    except InvalidOperation:  # more digits than a decimal holds at six places
        return plain(amount)
    # Unequal when quantizing dropped digits: the amount has more places, kept as they are.
    return six if six == amount else plain(amount)


def _usd_or_none(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else usd(amount)


Usd = Annotated[
    Decimal,
    msgspec.Meta(
        description="US dollars: a decimal string with six decimal places or more.",
        examples=["0.119270"],
    ),
]

# --- the call's fields (one place each: the summary and the full call share them) ----------

CallIdField = Annotated[UUID, msgspec.Meta(description="The call's id.")]
Direction = Annotated[
    CallDirection,
    msgspec.Meta(
        description="outbound: placed by one of the tenant's agents; inbound: answered by one.",
        examples=["outbound"],
    ),
]
Status = Annotated[
    CallStatus,
    msgspec.Meta(
        description="Where the call stands. It only moves forward: queued, ringing, "
        "in-progress, forwarding, ended. `failed`: the provider refused to place it "
        "(`ended_reason` and `error` say why); `unknown`: whether the provider took it is "
        "not known yet (the reconciler finds out).",
        examples=["ended"],
    ),
]
AgentRef = Annotated[
    UUID | None, msgspec.Meta(description="The agent that placed or answered the call.")
]
LeadRef = Annotated[
    UUID | None, msgspec.Meta(description="The lead called, or who called in; null: nobody known.")
]
VoiceRef = Annotated[UUID | None, msgspec.Meta(description="The voice the agent spoke with.")]
FromNumberRef = Annotated[
    UUID | None,
    msgspec.Meta(
        description="The tenant's number the call was made from (outbound) or to (inbound)."
    ),
]
ToNumber = Annotated[
    str,
    msgspec.Meta(
        description="The number called, E.164 (inbound: the tenant's own line); `erased` "
        "once the person called was erased (POST …/leads/{lead_id}/erase).",
        examples=["+14155550123"],
    ),
]
CallerNumber = Annotated[
    str | None,
    msgspec.Meta(
        description="Inbound calls: who called, E.164 (null when the number was withheld); "
        "`?number=` finds calls by it.",
        examples=["+14155550123"],
    ),
]
EndedReason = Annotated[
    str | None,
    msgspec.Meta(
        description="Why the call ended, as the provider says it, or ours: "
        "`provider-rejected`, `provider-unreachable`, `provider-has-no-record`, "
        "`sandbox-interrupted`.",
        examples=["customer-ended-call"],
    ),
]
CallError = Annotated[
    str | None,
    msgspec.Meta(
        description="Why the provider did not take the call, why its outcome is not known "
        "yet, or why it ended without a report.",
        examples=["assistant.voice.voiceId must be a string"],
    ),
]
ProviderCallId = Annotated[
    str | None,
    msgspec.Meta(
        description="The provider's (Vapi's) id of the call; null until it has one.",
        examples=["6b3c9a8e-1f2d-4c3b-9a8e-7f6d5c4b3a21"],
    ),
]
CallCost = Annotated[
    Decimal | None,
    msgspec.Meta(
        description="What the provider charged for the call, US dollars (a decimal string, "
        "six places or more); null until its report.",
        examples=["0.119270"],
    ),
]
CallDuration = Annotated[
    int | None,
    msgspec.Meta(description="Seconds from answer to hang-up; null until known.", examples=[177]),
]
BatchRef = Annotated[UUID | None, msgspec.Meta(description="The batch that placed the call.")]
StartedAt = Annotated[
    Instant | None, msgspec.Meta(description="When the call was answered (RFC 3339, UTC).")
]
EndedAt = Annotated[
    Instant | None, msgspec.Meta(description="When the call ended (RFC 3339, UTC).")
]
CallVersion = Annotated[
    int, msgspec.Meta(description="Goes up by one with every change to the call.", examples=[3])
]
Summary = Annotated[
    str | None,
    msgspec.Meta(
        description="The provider's summary of the conversation; null until its report.",
        examples=["The customer was not interested and hung up."],
    ),
]
Available = Annotated[
    bool, msgspec.Meta(description="False until the end-of-call report arrives.", examples=[True])
]


class TranscriptMessageOut(msgspec.Struct):
    """One thing said (or done) on the call, in order."""

    role: Annotated[
        str,
        msgspec.Meta(
            description="Who: `assistant` (the agent), `user` (the person on the line), "
            "`system` (the agent's instructions), `tool` (a tool call or its result); any "
            "other role the provider adds is shown as it names it.",
            examples=["assistant"],
        ),
    ]
    text: Annotated[
        str,
        msgspec.Meta(
            description="What was said (a tool's result, for a tool); empty when nothing was.",
            examples=["Hello, this is Acme calling."],
        ),
    ]
    start_seconds: Annotated[
        float | None,
        msgspec.Meta(description="Seconds from the start of the call.", examples=[0.6]),
    ]
    end_seconds: Annotated[
        float | None,
        msgspec.Meta(description="Seconds from the start when it ended.", examples=[2.4]),
    ]


TranscriptText = Annotated[
    str | None,
    msgspec.Meta(
        description="The whole conversation as text; null when the report had none.",
        examples=["AI: Hello, this is Acme calling.\nUser: Hi, not interested, bye.\n"],
    ),
]
TranscriptMessages = Annotated[
    list[TranscriptMessageOut],
    msgspec.Meta(description="What was said, message by message, in order."),
]


class TranscriptOut(msgspec.Struct):
    """What was said on the call, from its end-of-call report."""

    text: TranscriptText
    messages: TranscriptMessages


class RecordingOut(msgspec.Struct):
    """Where the call's recording can be fetched (the provider's URLs, which may expire)."""

    url: Annotated[
        str | None,
        msgspec.Meta(
            description="Both sides mixed in one channel.",
            examples=["https://storage.vapi.ai/6b3c9a8e-mono.wav"],
        ),
    ]
    stereo_url: Annotated[
        str | None,
        msgspec.Meta(
            description="The agent and the other party on a channel each; null when the "
            "provider made none.",
            examples=["https://storage.vapi.ai/6b3c9a8e-stereo.wav"],
        ),
    ]
    assistant_url: Annotated[
        str | None,
        msgspec.Meta(
            description="The agent's side alone; null when the provider made none.",
            examples=["https://storage.vapi.ai/6b3c9a8e-assistant.wav"],
        ),
    ] = None
    customer_url: Annotated[
        str | None,
        msgspec.Meta(
            description="The other party's side alone; null when the provider made none.",
            examples=["https://storage.vapi.ai/6b3c9a8e-customer.wav"],
        ),
    ] = None


Recording = Annotated[
    RecordingOut | None,
    msgspec.Meta(
        description="The call's recording; null when none, and always for a call of a "
        "tenant whose plan has no `recordings` when it was placed (the provider is told not "
        "to record it, and no link to a recording is kept)."
    ),
]
StructuredOutputs = Annotated[
    dict[str, Any] | None,
    msgspec.Meta(
        description="The provider's structured outputs of the call (what it was asked to "
        "extract), by output id, as the provider sent them; null when none.",
        examples=[{"5f2c…": {"name": "appointment", "result": {"day": "Tuesday"}}}],
    ),
]
Transfers = Annotated[
    list[dict[str, Any]],
    msgspec.Meta(
        description="The call's transfer attempts (warm and blind) as the provider sent "
        "them: destination, mode, status; empty when none.",
    ),
]
LogUrl = Annotated[
    str | None,
    msgspec.Meta(
        description="The provider's log of the call (may expire); null when none.",
        examples=["https://storage.vapi.ai/6b3c9a8e-log.json.gz"],
    ),
]
Analysis = Annotated[
    dict[str, Any] | None,
    msgspec.Meta(
        description="The provider's analysis of the call: `summary`, `structured_data` (what "
        "the agent was asked to extract, as extracted: your data, keys as you named them), "
        "`success_evaluation`, and any other part the provider adds, named in snake_case. "
        "null until the report.",
        examples=[
            {
                "summary": "The customer was not interested and hung up.",
                "structured_data": {"interested": False},
                "success_evaluation": "false",
            }
        ],
    ),
]
CostBreakdown = Annotated[
    dict[str, Any] | None,
    msgspec.Meta(
        description="How the cost breaks down, as the provider reports it, in snake_case: "
        "amounts (`transport`, `stt`, `llm`, `tts`, `vapi`, `total`, ...) are US dollars as "
        "decimal strings with six places or more; counts (`*_tokens`, `*_characters`) are "
        "numbers; `analysis_cost_breakdown` breaks down the analysis the same way. null "
        "until the report.",
        examples=[
            {
                "transport": "0.025100",
                "stt": "0.030200",
                "llm": "0.004600",
                "tts": "0.051200",
                "vapi": "0.147900",
                "total": "0.262700",
                "llm_prompt_tokens": 5210,
                "llm_completion_tokens": 318,
                "tts_characters": 1423,
            }
        ],
    ),
]
Metadata = Annotated[
    dict[str, Any],
    msgspec.Meta(
        description="The metadata given when the call was placed (inbound calls answered "
        "before `caller_number` was a field of its own also hold it here).",
        examples=[{"crm_id": "42"}],
    ),
]


class CallSummaryOut(msgspec.Struct, tag_field="object", tag="call"):
    """A call as lists show it: the call without its transcript, recording, summary,
    analysis, cost breakdown, metadata and version (`GET …/calls/{id}` has them)."""

    id: CallIdField
    tenant_id: TenantRef
    direction: Direction
    status: Status
    agent_id: AgentRef
    lead_id: LeadRef
    voice_id: VoiceRef
    from_number_id: FromNumberRef
    to_number: ToNumber
    caller_number: CallerNumber
    ended_reason: EndedReason
    error: CallError
    vapi_call_id: ProviderCallId
    cost: CallCost
    call_duration: CallDuration
    batch_id: BatchRef
    started_at: StartedAt
    ended_at: EndedAt
    created_at: CreatedAt
    updated_at: UpdatedAt

    @classmethod
    def of(cls, c: CallListItem) -> CallSummaryOut:
        return cls(
            c.id,
            c.tenant_id,
            c.direction,
            c.status,
            c.agent_id,
            c.lead_id,
            c.voice_id,
            c.from_number_id,
            c.to_number,
            c.caller_number,
            c.ended_reason,
            c.error,
            c.vapi_call_id,
            _usd_or_none(c.cost),
            c.call_duration,
            c.batch_id,
            c.started_at,
            c.ended_at,
            c.created_at,
            c.updated_at,
        )


class CallOut(msgspec.Struct, tag_field="object", tag="call"):
    """A call: where it stands, and once it has ended what was said, its recording, the
    provider's summary and analysis, and what it cost."""

    id: CallIdField
    tenant_id: TenantRef
    direction: Direction
    status: Status
    agent_id: AgentRef
    lead_id: LeadRef
    voice_id: VoiceRef
    from_number_id: FromNumberRef
    to_number: ToNumber
    caller_number: CallerNumber
    ended_reason: EndedReason
    error: CallError
    vapi_call_id: ProviderCallId
    cost: CallCost
    call_duration: CallDuration
    batch_id: BatchRef
    started_at: StartedAt
    ended_at: EndedAt
    created_at: CreatedAt
    updated_at: UpdatedAt
    version: CallVersion
    transcript: Annotated[
        TranscriptOut | None,
        msgspec.Meta(description="What was said; null until the end-of-call report."),
    ]
    recording: Recording
    summary: Summary
    analysis: Analysis
    cost_breakdown: CostBreakdown
    metadata: Metadata
    structured_outputs: StructuredOutputs
    transfers: Transfers
    log_url: LogUrl
    content_purged_at: Annotated[
        datetime | None,
        msgspec.Meta(
            description="When content of the call (`purged_content`) was last deleted; null "
            "while all of it is kept.",
            examples=[None],
        ),
    ]
    purged_content: Annotated[
        list[Literal["transcript", "recording", "provider_record"]],
        msgspec.Meta(
            description="What was deleted, by age (the tenant's retention), on demand, or as "
            "it came when the tenant stores no transcripts: `transcript` (with the summary, "
            "analysis and other artifacts), `recording` (every link to the audio), "
            "`provider_record`. Outcome, cost, duration and usage always stay.",
            examples=[[]],
        ),
    ]
    content_stored: Annotated[
        bool,
        msgspec.Meta(
            description="Whether the call keeps what was said (false when its tenant stores "
            "no transcripts: the provider kept nothing either).",
            examples=[True],
        ),
    ]

    @classmethod
    def of(cls, c: VoiceCall) -> CallOut:
        artifacts = c.artifacts or {}
        return cls(
            c.id,
            c.tenant_id,
            c.direction,
            c.status,
            c.agent_id,
            c.lead_id,
            c.voice_id,
            c.from_number_id,
            c.to_number,
            c.caller_number,
            c.ended_reason,
            c.error,
            c.vapi_call_id,
            _usd_or_none(c.cost),
            c.call_duration,
            c.batch_id,
            c.started_at,
            c.ended_at,
            c.created_at,
            c.updated_at,
            c.version,
            transcript_of(c.transcription),
            recording_of(c),
            c.summary,
            analysis_of(c.analysis),
            breakdown_of(c.cost_breakdown),
            c.metadata,
            artifacts.get("structured_outputs"),
            artifacts.get("transfers", []),
            artifacts.get("log_url"),
            c.content_purged_at,
            [kind.value for kind in c.purged_content],
            c.content_stored,
        )


class CallPage(msgspec.Struct):
    """A page of calls, newest first."""

    items: Annotated[list[CallSummaryOut], Items]
    next_cursor: NextCursor


def call_page(page: Page[CallListItem]) -> CallPage:
    """A page of calls as lists show them (the call list and a lead's call history)."""
    return CallPage([CallSummaryOut.of(c) for c in page.items], page.next_cursor)


# --- Vapi's stored shapes, in our terms -----------------------------------------------------
# The end-of-call report's parts are stored as Vapi sent them (its transcript messages, its
# analysis and cost breakdown): they are read into our shape here, and nowhere else.

_ROLES = {
    "bot": "assistant",
    "assistant": "assistant",
    "user": "user",
    "system": "system",
    "tool_calls": "tool",
    "tool_call_result": "tool",
    "tool": "tool",
}
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_COUNTS = ("_tokens", "_characters")
_NUMBERS = (int, float)  # by exact type: a bool is not a number here


@lru_cache(maxsize=1024)
def snake_case(key: str) -> str:
    """`structuredData` -> `structured_data`; a snake_case key stays as it is."""
    return _CAMEL_HUMP.sub("_", key).lower()


@lru_cache(maxsize=256)
def _breakdown_name(key: str) -> tuple[str, bool]:
    """A costBreakdown key's name here, and whether it counts (tokens, characters) rather
    than costs."""
    name = snake_case(key)
    return name, name.endswith(_COUNTS)


def _message(raw: dict[str, Any]) -> TranscriptMessageOut:
    """One of Vapi's `artifact.messages`: role, message (a tool result's: result), time and
    endTime (epoch milliseconds), secondsFromStart. Long calls have thousands: it reads each
    with plain type checks, no more."""
    role, text = raw.get("role"), raw.get("message")
    if type(text) is not str:
        text = raw.get("result")
        if type(text) is not str:
            text = ""
    start: Any = raw.get("secondsFromStart")
    time: Any = raw.get("time")
    end_time: Any = raw.get("endTime")
    if type(start) not in _NUMBERS:
        start = None
    end = None
    if (
        start is not None
        and type(time) in _NUMBERS
        and type(end_time) in _NUMBERS
        and end_time >= time
    ):
        end = round(start + (end_time - time) / 1000, 3)
    return TranscriptMessageOut(
        _ROLES.get(role, role) if type(role) is str and role else "unknown", text, start, end
    )


def transcript_of(stored: dict[str, Any] | None) -> TranscriptOut | None:
    """The call's transcript in our shape; None before the report (nothing stored)."""
    if stored is None:
        return None
    text, messages = stored.get("text"), stored.get("messages")
    return TranscriptOut(
        text if isinstance(text, str) and text else None,
        [_message(m) for m in messages if isinstance(m, dict)]
        if isinstance(messages, list)
        else [],
    )


def analysis_of(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """Vapi's analysis with its own keys in snake_case; what is inside each part (the
    structured data the tenant asked for) is the tenant's, and stays as it is."""
    if stored is None:
        return None
    return {snake_case(key): value for key, value in stored.items()}


def breakdown_of(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """Vapi's costBreakdown in snake_case, its amounts as exact decimals (a float becomes
    the decimal it prints as, never its binary expansion) and its counts as numbers."""
    if stored is None:
        return None
    breakdown: dict[str, Any] = {}
    for key, value in stored.items():
        name, count = _breakdown_name(key)
        if type(value) is dict:
            breakdown[name] = breakdown_of(value)
        elif count or type(value) not in _NUMBERS:
            breakdown[name] = value
        else:
            breakdown[name] = usd(Decimal(repr(value)))
    return breakdown


def _stereo_url(record: dict[str, Any]) -> str | None:
    """The stereo recording in Vapi's record of the call (its artifact)."""
    artifact = record.get("artifact")
    if not isinstance(artifact, dict):
        return None
    recording = artifact.get("recording")
    url = recording.get("stereoUrl") if isinstance(recording, dict) else None
    url = url or artifact.get("stereoRecordingUrl")
    return url if isinstance(url, str) and url else None


def recording_of(call: VoiceCall) -> RecordingOut | None:
    """The recording the report brought, per channel (a call reported before the channels
    were kept finds its stereo one in the provider's record)."""
    if not call.recording_enabled:
        return None
    links = (call.artifacts or {}).get("recordings") or {}
    mono = call.recording_url or links.get("mono")
    stereo = links.get("stereo") or _stereo_url(call.vapi_data)
    if mono is None and stereo is None and not links:
        return None
    return RecordingOut(mono, stereo, links.get("assistant"), links.get("customer"))


# --- the call's parts -----------------------------------------------------------------------


class CallTranscriptOut(msgspec.Struct, tag_field="object", tag="call_transcript"):
    """What was said on the call (the same `text` and `messages` as the call's
    `transcript`), with its recording and summary."""

    call_id: CallIdField
    status: Status
    available: Available
    text: TranscriptText
    messages: TranscriptMessages
    recording: Recording
    summary: Summary


class CallCostOut(msgspec.Struct, tag_field="object", tag="call_cost"):
    """What the provider charged for the call, how it breaks down, and what the call's AI
    usage rows add up to."""

    call_id: CallIdField
    currency: Annotated[
        Literal["USD"], msgspec.Meta(description="Every amount's currency.", examples=["USD"])
    ]
    cost: CallCost
    cost_breakdown: CostBreakdown
    call_duration: CallDuration
    usage_cost: Annotated[
        Decimal,
        msgspec.Meta(
            description="The sum of the call's AI usage rows, US dollars (a decimal string, "
            "six places or more).",
            examples=["0.119270"],
        ),
    ]


class UsageOut(msgspec.Struct, tag_field="object", tag="ai_usage"):
    """One cost item of a call's report: a provider's work and its price."""

    id: Annotated[UUID, msgspec.Meta(description="The usage row's id.")]
    kind: Annotated[
        UsageKind,
        msgspec.Meta(
            description="What was paid for: transport (the phone line), stt (speech to "
            "text), llm, tts (text to speech), platform (Vapi's fee), analysis, other.",
            examples=["llm"],
        ),
    ]
    item_type: Annotated[
        str,
        msgspec.Meta(description="The provider's own name for the cost item.", examples=["model"]),
    ]
    provider: Annotated[
        str | None,
        msgspec.Meta(description="Who did the work.", examples=["openai"]),
    ]
    model: Annotated[
        str | None,
        msgspec.Meta(description="The model or voice used.", examples=["gpt-4o-mini"]),
    ]
    prompt_tokens: Annotated[
        int | None, msgspec.Meta(description="LLM prompt tokens.", examples=[5210])
    ]
    completion_tokens: Annotated[
        int | None, msgspec.Meta(description="LLM completion tokens.", examples=[318])
    ]
    characters: Annotated[
        int | None, msgspec.Meta(description="Characters spoken (text to speech).", examples=[1423])
    ]
    seconds: Annotated[
        int | None,
        msgspec.Meta(
            description="Seconds of line or audio billed, whole (`minutes` has them exactly).",
            examples=[178],
        ),
    ]
    cost: Usd
    occurred_at: Annotated[Instant, msgspec.Meta(description="When the work was done (RFC 3339).")]
    cached_prompt_tokens: Annotated[
        int | None,
        msgspec.Meta(
            description="Prompt tokens served from the provider's cache (part of `prompt_tokens`).",
            examples=[1024],
        ),
    ]
    reasoning_tokens: Annotated[
        int | None, msgspec.Meta(description="LLM reasoning tokens.", examples=[64])
    ]
    prompt_audio_tokens: Annotated[
        int | None,
        msgspec.Meta(
            description="Prompt tokens of audio (voicemail detection; `prompt_tokens` has its "
            "text tokens).",
            examples=[640],
        ),
    ]
    completion_audio_tokens: Annotated[
        int | None,
        msgspec.Meta(
            description="Completion tokens of audio (voicemail detection; "
            "`completion_tokens` has its text tokens).",
            examples=[0],
        ),
    ]
    minutes: Annotated[
        Decimal | None,
        msgspec.Meta(
            description="Minutes of line or audio billed, exactly as the provider counted "
            "them (a decimal string).",
            examples=["2.95833333"],
        ),
    ]

    @classmethod
    def of(cls, u: AiUsage) -> UsageOut:
        i = u.item
        return cls(
            u.id,
            i.kind,
            i.item_type,
            i.provider,
            i.model,
            i.prompt_tokens,
            i.completion_tokens,
            i.characters,
            i.seconds,
            usd(i.cost),
            u.occurred_at,
            i.cached_prompt_tokens,
            i.reasoning_tokens,
            i.prompt_audio_tokens,
            i.completion_audio_tokens,
            None if i.minutes is None else plain(i.minutes),
        )


class CallUsageOut(msgspec.Struct, tag_field="object", tag="call_usage"):
    """The call's AI usage: one row per cost item of its report."""

    call_id: CallIdField
    items: Annotated[
        list[UsageOut], msgspec.Meta(description="Every usage row of the call (no pages).")
    ]
    total_cost: Annotated[
        Decimal,
        msgspec.Meta(
            description="What the rows add up to, US dollars (a decimal string, six places "
            "or more).",
            examples=["0.119270"],
        ),
    ]


Calls = Annotated[int, msgspec.Meta(description="Calls that ended in the period.", examples=[12])]
Seconds = Annotated[int, msgspec.Meta(description="Their seconds on the line.", examples=[2130])]
Minutes = Annotated[
    Decimal,
    msgspec.Meta(
        description="The same in minutes, to the hundredth (a decimal string).",
        examples=["35.50"],
    ),
]


class UsageRowOut(msgspec.Struct):
    """One period (and agent or batch, when grouped by one) of the usage report."""

    period_start: Annotated[
        Instant, msgspec.Meta(description="Where the day or month begins (UTC, RFC 3339).")
    ]
    agent_id: Annotated[
        UUID | None, msgspec.Meta(description="The agent (with `by=agent`); otherwise null.")
    ]
    batch_id: Annotated[
        UUID | None, msgspec.Meta(description="The batch (with `by=batch`); otherwise null.")
    ]
    calls: Calls
    seconds: Seconds
    minutes: Minutes
    cost: Usd

    @classmethod
    def of(cls, t: UsageTotal) -> UsageRowOut:
        return cls(
            t.period_start,
            t.agent_id,
            t.batch_id,
            t.calls,
            t.seconds,
            _minutes(t.seconds),
            usd(t.cost),
        )


class UsageReportOut(msgspec.Struct, tag_field="object", tag="usage_report"):
    """Calls, minutes and cost by period, from the AI usage rows, with the window's totals."""

    start: Annotated[Instant, msgspec.Meta(description="The window's start, inclusive.")]
    end: Annotated[Instant, msgspec.Meta(description="The window's end, exclusive.")]
    period: Annotated[
        UsagePeriod, msgspec.Meta(description="day or month, in UTC.", examples=["day"])
    ]
    by: Annotated[
        UsageGrouping | None,
        msgspec.Meta(description="agent or batch; null: not grouped.", examples=["agent"]),
    ]
    rows: Annotated[
        list[UsageRowOut], msgspec.Meta(description="One per period (and agent or batch).")
    ]
    calls: Calls
    seconds: Seconds
    minutes: Minutes
    cost: Usd


def _minutes(seconds: int) -> Decimal:
    return (Decimal(seconds) / 60).quantize(Decimal("0.01"))


class CallProviderRecordOut(msgspec.Struct, tag_field="object", tag="call_provider_record"):
    """The provider's (Vapi's) own record of the call, as it last sent it, in its own
    format (camelCase, as Vapi documents its Call object). For owners and admins: it holds
    the prompts, numbers and recording URLs as the provider knows them."""

    call_id: CallIdField
    record: Annotated[
        dict[str, Any] | None,
        msgspec.Meta(
            description="Vapi's Call object; null while the provider has told nothing of "
            "the call (one it refused, or one not placed yet).",
            examples=[{"id": "6b3c9a8e-1f2d-4c3b-9a8e-7f6d5c4b3a21", "status": "ended"}],
        ),
    ]


# --- requests -------------------------------------------------------------------------------

Variable = Annotated[str, msgspec.Meta(max_length=1000)]


class PlaceCallIn(Body):
    """The call to place: an agent, and a lead or a number to call."""

    agent_id: Annotated[UUID, msgspec.Meta(description="The agent that makes the call.")]
    lead_id: Annotated[
        UUID | None, msgspec.Meta(description="The lead to call (its number is dialled).")
    ] = None
    to: Annotated[
        PhoneText | None,
        msgspec.Meta(
            description="The number to call when no lead is given (a lead with it is linked).",
            examples=["+14155550123"],
        ),
    ] = None
    country: Annotated[
        Country | None,
        msgspec.Meta(description="Only to read `to` when written without +.", examples=["US"]),
    ] = None
    from_number_id: Annotated[
        UUID | None, msgspec.Meta(description="Defaults to the agent's default number.")
    ] = None
    variables: Annotated[
        dict[str, Variable],
        msgspec.Meta(
            description="Values for the assistant's {{placeholders}}.",
            examples=[{"name": "Ada"}],
        ),
    ] = {}
    metadata: Annotated[
        dict[str, Any],
        msgspec.Meta(
            description="Your own data, kept with the call and shown in its `metadata`.",
            examples=[{"crm_id": "42"}],
        ),
    ] = {}


# --- handlers -------------------------------------------------------------------------------

CALLS = "/v1/tenants/{tenant_id}/calls"
CALL = CALLS + "/{call_id}"


def _call_id(request: web.Request) -> CallId:
    return CallId(path_id(request, "call_id"))


def call_location(tenant: TenantId, call: CallId) -> str:
    return CALL.format(tenant_id=tenant, call_id=call)


async def place_call(request: web.Request) -> web.Response:
    """Place an outbound call with an agent (members and up), to a lead or to a number. Refused
    before anything is written when the plan lacks `calls.outbound` or is at a calls limit
    (403), when every line of the provider is busy (503 with Retry-After), when the agent or
    number is not in service or the lead is do-not-call. Otherwise the call is committed as
    `queued`, then handed to the provider: a refusal leaves it `failed` with the reason, an
    unknown outcome `unknown` until the reconciler finds out. With `Idempotency-Key`, a retry
    returns the first call instead of placing another."""
    data = await body(request, PlaceCallIn)
    call = await use_cases(request).calls.place_call(
        principal(request),
        PlaceCall(
            tenant_id=tenant_id(request),
            agent_id=AgentId(data.agent_id),
            lead_id=LeadId(data.lead_id) if data.lead_id else None,
            to=PhoneNumber.parse(data.to, region=data.country, field="to") if data.to else None,
            from_number_id=PhoneNumberId(data.from_number_id) if data.from_number_id else None,
            variables=dict(data.variables),
            metadata=data.metadata,
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
        ),
    )
    # A repeat under the same Idempotency-Key answers as the first did: 201, the call.
    return created(CallOut.of(call), call_location(call.tenant_id, call.id))


def _query_time(request: web.Request, name: str) -> datetime | None:
    raw = query_text(request, name, max_len=64)
    if raw is None:
        return None
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise RequestInvalid(f"{name} must be an ISO 8601 date or time", field=name) from None
    if not 1970 <= at.year <= 9000:  # keeps window arithmetic far from datetime's limits
        raise RequestInvalid(f"{name} must be between the years 1970 and 9000", field=name)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _query_id(request: web.Request, name: str) -> UUID | None:
    raw = query_text(request, name, max_len=64)
    if raw is None:
        return None
    try:
        return UUID(raw)
    except ValueError:
        raise RequestInvalid(f"{name} must be a UUID", field=name) from None


def _query_number(request: web.Request, name: str) -> PhoneNumber | None:
    """An international number (E.164, or written with + or 00)."""
    raw = query_text(request, name, max_len=64)
    if raw is None:
        return None
    if raw[0] == " " and raw[1:2].isdigit():
        # An unencoded + in a query string reads as a space: `?number=+14155550123`.
        raw = "+" + raw[1:]
    return PhoneNumber.parse(raw, field=name)


async def list_calls(request: web.Request) -> web.Response:
    """The tenant's calls, newest first, a page at a time (any role), filtered by agent, lead,
    status, batch, direction, number (called or calling) and creation time; each without its
    transcript, recording, analysis and cost breakdown (read the call for those)."""
    agent, lead = _query_id(request, "agent_id"), _query_id(request, "lead_id")
    where = CallFilter(
        agent_id=AgentId(agent) if agent else None,
        lead_id=LeadId(lead) if lead else None,
        status=query_enum(request, "status", CallStatus),
        batch_id=_query_id(request, "batch_id"),
        direction=query_enum(request, "direction", CallDirection),
        created_from=_query_time(request, "from"),
        created_before=_query_time(request, "to"),
        number=_query_number(request, "number"),
    )
    page = await use_cases(request).calls.list_calls(
        principal(request), tenant_id(request), where, page_request(request)
    )
    return reply(call_page(page))


async def _call(request: web.Request) -> VoiceCall:
    return await use_cases(request).calls.get_call(
        principal(request), tenant_id(request), _call_id(request)
    )


async def get_call(request: web.Request) -> web.Response:
    """A call with its transcript, recording, analysis and cost breakdown (any role)."""
    return reply(CallOut.of(await _call(request)))


async def end_call(request: web.Request) -> web.Response:
    """Hang up a live call (members and up), through the provider's live call control: 202
    with the call as it stands. The call ends when the provider says so (its status update
    and report, as for any end), within seconds; until then it keeps its status, and asking
    again answers 202 again. A call that is not live (ended, failed, or not yet placed with
    the provider: `queued` or `unknown` without a `vapi_call_id`) is 409 `call-not-live`.
    The request is audited (`call.end_requested`) before the provider is asked; a provider
    that refuses or does not answer is 502 `provider-*`, saying why, and the call is as
    it was."""
    call = await use_cases(request).calls.end_call(
        principal(request), tenant_id(request), _call_id(request)
    )
    return reply(CallOut.of(call), 202)


async def delete_call_content(request: web.Request) -> web.Response:
    """Delete what was said and recorded of a finished call (owners and admins): transcript,
    recording link, summary, analysis, artifacts and the provider's record go; its outcome,
    cost, duration and AI usage stay, so the usage report is unchanged. The answer is the call
    as it stands, with `content_purged_at`. A call not yet ended is a 409. Audited
    (`call.content_deleted`, with the kinds of content it held)."""
    call = await use_cases(request).calls.delete_content(
        principal(request), tenant_id(request), _call_id(request)
    )
    return reply(CallOut.of(call))


async def call_transcript(request: web.Request) -> web.Response:
    """The call's transcript and recording (any role): `available` is false until the provider's
    end-of-call report arrives."""
    call = await _call(request)
    transcript = transcript_of(call.transcription)
    return reply(
        CallTranscriptOut(
            call.id,
            call.status,
            transcript is not None,
            transcript.text if transcript else None,
            transcript.messages if transcript else [],
            recording_of(call),
            call.summary,
        )
    )


async def call_cost(request: web.Request) -> web.Response:
    """What the provider charged for the call and how it breaks down, in USD decimal strings
    (any role), with the sum of its AI usage."""
    call, usage = await use_cases(request).calls.call_usage(
        principal(request), tenant_id(request), _call_id(request)
    )
    return reply(
        CallCostOut(
            call.id,
            "USD",
            _usd_or_none(call.cost),
            breakdown_of(call.cost_breakdown),
            call.call_duration,
            usd(usage_cost(usage)),
        )
    )


async def call_usage(request: web.Request) -> web.Response:
    """The call's AI usage, one row per cost item of the provider's report (model tokens, speech
    characters, seconds), with their total (any role)."""
    call, usage = await use_cases(request).calls.call_usage(
        principal(request), tenant_id(request), _call_id(request)
    )
    return reply(CallUsageOut(call.id, [UsageOut.of(u) for u in usage], usd(usage_cost(usage))))


async def provider_record(request: web.Request) -> web.Response:
    """The provider's own record of the call, as it last sent it and in its format, not ours
    (owners and admins: it carries everything the provider knows of the call, prompts and
    numbers included); null while it has sent none."""
    call_id = _call_id(request)
    record = await use_cases(request).calls.provider_record(
        principal(request), tenant_id(request), call_id
    )
    return reply(CallProviderRecordOut(call_id, record))


async def usage_report(request: web.Request) -> web.Response:
    """Cost, minutes and calls by day or month (UTC), optionally by agent or batch, over a
    window of at most 366 days (default: the last 30 days), from the calls' AI usage (any role).
    """
    start, end = use_cases(request).calls.usage_window(
        _query_time(request, "from"), _query_time(request, "to")
    )
    if end - start > timedelta(days=USAGE_MAX_DAYS):
        raise RequestInvalid(
            f"from and to may be at most {USAGE_MAX_DAYS} days apart", field="from"
        )
    query = UsageQuery(
        start=start,
        end=end,
        period=query_enum(request, "period", UsagePeriod) or UsagePeriod.DAY,
        by=query_enum(request, "by", UsageGrouping),
    )
    rows = await use_cases(request).calls.usage_report(
        principal(request), tenant_id(request), query
    )
    seconds = sum(r.seconds for r in rows)
    return reply(
        UsageReportOut(
            query.start,
            query.end,
            query.period,
            query.by,
            [UsageRowOut.of(r) for r in rows],
            sum(r.calls for r in rows),
            seconds,
            _minutes(seconds),
            usd(sum((r.cost for r in rows), Decimal(0))),
        )
    )


READ = (403, 404)
LIST_PARAMS = (
    QueryParam("agent_id", "Only this agent's calls."),
    QueryParam("lead_id", "Only this lead's calls."),
    QueryParam(
        "status",
        "Only calls in this status.",
        {"type": "string", "enum": [s.value for s in CallStatus]},
    ),
    QueryParam("batch_id", "Only this batch's calls."),
    QueryParam(
        "direction",
        "outbound or inbound.",
        {"type": "string", "enum": [d.value for d in CallDirection]},
    ),
    QueryParam(
        "from", "Created at or after (ISO 8601).", {"type": "string", "format": "date-time"}
    ),
    QueryParam("to", "Created before (ISO 8601).", {"type": "string", "format": "date-time"}),
    QueryParam(
        "number",
        "Only calls to or from this number (E.164, e.g. +14155550123): the number called "
        "(`to_number`) or, for inbound calls, the caller's (`caller_number`).",
        {"type": "string", "maxLength": 64, "examples": ["+14155550123"]},
    ),
    *PAGE_PARAMS,
)
USAGE_PARAMS = (
    QueryParam(
        "from",
        f"Start, inclusive (default: {USAGE_DEFAULT_DAYS} days before `to`).",
        {"type": "string", "format": "date-time"},
    ),
    QueryParam("to", "End, exclusive (default: now).", {"type": "string", "format": "date-time"}),
    QueryParam(
        "period",
        "day (default) or month, in UTC.",
        {"type": "string", "enum": [p.value for p in UsagePeriod]},
    ),
    QueryParam(
        "by",
        "Also by agent or by batch.",
        {"type": "string", "enum": [g.value for g in UsageGrouping]},
    ),
)

ROUTES = [
    Endpoint("POST", CALLS, place_call,
             "Place a call (members): queued and committed, then handed to the provider; 201 "
             "with the call and its path in `Location`. `Idempotency-Key` makes a retry "
             "answer 201 with the first call as it stands (the same key for another call is "
             "422). A provider refusal leaves it `failed` with the reason; an unknown "
             "outcome leaves it `unknown` until the reconciler finds out",
             "calls", body=PlaceCallIn, response=CallOut, status=201,
             errors=(400, 403, 404, 409, 422, 503), headers=(IDEMPOTENCY_KEY,)),
    Endpoint("GET", CALLS, list_calls,
             "List calls, newest first, with filters (each without its transcript, "
             "recording, analysis and cost breakdown)", "calls",
             response=CallPage, query=LIST_PARAMS, errors=(403, 404, 422)),
    Endpoint("GET", CALL, get_call,
             "Get a call with its transcript, recording, analysis and cost breakdown", "calls",
             response=CallOut, errors=READ),
    Endpoint("POST", CALL + "/end", end_call,
             "Hang up a live call (members): 202 with the call, which ends when the provider "
             "reports it; 409 when it is not live", "calls", response=CallOut, status=202,
             errors=(403, 404, 409, 502)),
    Endpoint("GET", CALL + "/transcript", call_transcript, "The call's transcript and recording",
             "calls", response=CallTranscriptOut, errors=READ),
    Endpoint("GET", CALL + "/cost", call_cost, "The call's cost and its breakdown", "calls",
             response=CallCostOut, errors=READ),
    Endpoint("GET", CALL + "/usage", call_usage, "The call's AI usage, one row per cost item",
             "calls", response=CallUsageOut, errors=READ),
    Endpoint("DELETE", CALL + "/content", delete_call_content,
             "Delete a finished call's transcript, recording, analysis and provider record "
             "(owners and admins); its cost and usage stay", "calls", response=CallOut,
             errors=(403, 404, 409)),
    Endpoint("GET", CALL + "/provider-record", provider_record,
             "The provider's own record of the call, in its format (owners and admins)",
             "calls", response=CallProviderRecordOut, errors=READ),
    Endpoint("GET", "/v1/tenants/{tenant_id}/usage", usage_report,
             "Cost, minutes and calls by period (and agent or batch), from the AI usage rows",
             "calls", response=UsageReportOut, query=USAGE_PARAMS, errors=(403, 404, 422)),
]  # fmt: skip

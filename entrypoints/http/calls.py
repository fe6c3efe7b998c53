"""/v1/tenants/{tenant_id}/calls: place calls, read them back with their transcript, cost and
AI usage; /v1/tenants/{tenant_id}/usage: cost, minutes and calls by period, agent or batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from application.calls import MAX_IDEMPOTENCY_KEY, USAGE_DEFAULT_DAYS, PlaceCall
from application.ports.calls import (
    CallFilter,
    CallListItem,
    UsageGrouping,
    UsagePeriod,
    UsageQuery,
    UsageTotal,
)
from domain.calls import AiUsage, CallDirection, CallStatus, UsageKind, VoiceCall, usage_cost
from domain.ids import AgentId, CallId, LeadId, PhoneNumberId
from domain.phones import PhoneNumber
from entrypoints.http.phone_numbers import Country, PhoneText
from entrypoints.http.problems import RequestInvalid
from entrypoints.http.requests import (
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
    QueryParam,
    reply,
    use_cases,
)
from entrypoints.http.schemas import Body

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY = HeaderParam(
    IDEMPOTENCY_HEADER,
    f"1 to {MAX_IDEMPOTENCY_KEY} characters of your choosing, e.g. a UUID: a retry with the "
    "same key returns the first call instead of placing another; the same key with a "
    "different request is a 422.",
    {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY},
)
Variable = Annotated[str, msgspec.Meta(max_length=1000)]
USAGE_MAX_DAYS = 366


class CallOut(msgspec.Struct):
    id: UUID
    tenant_id: UUID
    direction: CallDirection
    status: CallStatus
    agent_id: UUID | None
    lead_id: UUID | None
    voice_id: UUID | None
    from_number_id: UUID | None
    to_number: str
    caller_number: str | None
    """Inbound calls: who called."""
    ended_reason: str | None
    error: str | None
    """Why the provider did not take the call, why its outcome is not known yet, or why it
    ended without a report."""
    vapi_call_id: str | None
    cost: Decimal | None
    call_duration: int | None
    batch_id: UUID | None
    started_at: datetime | None
    ended_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: CallListItem | VoiceCall) -> CallOut:
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
            c.cost,
            c.call_duration,
            c.batch_id,
            c.started_at,
            c.ended_at,
            c.created_at,
            c.updated_at,
        )


class CallPage(msgspec.Struct):
    items: list[CallOut]
    next_cursor: str | None


class CallDetail(msgspec.Struct):
    """The call with its transcription (the seed's getCallWithTranscription)."""

    call: CallOut
    transcription: dict[str, Any] | None
    recording_url: str | None
    summary: str | None
    analysis: dict[str, Any] | None
    cost_breakdown: dict[str, Any] | None
    metadata: dict[str, Any]
    vapi_data: dict[str, Any]
    version: int

    @classmethod
    def of(cls, c: VoiceCall) -> CallDetail:
        return cls(
            CallOut.of(c),
            c.transcription,
            c.recording_url,
            c.summary,
            c.analysis,
            c.cost_breakdown,
            c.metadata,
            c.vapi_data,
            c.version,
        )


class TranscriptOut(msgspec.Struct):
    call_id: UUID
    status: CallStatus
    available: bool
    """False until the end-of-call report arrives."""
    text: str | None
    messages: list[dict[str, Any]]
    recording_url: str | None
    summary: str | None


class CostOut(msgspec.Struct):
    """The seed's getCallCost: what the provider charged, and how it breaks down."""

    call_id: UUID
    currency: Literal["USD"]
    cost: Decimal | None
    cost_breakdown: dict[str, Any] | None
    call_duration: int | None
    usage_cost: Decimal
    """The sum of the call's AI usage rows."""


class UsageOut(msgspec.Struct):
    id: UUID
    kind: UsageKind
    item_type: str
    provider: str | None
    model: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    characters: int | None
    seconds: int | None
    cost: Decimal
    occurred_at: datetime

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
            i.cost,
            u.occurred_at,
        )


class CallUsageOut(msgspec.Struct):
    """The seed's getCallAIUsage: one row per cost item of the call's report."""

    call_id: UUID
    items: list[UsageOut]
    total_cost: Decimal


class UsageRowOut(msgspec.Struct):
    period_start: datetime
    agent_id: UUID | None
    batch_id: UUID | None
    calls: int
    seconds: int
    minutes: Decimal
    cost: Decimal

    @classmethod
    def of(cls, t: UsageTotal) -> UsageRowOut:
        return cls(
            t.period_start,
            t.agent_id,
            t.batch_id,
            t.calls,
            t.seconds,
            _minutes(t.seconds),
            t.cost,
        )


class UsageReportOut(msgspec.Struct):
    start: datetime
    end: datetime
    period: UsagePeriod
    by: UsageGrouping | None
    rows: list[UsageRowOut]
    calls: int
    seconds: int
    minutes: Decimal
    cost: Decimal


def _minutes(seconds: int) -> Decimal:
    return (Decimal(seconds) / 60).quantize(Decimal("0.01"))


class PlaceCallIn(Body):
    agent_id: UUID
    lead_id: UUID | None = None
    to: PhoneText | None = None
    """The number to call when no lead is given (a lead with it is linked)."""
    country: Country | None = None
    """Only to read `to` when written without +."""
    from_number_id: UUID | None = None
    """Defaults to the agent's default number."""
    variables: dict[str, Variable] = {}
    metadata: dict[str, Any] = {}


def _call_id(request: web.Request) -> CallId:
    return CallId(path_id(request, "call_id"))


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
    return reply(CallDetail.of(call), 201)


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


async def list_calls(request: web.Request) -> web.Response:
    """The tenant's calls, newest first, a page at a time (any role), filtered by agent, lead,
    status, batch, direction and creation time; each without its transcript, recording, analysis
    and cost breakdown (read the call for those)."""
    agent, lead = _query_id(request, "agent_id"), _query_id(request, "lead_id")
    where = CallFilter(
        agent_id=AgentId(agent) if agent else None,
        lead_id=LeadId(lead) if lead else None,
        status=query_enum(request, "status", CallStatus),
        batch_id=_query_id(request, "batch_id"),
        direction=query_enum(request, "direction", CallDirection),
        created_from=_query_time(request, "from"),
        created_before=_query_time(request, "to"),
    )
    page = await use_cases(request).calls.list_calls(
        principal(request), tenant_id(request), where, page_request(request)
    )
    return reply(CallPage([CallOut.of(c) for c in page.items], page.next_cursor))


async def _call(request: web.Request) -> VoiceCall:
    return await use_cases(request).calls.get_call(
        principal(request), tenant_id(request), _call_id(request)
    )


async def get_call(request: web.Request) -> web.Response:
    """A call with its transcript, recording, analysis and cost breakdown (any role)."""
    return reply(CallDetail.of(await _call(request)))


async def call_transcript(request: web.Request) -> web.Response:
    """The call's transcript and recording (any role): `available` is false until the provider's
    end-of-call report arrives."""
    call = await _call(request)
    text = call.transcription or {}
    messages = text.get("messages")
    return reply(
        TranscriptOut(
            call.id,
            call.status,
            call.transcription is not None,
            text.get("text"),
            messages if isinstance(messages, list) else [],
            call.recording_url,
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
        CostOut(
            call.id,
            "USD",
            call.cost,
            call.cost_breakdown,
            call.call_duration,
            usage_cost(usage),
        )
    )


async def call_usage(request: web.Request) -> web.Response:
    """The call's AI usage, one row per cost item of the provider's report (model tokens, speech
    characters, seconds), with their total (any role)."""
    call, usage = await use_cases(request).calls.call_usage(
        principal(request), tenant_id(request), _call_id(request)
    )
    return reply(
        CallUsageOut(
            call.id,
            [UsageOut.of(u) for u in usage],
            usage_cost(usage),
        )
    )


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
            sum((r.cost for r in rows), Decimal(0)),
        )
    )


CALLS = "/v1/tenants/{tenant_id}/calls"
CALL = CALLS + "/{call_id}"
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
             "Place a call (members): queued and committed, then handed to the provider. "
             "`Idempotency-Key` makes a retry return the first call. A provider refusal leaves "
             "it `failed` with the reason; an unknown outcome leaves it `unknown` until the "
             "reconciler finds out",
             "calls", body=PlaceCallIn, response=CallDetail, status=201,
             errors=(400, 403, 404, 409, 422, 503), headers=(IDEMPOTENCY_KEY,)),
    Endpoint("GET", CALLS, list_calls, "List calls, newest first, with filters", "calls",
             response=CallPage, query=LIST_PARAMS, errors=(403, 404, 422)),
    Endpoint("GET", CALL, get_call, "Get a call with its transcription", "calls",
             response=CallDetail, errors=READ),
    Endpoint("GET", CALL + "/transcript", call_transcript, "The call's transcript and recording",
             "calls", response=TranscriptOut, errors=READ),
    Endpoint("GET", CALL + "/cost", call_cost, "The call's cost and its breakdown", "calls",
             response=CostOut, errors=READ),
    Endpoint("GET", CALL + "/usage", call_usage, "The call's AI usage, one row per cost item",
             "calls", response=CallUsageOut, errors=READ),
    Endpoint("GET", "/v1/tenants/{tenant_id}/usage", usage_report,
             "Cost, minutes and calls by period (and agent or batch), from the AI usage rows",
             "calls", response=UsageReportOut, query=USAGE_PARAMS, errors=(403, 404, 422)),
]  # fmt: skip

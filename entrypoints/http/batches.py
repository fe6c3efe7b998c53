"""/v1/tenants/{tenant_id}/batches: campaigns that call many leads with one agent, within
calling hours, with retries; their preflight, lifecycle, progress and items.

The dialling itself is the dispatcher's (application.batches.BatchDispatcher): these routes
create a batch, say what would happen if it ran, and start, pause, resume or cancel it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import time, timedelta
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from application.batches import MAX_LEAD_IDS, CreateBatch, Preflight
from application.ports.batches import BatchFilter, BatchItemFilter, LeadSelection
from domain.batches import (
    MAX_ATTEMPTS,
    MAX_BACKOFF_FACTOR,
    MAX_CONCURRENCY,
    MAX_RETRY_DELAY,
    Backoff,
    Batch,
    BatchItem,
    BatchItemStatus,
    BatchStatus,
    CallingWindow,
    DialOutcome,
    PauseReason,
    RetryPolicy,
    SkipReason,
)
from domain.errors import DomainError
from domain.ids import AgentId, BatchId, LeadId, PhoneNumberId
from domain.leads import LeadStatus
from entrypoints.http.calls import Usd, usd
from entrypoints.http.leads import Source, TimeZone
from entrypoints.http.problems import RequestInvalid
from entrypoints.http.requests import (
    body,
    page_request,
    path_id,
    principal,
    query_enum,
    tenant_id,
)
from entrypoints.http.routing import PAGE_PARAMS, Endpoint, QueryParam, created, reply, use_cases
from entrypoints.http.schemas import (
    AwareDatetime,
    Body,
    CreatedAt,
    Instant,
    Items,
    Name,
    NextCursor,
    RecordVersion,
    TenantRef,
    UpdatedAt,
)

MAX_DELAY_SECONDS = int(MAX_RETRY_DELAY.total_seconds())

# --- shared field meanings --------------------------------------------------------------------

BatchName = Annotated[
    Name, msgspec.Meta(description="The batch's name.", examples=["March renewals"])
]
Concurrency = Annotated[
    int,
    msgspec.Meta(
        ge=1,
        le=MAX_CONCURRENCY,
        description="How many of its calls may be on the line at once (the tenant's "
        "`calls.concurrent.max` and its share of the provider's lines may allow fewer).",
        examples=[5],
    ),
]
MaxAttempts = Annotated[
    int,
    msgspec.Meta(
        ge=1,
        le=MAX_ATTEMPTS,
        description="How many times a lead is dialled at most (busy, no answer and voicemail "
        "are tried again while tries are left).",
        examples=[3],
    ),
]
BatchTimeZone = Annotated[
    TimeZone,
    msgspec.Meta(
        description="The IANA zone whose clock the calling window is read on for leads whose "
        "own zone and number say nothing; null: such leads are skipped.",
        examples=["America/New_York"],
    ),
]
Weekday = Annotated[int, msgspec.Meta(ge=1, le=7, examples=[1])]
ClockTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="A local time of day, HH:MM (24-hour clock).",
        examples=["09:00"],
    ),
]
Days = Annotated[
    list[Weekday],
    msgspec.Meta(
        min_length=1,
        max_length=7,
        description="The days the window opens, ISO weekdays: 1 (Monday) to 7 (Sunday).",
        examples=[[1, 2, 3, 4, 5]],
    ),
]
Start = Annotated[
    ClockTime, msgspec.Meta(description="When the window opens (local time).", examples=["09:00"])
]
End = Annotated[
    ClockTime,
    msgspec.Meta(
        description="When it closes (local time); at or before `start`, the window runs past "
        "midnight into the next day, and 00:00 closes at midnight.",
        examples=["17:00"],
    ),
]
DelaySeconds = Annotated[
    int,
    msgspec.Meta(
        ge=1,
        le=MAX_DELAY_SECONDS,
        description="Seconds to wait after the first try ended this way (at most 7 days).",
        examples=[600],
    ),
]
Factor = Annotated[
    float,
    msgspec.Meta(
        ge=1,
        le=MAX_BACKOFF_FACTOR,
        description="How much longer each further wait is than the one before, 1 to 10 "
        "(1: the same delay every time).",
        examples=[2.0],
    ),
]
MaxDelaySeconds = Annotated[
    int,
    msgspec.Meta(
        ge=1,
        le=MAX_DELAY_SECONDS,
        description="The longest wait, not below `delay_seconds` (at most 7 days, the default).",
        examples=[3600],
    ),
]
BatchIdField = Annotated[UUID, msgspec.Meta(description="The batch's id.")]
Count = Annotated[int, msgspec.Meta(ge=0, examples=[120])]
Status = Annotated[
    BatchStatus,
    msgspec.Meta(
        description="draft (created, not started), running, paused, then completed (every "
        "lead finished) or cancelled.",
        examples=["running"],
    ),
]
ItemStatus = Annotated[
    BatchItemStatus,
    msgspec.Meta(
        description="pending (waiting for its next try), dialling (claimed, the provider is "
        "being asked), live (on the line, or may be), then completed, failed, skipped or "
        "cancelled.",
        examples=["pending"],
    ),
]
Outcome = Annotated[
    DialOutcome,
    msgspec.Meta(
        description="How a try ended: completed, busy, no-answer, voicemail (these three are "
        "tried again while tries are left), failed (the provider did not place it) or "
        "unknown (whether it was placed is not known yet).",
        examples=["no-answer"],
    ),
]
Skip = Annotated[
    SkipReason,
    msgspec.Meta(
        description="Why the lead is not called: do_not_call (also a lead deleted since), "
        "unknown_time_zone, invalid_number or duplicate_number.",
        examples=["do_not_call"],
    ),
]
Pause = Annotated[
    PauseReason,
    msgspec.Meta(
        description="Why it is paused: requested (by a person), or stopped by the system: "
        "minutes_exhausted, tenant_suspended, feature_lost, agent_unavailable, "
        "number_unavailable.",
        examples=["requested"],
    ),
]

# --- requests ---------------------------------------------------------------------------------


class CallingWindowIn(Body):
    """The local hours leads may be called in, read on each lead's own clock."""

    days: Days
    start: Start
    end: End


class BackoffIn(Body):
    """The waits before trying a lead again after one outcome: `delay_seconds` after the
    first try, then `factor` times longer after each further one, never longer than
    `max_delay_seconds`."""

    delay_seconds: DelaySeconds
    factor: Factor = 1.0
    max_delay_seconds: MaxDelaySeconds | None = None


class RetryPolicyIn(Body):
    """How long to wait before calling a lead again after each outcome worth another try;
    an outcome left out keeps its default (busy 10 minutes, no answer 1 hour, voicemail 4
    hours, the same delay every time)."""

    busy: BackoffIn | None = None
    no_answer: BackoffIn | None = None
    voicemail: BackoffIn | None = None


class LeadFilterIn(Body):
    """Every lead of the tenant that matches (each condition left out matches any)."""

    status: Annotated[
        LeadStatus | None, msgspec.Meta(description="Only leads in this status.", examples=["new"])
    ] = None
    source: Annotated[
        Source | None,
        msgspec.Meta(description="Only leads from this source (exact).", examples=["website"]),
    ] = None
    created_from: Annotated[
        AwareDatetime | None, msgspec.Meta(description="Only leads created at or after.")
    ] = None
    created_before: Annotated[
        AwareDatetime | None, msgspec.Meta(description="Only leads created before.")
    ] = None
    never_contacted: Annotated[
        bool,
        msgspec.Meta(description="true: only leads no call has reached yet.", examples=[True]),
    ] = False


LeadIds = Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=MAX_LEAD_IDS)]


class LeadsIn(Body):
    """Which leads the batch calls: exactly one of `ids` and `filter`. Do-not-call leads are
    taken too: the preflight counts them and they are skipped when their turn comes."""

    ids: Annotated[
        LeadIds | None,
        msgspec.Meta(
            description=f"The tenant's leads, 1 to {MAX_LEAD_IDS} (a lead named twice is called "
            "once, and counted in the preflight's `duplicate_leads`); null when `filter` is "
            "given.",
            examples=[
                ["0190f5a2-7c1e-7d3a-9b2f-4e5d6c7b8a90", "0190f5a2-7c1e-7d3a-9b2f-4e5d6c7b8a91"]
            ],
        ),
    ] = None
    filter: Annotated[
        LeadFilterIn | None,
        msgspec.Meta(
            description="The leads that match; null when `ids` are given.", examples=[None]
        ),
    ] = None


class CreateBatchIn(Body):
    """A new batch: an agent, the leads it calls, when and how often."""

    name: BatchName
    agent_id: Annotated[UUID, msgspec.Meta(description="The agent that makes the calls.")]
    calling_window: CallingWindowIn
    leads: LeadsIn
    from_number_id: Annotated[
        UUID | None, msgspec.Meta(description="The number to call from; default: the agent's.")
    ] = None
    concurrency: Concurrency = 1
    max_attempts: MaxAttempts = 3
    timezone: BatchTimeZone | None = None
    retry_policy: RetryPolicyIn | None = None


# --- responses --------------------------------------------------------------------------------


class CallingWindowOut(msgspec.Struct):
    """The local hours leads are called in, on each lead's own clock (its zone, else its
    number's, else the batch's)."""

    days: Days
    start: Start
    end: End

    @classmethod
    def of(cls, window: CallingWindow) -> CallingWindowOut:
        return cls(sorted(window.days), _clock(window.start), _clock(window.end))


class BackoffOut(msgspec.Struct):
    """The waits before another try after one outcome: `delay_seconds` after the first try,
    then `factor` times longer after each further one, up to `max_delay_seconds`."""

    delay_seconds: DelaySeconds
    factor: Factor
    max_delay_seconds: MaxDelaySeconds

    @classmethod
    def of(cls, backoff: Backoff) -> BackoffOut:
        return cls(_seconds(backoff.base), backoff.factor, _seconds(backoff.cap))


class RetryPolicyOut(msgspec.Struct):
    """The waits before a lead is called again, by how its last try ended."""

    busy: BackoffOut
    no_answer: BackoffOut
    voicemail: BackoffOut

    @classmethod
    def of(cls, policy: RetryPolicy) -> RetryPolicyOut:
        return cls(
            BackoffOut.of(policy.busy),
            BackoffOut.of(policy.no_answer),
            BackoffOut.of(policy.voicemail),
        )


class ProgressOut(msgspec.Struct):
    """Where the batch's leads stand, and what its calls cost so far."""

    total: Annotated[Count, msgspec.Meta(examples=[120], description="Leads in the batch.")]
    pending: Annotated[
        Count, msgspec.Meta(examples=[30], description="Waiting for their next try.")
    ]
    dialling: Annotated[Count, msgspec.Meta(examples=[2], description="Being dialled now.")]
    live: Annotated[Count, msgspec.Meta(examples=[3], description="On the line (or may be).")]
    completed: Annotated[
        Count, msgspec.Meta(examples=[70], description="Reached: a call took place.")
    ]
    failed: Annotated[
        Count,
        msgspec.Meta(
            examples=[10], description="Tries used up or not worth another (see ended_by_outcome)."
        ),
    ]
    skipped: Annotated[
        Count, msgspec.Meta(examples=[4], description="Not called (see skipped_by_reason).")
    ]
    cancelled: Annotated[
        Count, msgspec.Meta(examples=[1], description="Not called: the batch was cancelled.")
    ]
    ended_by_outcome: Annotated[
        dict[str, int],
        msgspec.Meta(
            description="Completed and failed leads by how their last try ended: completed, "
            "busy, no-answer, voicemail, failed. Outcomes with none are left out.",
            examples=[{"completed": 70, "no-answer": 7, "busy": 2, "failed": 1}],
        ),
    ]
    skipped_by_reason: Annotated[
        dict[str, int],
        msgspec.Meta(
            description="Skipped leads by reason: do_not_call, unknown_time_zone, "
            "invalid_number, duplicate_number. Reasons with none are left out.",
            examples=[{"do_not_call": 4}],
        ),
    ]
    cost: Annotated[
        Usd,
        msgspec.Meta(
            description="What the batch's calls cost so far, US dollars (a decimal string, six "
            "places or more): each call's cost counts once its report arrives.",
            examples=["12.481200"],
        ),
    ]

    @classmethod
    def of(cls, batch: Batch) -> ProgressOut:
        c = batch.counts
        return cls(
            c.total,
            c.pending,
            c.dialling,
            c.live,
            c.completed,
            c.failed,
            c.skipped,
            c.cancelled,
            {outcome.value: n for outcome, n in c.ended_by.items()},
            {reason.value: n for reason, n in c.skipped_by.items()},
            usd(batch.cost),
        )


class PreflightReport(msgspec.Struct):
    """What would happen if the batch ran now, one try per lead; nothing is dialled to find
    out."""

    leads: Annotated[
        Count, msgspec.Meta(examples=[120], description="Leads still waiting for a try.")
    ]
    callable_now: Annotated[
        Count,
        msgspec.Meta(
            examples=[90],
            description="Of those, the ones that would be dialled at once: not do-not-call, "
            "zone known, inside the calling window now.",
        ),
    ]
    do_not_call: Annotated[
        Count, msgspec.Meta(examples=[4], description="Do-not-call leads (skipped).")
    ]
    unknown_time_zone: Annotated[
        Count,
        msgspec.Meta(
            examples=[2],
            description="Leads whose local time is not known: no zone of their own, none "
            "from their number, and the batch has none (skipped).",
        ),
    ]
    outside_window_now: Annotated[
        Count,
        msgspec.Meta(
            examples=[24], description="Leads outside the calling window now (called later)."
        ),
    ]
    invalid_number: Annotated[
        Count,
        msgspec.Meta(examples=[0], description="Leads whose number cannot be dialled (skipped)."),
    ]
    duplicate_leads: Annotated[
        Count,
        msgspec.Meta(
            examples=[1],
            description="Lead ids named more than once at creation (each lead is called once); "
            "0 in a later preflight.",
        ),
    ]
    concurrency: Annotated[
        Count,
        msgspec.Meta(
            description="The concurrency the batch will run at: at most the tenant's "
            "`calls.concurrent.max` and its share of the provider's lines.",
            examples=[5],
        ),
    ]
    estimated_seconds: Annotated[
        Count,
        msgspec.Meta(
            description="About how long the callable leads take at that concurrency, one try "
            "each, at 90 seconds a call.",
            examples=[2070],
        ),
    ]
    problems: Annotated[
        list[str],
        msgspec.Meta(
            description="What stops the batch from starting or running to its end (the plan, "
            "its limits); empty when nothing does.",
            examples=[["the plan does not include batch_calls: the batch cannot start"]],
        ),
    ]

    @classmethod
    def fields_of(cls, p: Preflight) -> dict[str, object]:
        return {
            "leads": p.leads,
            "callable_now": p.callable_now,
            "do_not_call": p.do_not_call,
            "unknown_time_zone": p.unknown_time_zone,
            "outside_window_now": p.outside_window_now,
            "invalid_number": p.invalid_number,
            "duplicate_leads": p.duplicate_leads,
            "concurrency": p.concurrency,
            "estimated_seconds": p.estimated_seconds,
            "problems": list(p.problems),
        }

    @classmethod
    def of(cls, p: Preflight) -> PreflightReport:
        return cls(**cls.fields_of(p))  # type: ignore[arg-type]


class PreflightOut(PreflightReport, tag_field="object", tag="batch_preflight"):
    """A batch's preflight: what would happen if it ran now, one try per lead; nothing is
    dialled to find out."""

    @classmethod
    def of(cls, p: Preflight) -> PreflightOut:
        return cls(**cls.fields_of(p))  # type: ignore[arg-type]


class _BatchFields(msgspec.Struct, tag_field="object"):
    """What every view of a batch shows (each view names its own `object`)."""

    id: BatchIdField
    tenant_id: TenantRef
    name: BatchName
    agent_id: Annotated[UUID, msgspec.Meta(description="The agent that makes the calls.")]
    from_number_id: Annotated[UUID, msgspec.Meta(description="The number it calls from.")]
    status: Status
    pause_reason: Annotated[
        Pause | None, msgspec.Meta(description="Why it is paused; null unless it is.")
    ]
    concurrency: Concurrency
    max_attempts: MaxAttempts
    calling_window: CallingWindowOut
    timezone: BatchTimeZone | None
    retry_policy: RetryPolicyOut
    progress: ProgressOut
    created_by: Annotated[
        UUID | None, msgspec.Meta(description="The user who created it; null: the system.")
    ]
    started_at: Annotated[Instant | None, msgspec.Meta(description="When it was started.")]
    ended_at: Annotated[
        Instant | None, msgspec.Meta(description="When it completed or was cancelled.")
    ]
    created_at: CreatedAt
    updated_at: UpdatedAt
    version: RecordVersion


def _batch_fields(b: Batch) -> dict[str, object]:
    return {
        "id": b.id,
        "tenant_id": b.tenant_id,
        "name": b.name,
        "agent_id": b.agent_id,
        "from_number_id": b.from_number_id,
        "status": b.status,
        "pause_reason": b.pause_reason,
        "concurrency": b.concurrency,
        "max_attempts": b.max_attempts,
        "calling_window": CallingWindowOut.of(b.window),
        "timezone": b.timezone,
        "retry_policy": RetryPolicyOut.of(b.retry_policy),
        "progress": ProgressOut.of(b),
        "created_by": b.created_by,
        "started_at": b.started_at,
        "ended_at": b.ended_at,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
        "version": b.version,
    }


class BatchOut(_BatchFields, tag="batch"):
    """A batch (campaign): which agent calls which leads, from which number, how many at once,
    in which hours and how often, and where its leads stand."""

    @classmethod
    def of(cls, b: Batch) -> BatchOut:
        return cls(**_batch_fields(b))  # type: ignore[arg-type]


class BatchCreatedOut(_BatchFields, tag="batch"):
    """A new batch, in draft, with its preflight: what would happen if it started now."""

    preflight: PreflightReport

    @classmethod
    def of(cls, b: Batch, p: Preflight) -> BatchCreatedOut:
        return cls(**_batch_fields(b), preflight=PreflightReport.of(p))  # type: ignore[arg-type]


class BatchPage(msgspec.Struct):
    """A page of the tenant's batches, newest first."""

    items: Annotated[list[BatchOut], Items]
    next_cursor: NextCursor


class BatchItemOut(msgspec.Struct, tag_field="object", tag="batch_item"):
    """One lead of a batch and its tries."""

    id: Annotated[UUID, msgspec.Meta(description="The item's id.")]
    batch_id: BatchIdField
    lead_id: Annotated[UUID, msgspec.Meta(description="The lead called.")]
    status: ItemStatus
    attempts: Annotated[Count, msgspec.Meta(description="Tries made so far.", examples=[1])]
    next_attempt_at: Annotated[
        Instant | None,
        msgspec.Meta(description="Not tried again before then; null: as soon as it may be."),
    ]
    last_call_id: Annotated[UUID | None, msgspec.Meta(description="The call of its last try.")]
    last_outcome: Annotated[
        Outcome | None, msgspec.Meta(description="How its last try ended; null: none has.")
    ]
    skip_reason: Annotated[
        Skip | None, msgspec.Meta(description="Why it was skipped; null unless it was.")
    ]
    created_at: CreatedAt
    updated_at: UpdatedAt

    @classmethod
    def of(cls, i: BatchItem) -> BatchItemOut:
        return cls(
            i.id,
            i.batch_id,
            i.lead_id,
            i.status,
            i.attempts,
            i.next_attempt_at,
            i.last_call_id,
            i.last_outcome,
            i.skip_reason,
            i.created_at,
            i.updated_at,
        )


class BatchItemPage(msgspec.Struct):
    """A page of a batch's items, oldest first."""

    items: Annotated[list[BatchItemOut], Items]
    next_cursor: NextCursor


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M")


def _seconds(delay: timedelta) -> int:
    return int(delay.total_seconds())


# --- reading the create body into the domain's terms -----------------------------------------

# The fields the service and the domain name, as the body names them.
_BODY_FIELDS = {"lead_ids": "leads.ids"}
_BACKOFF_FIELDS = {"base": "delay_seconds", "factor": "factor", "cap": "max_delay_seconds"}


@contextmanager
def _named_as_in_the_body(names: Mapping[str, str], prefix: str = "") -> Iterator[None]:
    """A domain error raised inside names its field as the body does: renamed by `names`,
    under `prefix`."""
    try:
        yield
    except DomainError as error:
        if error.field is not None:
            field = prefix + names.get(error.field, error.field)
            if error.message.startswith(error.field + ":"):
                error.message = field + error.message[len(error.field) :]
            error.field = field
        raise


def _window(data: CallingWindowIn) -> CallingWindow:
    with _named_as_in_the_body({}, "calling_window."):
        return CallingWindow(
            days=data.days,
            start=time.fromisoformat(data.start),
            end=time.fromisoformat(data.end),
        )


def _backoff(data: BackoffIn | None, default: Backoff, where: str) -> Backoff:
    if data is None:
        return default
    with _named_as_in_the_body(_BACKOFF_FIELDS, f"retry_policy.{where}."):
        return Backoff(
            timedelta(seconds=data.delay_seconds),
            data.factor,
            timedelta(seconds=data.max_delay_seconds)
            if data.max_delay_seconds is not None
            else MAX_RETRY_DELAY,
        )


def _retry_policy(data: RetryPolicyIn | None) -> RetryPolicy:
    default = RetryPolicy()
    if data is None:
        return default
    return RetryPolicy(
        busy=_backoff(data.busy, default.busy, "busy"),
        no_answer=_backoff(data.no_answer, default.no_answer, "no_answer"),
        voicemail=_backoff(data.voicemail, default.voicemail, "voicemail"),
    )


def _selection(data: LeadsIn) -> LeadSelection:
    if (data.ids is None) == (data.filter is None):
        raise RequestInvalid("leads: give exactly one of `ids` and `filter`", field="leads")
    if data.ids is not None:
        return LeadSelection(lead_ids=tuple(LeadId(i) for i in data.ids))
    where = data.filter
    assert where is not None
    return LeadSelection(
        status=where.status,
        source=where.source,
        created_from=where.created_from,
        created_before=where.created_before,
        never_contacted=where.never_contacted,
    )


def create_command(request: web.Request, data: CreateBatchIn) -> CreateBatch:
    return CreateBatch(
        tenant_id=tenant_id(request),
        agent_id=AgentId(data.agent_id),
        name=data.name,
        window=_window(data.calling_window),
        selection=_selection(data.leads),
        from_number_id=PhoneNumberId(data.from_number_id) if data.from_number_id else None,
        concurrency=data.concurrency,
        timezone=data.timezone,
        max_attempts=data.max_attempts,
        retry_policy=_retry_policy(data.retry_policy),
    )


# --- handlers ---------------------------------------------------------------------------------

BATCHES = "/v1/tenants/{tenant_id}/batches"
BATCH = BATCHES + "/{batch_id}"


def _batch_id(request: web.Request) -> BatchId:
    return BatchId(path_id(request, "batch_id"))


def batch_location(b: Batch) -> str:
    return BATCH.format(tenant_id=b.tenant_id, batch_id=b.id)


async def create_batch(request: web.Request) -> web.Response:
    """Create a batch in draft (members and up) from lead ids or a lead filter, each lead once,
    and answer it with its preflight. Refused (403) when the plan lacks `batch_calls` or the
    selection holds more leads than `batch.size.max`; 422 when a lead id, the agent or the
    number is not the tenant's (or not in service), when the selection names no lead, or for a
    window, zone or retry policy the rules refuse. Nothing is written when it is refused.
    Leads are dialled once it is started."""
    data = await body(request, CreateBatchIn)
    command = create_command(request, data)
    with _named_as_in_the_body(_BODY_FIELDS):
        batch, report = await use_cases(request).batches.create_batch(principal(request), command)
    return created(BatchCreatedOut.of(batch, report), batch_location(batch))


async def list_batches(request: web.Request) -> web.Response:
    """The tenant's batches, newest first, a page at a time (any role), optionally in one
    status."""
    page = await use_cases(request).batches.list_batches(
        principal(request),
        tenant_id(request),
        BatchFilter(status=query_enum(request, "status", BatchStatus)),
        page_request(request),
    )
    return reply(BatchPage([BatchOut.of(b) for b in page.items], page.next_cursor))


async def get_batch(request: web.Request) -> web.Response:
    """One of the tenant's batches with its progress (any role)."""
    batch = await use_cases(request).batches.get_batch(
        principal(request), tenant_id(request), _batch_id(request)
    )
    return reply(BatchOut.of(batch))


async def list_batch_items(request: web.Request) -> web.Response:
    """The batch's leads and their tries, oldest first, a page at a time (any role), filtered
    by status, the outcome of the last try and the reason for a skip."""
    where = BatchItemFilter(
        status=query_enum(request, "status", BatchItemStatus),
        outcome=query_enum(request, "outcome", DialOutcome),
        skip_reason=query_enum(request, "skip_reason", SkipReason),
    )
    page = await use_cases(request).batches.list_items(
        principal(request), tenant_id(request), _batch_id(request), where, page_request(request)
    )
    return reply(BatchItemPage([BatchItemOut.of(i) for i in page.items], page.next_cursor))


async def batch_preflight(request: web.Request) -> web.Response:
    """What would happen if the batch ran now (members and up): the leads waiting, how many
    would be dialled at once, how many are do-not-call, of unknown zone or outside the window
    now, the concurrency the limits allow, an estimate of the time it takes, and what stops it
    (the plan, its limits). Nothing is dialled or changed."""
    report = await use_cases(request).batches.preflight(
        principal(request), tenant_id(request), _batch_id(request)
    )
    return reply(PreflightOut.of(report))


async def start_batch(request: web.Request) -> web.Response:
    """Start a draft batch (members and up): its leads are dialled from now on, within their
    calling window. Needs `batch_calls`; a batch that is not a draft is a 409."""
    batch = await use_cases(request).batches.start(
        principal(request), tenant_id(request), _batch_id(request)
    )
    return reply(BatchOut.of(batch))


async def pause_batch(request: web.Request) -> web.Response:
    """Pause a running batch (members and up): no new dials; calls on the line finish. A batch
    that is not running is a 409."""
    batch = await use_cases(request).batches.pause(
        principal(request), tenant_id(request), _batch_id(request)
    )
    return reply(BatchOut.of(batch))


async def resume_batch(request: web.Request) -> web.Response:
    """Resume a paused batch (members and up), whoever or whatever paused it. Needs
    `batch_calls`; a batch that is not paused is a 409."""
    batch = await use_cases(request).batches.resume(
        principal(request), tenant_id(request), _batch_id(request)
    )
    return reply(BatchOut.of(batch))


async def cancel_batch(request: web.Request) -> web.Response:
    """Cancel a batch that has not ended (members and up): every lead still waiting is
    cancelled, calls on the line finish (and are counted). A completed or cancelled batch is
    a 409."""
    batch = await use_cases(request).batches.cancel(
        principal(request), tenant_id(request), _batch_id(request)
    )
    return reply(BatchOut.of(batch))


LIST_PARAMS = (
    QueryParam(
        "status",
        "Only batches in this status.",
        {"type": "string", "enum": [s.value for s in BatchStatus]},
    ),
    *PAGE_PARAMS,
)
ITEM_PARAMS = (
    QueryParam(
        "status",
        "Only items in this status.",
        {"type": "string", "enum": [s.value for s in BatchItemStatus]},
    ),
    QueryParam(
        "outcome",
        "Only items whose last try ended this way.",
        {"type": "string", "enum": [o.value for o in DialOutcome]},
    ),
    QueryParam(
        "skip_reason",
        "Only items skipped for this reason.",
        {"type": "string", "enum": [r.value for r in SkipReason]},
    ),
    *PAGE_PARAMS,
)
READ = (403, 404)
CHANGE = (403, 404, 409)

ROUTES = [
    Endpoint("POST", BATCHES, create_batch,
             "Create a batch in draft from lead ids or a lead filter; 201 with the batch, its "
             "preflight and its path in `Location` (members)", "batches",
             body=CreateBatchIn, response=BatchCreatedOut, status=201,
             errors=(400, 403, 404, 422)),
    Endpoint("GET", BATCHES, list_batches, "List batches, newest first", "batches",
             response=BatchPage, query=LIST_PARAMS, errors=(403, 404, 422)),
    Endpoint("GET", BATCH, get_batch, "Get a batch with its progress", "batches",
             response=BatchOut, errors=READ),
    Endpoint("GET", BATCH + "/items", list_batch_items,
             "The batch's leads and their tries, oldest first, with filters", "batches",
             response=BatchItemPage, query=ITEM_PARAMS, errors=(403, 404, 422)),
    Endpoint("POST", BATCH + "/preflight", batch_preflight,
             "What would happen if the batch ran now; nothing is dialled (members)", "batches",
             response=PreflightOut, errors=READ),
    Endpoint("POST", BATCH + "/start", start_batch, "Start a draft batch (members)", "batches",
             response=BatchOut, errors=CHANGE),
    Endpoint("POST", BATCH + "/pause", pause_batch,
             "Pause a running batch; calls on the line finish (members)", "batches",
             response=BatchOut, errors=CHANGE),
    Endpoint("POST", BATCH + "/resume", resume_batch, "Resume a paused batch (members)",
             "batches", response=BatchOut, errors=CHANGE),
    Endpoint("POST", BATCH + "/cancel", cancel_batch,
             "Cancel a batch: waiting leads are not called, calls on the line finish (members)",
             "batches", response=BatchOut, errors=CHANGE),
]  # fmt: skip

"""/v1/tenants/{tenant_id}/retention and a lead's erasure: how long the tenant keeps what was
said and recorded on its calls, and a data subject's request to be forgotten."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from application.retention import Erasure, RetentionView
from domain.ids import LeadId
from domain.retention import MAX_DAYS, RetentionChoice, RetentionPolicy
from entrypoints.http.requests import body, changes, path_id, principal, tenant_id
from entrypoints.http.routing import Endpoint, reply, use_cases
from entrypoints.http.schemas import Body, TenantRef, UpdatedAt

DayCount = Annotated[int, msgspec.Meta(ge=0, le=MAX_DAYS)]
Days = Annotated[
    DayCount | None,
    msgspec.Meta(
        description="Days kept after a call ends (0: gone at the next purge); null: no end.",
        examples=[30],
    ),
]
ChosenDays = Annotated[
    DayCount | None,
    msgspec.Meta(description="Days chosen; null: as the plan allows.", examples=[30]),
]
Store = Annotated[
    bool,
    msgspec.Meta(
        description="Whether what was said is stored; when false only outcome, cost, duration "
        "and usage are kept and calls go out in the provider's HIPAA mode (it keeps nothing).",
        examples=[True],
    ),
]
ChosenStore = Annotated[
    bool | None,
    msgspec.Meta(
        description="false: store no transcripts; null: as the plan allows.", examples=[None]
    ),
]


class RetentionPeriods(msgspec.Struct):
    """What is kept, and for how long."""

    transcripts_days: Annotated[
        Days, msgspec.Meta(description="Transcripts, summaries and analyses; null: no end.")
    ]
    recordings_days: Annotated[Days, msgspec.Meta(description="Recording links; null: no end.")]
    provider_record_days: Annotated[
        Days, msgspec.Meta(description="The provider's own record of a call; null: no end.")
    ]
    store_transcripts: Store

    @classmethod
    def of(cls, policy: RetentionPolicy) -> RetentionPeriods:
        return cls(
            policy.transcripts_days,
            policy.recordings_days,
            policy.provider_record_days,
            policy.store_transcripts,
        )


class RetentionChoiceOut(msgspec.Struct):
    """What the tenant chose; null for each: as its plan allows."""

    transcripts_days: ChosenDays
    recordings_days: ChosenDays
    provider_record_days: ChosenDays
    store_transcripts: ChosenStore

    @classmethod
    def of(cls, choice: RetentionChoice) -> RetentionChoiceOut:
        return cls(
            choice.transcripts_days,
            choice.recordings_days,
            choice.provider_record_days,
            choice.store_transcripts,
        )


class RetentionOut(msgspec.Struct, tag_field="object", tag="retention"):
    """How long the tenant keeps its calls' content: `effective` is what the purge applies
    (the tenant's choice within its plan), `chosen` what the tenant set, `plan` the most its
    plan allows. Outcome, cost, duration and usage are kept whatever is chosen."""

    tenant_id: TenantRef
    effective: RetentionPeriods
    chosen: RetentionChoiceOut
    plan: Annotated[
        RetentionPeriods, msgspec.Meta(description="The most the tenant's plan allows.")
    ]
    updated_at: UpdatedAt

    @classmethod
    def of(cls, view: RetentionView) -> RetentionOut:
        return cls(
            view.tenant_id,
            RetentionPeriods.of(view.effective),
            RetentionChoiceOut.of(view.chosen),
            RetentionPeriods.of(view.plan),
            view.updated_at,
        )


class UpdateRetentionIn(Body):
    """A change to the tenant's choices; fields left out stay as they are, null goes back to
    what the plan allows."""

    transcripts_days: ChosenDays | msgspec.UnsetType = msgspec.UNSET
    recordings_days: ChosenDays | msgspec.UnsetType = msgspec.UNSET
    provider_record_days: ChosenDays | msgspec.UnsetType = msgspec.UNSET
    store_transcripts: ChosenStore | msgspec.UnsetType = msgspec.UNSET


Count = Annotated[int, msgspec.Meta(ge=0)]


class LeadErasureOut(msgspec.Struct, tag_field="object", tag="lead_erasure"):
    """What a data subject's erasure removed."""

    lead_id: Annotated[UUID, msgspec.Meta(description="The lead, now deleted.")]
    erased_at: Annotated[datetime, msgspec.Meta(tz=True, description="When (RFC 3339, UTC).")]
    calls: Annotated[
        Count,
        msgspec.Meta(
            description="Calls of the lead, to its number or from it: their content deleted and "
            "the person unlinked (the number called shows `erased`); cost, duration and usage "
            "stay."
        ),
    ]
    messages: Annotated[
        Count, msgspec.Meta(description="The provider's messages about them, deleted.")
    ]
    audit_entries: Annotated[
        Count,
        msgspec.Meta(description="Audit entries whose details were emptied (the act stays)."),
    ]
    exports: Annotated[
        Count, msgspec.Meta(description="The tenant's finished exports, which held the person.")
    ]

    @classmethod
    def of(cls, erasure: Erasure) -> LeadErasureOut:
        return cls(
            erasure.lead_id,
            erasure.at,
            erasure.calls,
            erasure.messages,
            erasure.audit_entries,
            erasure.exports,
        )


async def get_retention(request: web.Request) -> web.Response:
    """How long the tenant keeps its calls' content (any role)."""
    view = await use_cases(request).retention.settings(principal(request), tenant_id(request))
    return reply(RetentionOut.of(view))


async def update_retention(request: web.Request) -> web.Response:
    """Choose how long the tenant keeps its calls' content (owners and admins), within its
    plan: more than the plan allows is a 422 naming the setting. Shorter periods apply at the
    next purge (the worker runs it every few minutes) to calls already kept. Turning
    `store_transcripts` off applies at once to calls in progress and sends new calls in the
    provider's HIPAA mode. Audited (`tenant.retention_changed`)."""
    data = await body(request, UpdateRetentionIn)
    view = await use_cases(request).retention.change(
        principal(request), tenant_id(request), changes(data)
    )
    return reply(RetentionOut.of(view))


async def erase_lead(request: web.Request) -> web.Response:
    """A data subject's erasure (owners and admins): the lead is deleted; its calls, and the
    tenant's calls to or from its number, lose their transcripts, recordings, analyses,
    provider records, metadata and every trace of the person, keeping outcome, cost, duration
    and usage (the usage report is unchanged); the provider's messages about them go; audit
    entries about them keep who did what and when, without details; the tenant's finished
    exports, which held the person, are deleted. A call of theirs still in progress is a 409:
    erase once it has ended. Audited (`lead.erased`, counts only)."""
    erasure = await use_cases(request).retention.erase_lead(
        principal(request), tenant_id(request), LeadId(path_id(request, "lead_id"))
    )
    return reply(LeadErasureOut.of(erasure))


RETENTION = "/v1/tenants/{tenant_id}/retention"

ROUTES = [
    Endpoint("GET", RETENTION, get_retention, "How long the tenant keeps its calls' content",
             "retention", response=RetentionOut, errors=(403, 404)),
    Endpoint("PATCH", RETENTION, update_retention,
             "Choose how long the tenant keeps its calls' content (admins)", "retention",
             body=UpdateRetentionIn, response=RetentionOut, errors=(400, 403, 404, 409, 422)),
    Endpoint("POST", "/v1/tenants/{tenant_id}/leads/{lead_id}/erase", erase_lead,
             "Erase a lead and everything held about them (admins)", "retention",
             response=LeadErasureOut, errors=(403, 404, 409)),
]  # fmt: skip

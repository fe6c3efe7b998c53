"""/v1/admin/webhook-messages: the provider's messages kept in the inbox, and the replay of
those that failed to apply (platform admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from application.ports.calls import InboxEntry
from application.webhook_messages import Replay, ReplayTally
from domain.ids import TenantId
from entrypoints.http.requests import body, invalid_query, page_request, path_id, principal
from entrypoints.http.routing import PAGE_PARAMS, Endpoint, QueryParam, reply, use_cases
from entrypoints.http.schemas import AwareDatetime, Body, Items, NextCursor

MessageTenant = Annotated[
    UUID | None,
    msgspec.Meta(
        description="The tenant whose call the message is about; null: about no call of ours."
    ),
]
MessageType = Annotated[
    str, msgspec.Meta(description="The provider's message type.", examples=["end-of-call-report"])
]
ProcessedAt = Annotated[
    datetime | None,
    msgspec.Meta(description="When it was applied; null while it is not (RFC 3339, UTC)."),
]
WhyNot = Annotated[
    str | None,
    msgspec.Meta(
        description="Why it was not applied; null once it is.",
        examples=["RuntimeError: the call's record could not be read"],
    ),
]
Outcome = Annotated[
    Literal["applied", "still_failing", "already_processed"],
    msgspec.Meta(
        description="applied: applied to its call and marked processed; still_failing: not"
        " applied, `error` says why; already_processed: it had been, nothing was done."
    ),
]
Count = Annotated[int, msgspec.Meta(ge=0, examples=[3])]


class WebhookMessageOut(msgspec.Struct, tag_field="object", tag="webhook_message"):
    """A message of the provider's, as kept in the inbox (its contents are not shown)."""

    id: Annotated[UUID, msgspec.Meta(description="The message's id in the inbox.")]
    tenant_id: MessageTenant
    provider: Annotated[str, msgspec.Meta(examples=["vapi"])]
    type: MessageType
    dedupe_key: Annotated[
        str,
        msgspec.Meta(
            description="What tells a repeat of the message from a new one.",
            examples=["end-of-call-report:7a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"],
        ),
    ]
    provider_call_id: Annotated[
        str | None,
        msgspec.Meta(
            description="The provider's id of the call it is about.",
            examples=["7a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"],
        ),
    ]
    received_at: Annotated[datetime, msgspec.Meta(description="When it came (RFC 3339, UTC).")]
    processed_at: ProcessedAt
    error: WhyNot
    failed: Annotated[
        bool,
        msgspec.Meta(description="Kept without being applied, with why: a replay may apply it."),
    ]

    @classmethod
    def of(cls, m: InboxEntry) -> WebhookMessageOut:
        return cls(
            m.id,
            m.tenant_id,
            m.provider,
            m.type,
            m.dedupe_key,
            m.provider_call_id,
            m.received_at,
            m.processed_at,
            m.error,
            m.failed,
        )


class WebhookMessagePage(msgspec.Struct):
    """A page of kept messages, newest received first."""

    items: Annotated[list[WebhookMessageOut], Items]
    next_cursor: NextCursor


class WebhookMessageReplayOut(msgspec.Struct, tag_field="object", tag="webhook_message_replay"):
    """What replaying one message did, and where the message stands now."""

    id: Annotated[UUID, msgspec.Meta(description="The message's id in the inbox.")]
    tenant_id: MessageTenant
    type: MessageType
    outcome: Outcome
    call_changed: Annotated[
        bool,
        msgspec.Meta(description="The message moved its call (false: the call was ahead)."),
    ]
    processed_at: ProcessedAt
    error: WhyNot

    @classmethod
    def of(cls, r: Replay) -> WebhookMessageReplayOut:
        m = r.message
        return cls(
            m.id, m.tenant_id, m.type, r.outcome.value, r.call_changed, m.processed_at, m.error
        )


class ReplayWebhookMessagesIn(Body):
    """Which failed messages to replay."""

    since: Annotated[
        AwareDatetime, msgspec.Meta(description="Those received at or after this moment.")
    ]
    tenant_id: Annotated[
        UUID | None,
        msgspec.Meta(
            description="Only this tenant's; left out or null: every tenant's, and those about"
            " no call of ours."
        ),
    ] = None


class WebhookReplaySummaryOut(msgspec.Struct, tag_field="object", tag="webhook_replay_summary"):
    """What replaying the failed messages did."""

    replayed: Annotated[Count, msgspec.Meta(description="Messages replayed.")]
    applied: Annotated[Count, msgspec.Meta(description="Of those, applied and processed now.")]
    still_failing: Annotated[
        Count, msgspec.Meta(description="Of those, still not applied (each says why).")
    ]

    @classmethod
    def of(cls, t: ReplayTally) -> WebhookReplaySummaryOut:
        return cls(t.replayed, t.applied, t.still_failing)


def _tenant(request: web.Request) -> TenantId | None:
    """The `tenant_id` query parameter; None (the messages of no tenant) when absent."""
    raw = request.query.get("tenant_id")
    if not raw:
        return None
    try:
        return TenantId(UUID(raw))
    except ValueError:
        raise invalid_query("tenant_id", "must be a UUID") from None


def _failed(request: web.Request) -> bool:
    return request.query.get("failed") == "true"  # checked as a boolean before


async def list_messages(request: web.Request) -> web.Response:
    """The provider's messages kept for a tenant (`tenant_id`; left out: those about no call
    of ours), newest received first, a page at a time, without their contents; `failed=true`:
    only those that failed to apply, which a replay may apply. Platform admins only."""
    page = await use_cases(request).webhook_messages.list_messages(
        principal(request), _tenant(request), page_request(request), failed=_failed(request)
    )
    return reply(
        WebhookMessagePage([WebhookMessageOut.of(m) for m in page.items], page.next_cursor)
    )


async def replay_message(request: web.Request) -> web.Response:
    """Apply a kept message again, as if it had just come: routed to its call and applied,
    then marked processed, in one transaction (platform admins only). Ids are per tenant: name
    the message's tenant with `tenant_id` (left out: a message about no call of ours). A
    message processed already is left as it is (`already_processed`), so a replay may be
    repeated safely; one that still cannot be applied stays failed with the new reason
    (`still_failing`)."""
    replay = await use_cases(request).webhook_messages.replay(
        principal(request), _tenant(request), path_id(request, "message_id")
    )
    return reply(WebhookMessageReplayOut.of(replay))


async def replay_failed(request: web.Request) -> web.Response:
    """Replay every message received at or after `since` that failed to apply, of one tenant
    (`tenant_id`) or of every tenant and those about no call of ours (platform admins only),
    each as a replay of one; the answer counts them."""
    data = await body(request, ReplayWebhookMessagesIn)
    tenant = TenantId(data.tenant_id) if data.tenant_id else None
    tally = await use_cases(request).webhook_messages.replay_failed(
        principal(request), data.since, tenant
    )
    return reply(WebhookReplaySummaryOut.of(tally))


MESSAGES = "/v1/admin/webhook-messages"
TAG = "admin"
TENANT = QueryParam(
    "tenant_id", "The tenant whose messages; left out: the messages about no call of ours."
)

ROUTES = [
    Endpoint("GET", MESSAGES, list_messages,
             "List the provider's messages kept for a tenant (platform admins)", TAG,
             response=WebhookMessagePage,
             query=(TENANT,
                    QueryParam("failed", "true: only those that failed to apply.",
                               {"type": "boolean"}),
                    *PAGE_PARAMS),
             errors=(403, 404, 422)),
    Endpoint("POST", MESSAGES + "/{message_id}/replay", replay_message,
             "Replay a kept message that failed to apply (platform admins)", TAG,
             response=WebhookMessageReplayOut, query=(TENANT,), errors=(403, 404, 422, 503)),
    Endpoint("POST", MESSAGES + "/replay", replay_failed,
             "Replay the messages that failed to apply since a time (platform admins)", TAG,
             body=ReplayWebhookMessagesIn, response=WebhookReplaySummaryOut,
             errors=(400, 403, 404, 422, 503)),
]  # fmt: skip

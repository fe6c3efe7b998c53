"""/v1/tenants/{tenant_id}/webhook-endpoints: where the tenant's events are delivered."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from application.webhook_endpoints import MAX_REPLAYED, CreateEndpoint, UpdateEndpoint
from domain.ids import WebhookDeliveryId, WebhookEndpointId
from domain.webhooks import (
    DEFAULT_ROTATION_OVERLAP,
    MAX_ROTATION_OVERLAP,
    MAX_URL_LENGTH,
    DeliveryAttempt,
    DeliveryStatus,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
)
from entrypoints.http.requests import (
    body,
    changes,
    page_request,
    path_id,
    principal,
    query_enum,
    tenant_id,
)
from entrypoints.http.routing import (
    PAGE_PARAMS,
    Endpoint,
    QueryParam,
    created,
    reply,
    use_cases,
)
from entrypoints.http.schemas import (
    Body,
    CreatedAt,
    Items,
    NextCursor,
    RecordVersion,
    TenantRef,
    UpdatedAt,
    Version,
)

Url = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="Where the events are POSTed: an http or https URL with no user or"
        " password. Hosts that resolve to loopback, private, link-local or metadata addresses"
        " are refused at delivery unless the platform allows them.",
        examples=["https://crm.example.com/hooks/voice"],
    ),
]
EventTypes = Annotated[
    list[EventType],
    msgspec.Meta(
        min_length=1,
        description="The event types the endpoint receives (at least one).",
        examples=[["call.ended", "call.analyzed"]],
    ),
]
Description = Annotated[str, msgspec.Meta(max_length=500, examples=["CRM: log every ended call"])]
Enabled = Annotated[
    bool,
    msgspec.Meta(description="false: nothing is delivered to it until it is enabled again."),
]
Secret = Annotated[
    str,
    msgspec.Meta(
        description="The signing secret (Standard Webhooks: `whsec_` and base64). Shown only"
        " here: when the endpoint is made and when its secret is rotated.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    ),
]


class CreateWebhookEndpointIn(Body):
    """A new webhook endpoint of the tenant."""

    url: Url
    event_types: EventTypes
    description: Description | None = None
    enabled: Enabled = True


class UpdateWebhookEndpointIn(Body):
    """A change to a webhook endpoint; fields left out stay as they are."""

    url: Url | msgspec.UnsetType = msgspec.UNSET
    event_types: EventTypes | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType | None = msgspec.UNSET
    enabled: Enabled | msgspec.UnsetType = msgspec.UNSET
    version: Version | None = None


class RotateWebhookSecretIn(Body):
    """How long the secret being replaced still signs beside the new one."""

    overlap_seconds: Annotated[
        int,
        msgspec.Meta(
            ge=0,
            le=int(MAX_ROTATION_OVERLAP.total_seconds()),
            description="Seconds the old secret keeps signing (each delivery then carries"
            " both signatures); 0 stops it at once.",
            examples=[3600],
        ),
    ] = int(DEFAULT_ROTATION_OVERLAP.total_seconds())


class WebhookEndpointOut(msgspec.Struct, tag_field="object", tag="webhook_endpoint"):
    """A webhook endpoint of the tenant (its secret is not shown here)."""

    id: Annotated[UUID, msgspec.Meta(description="The endpoint's id.")]
    tenant_id: TenantRef
    url: Url
    event_types: EventTypes
    description: Description | None
    enabled: Enabled
    previous_secret_expires_at: Annotated[
        datetime | None,
        msgspec.Meta(description="Until when the secret replaced by a rotation still signs."),
    ]
    failing_since: Annotated[
        datetime | None,
        msgspec.Meta(
            description="Since when every delivery to it has failed (null: the last one"
            " succeeded). After a day of failures it is disabled."
        ),
    ]
    disabled_reason: Annotated[
        str | None,
        msgspec.Meta(
            description="Why we turned it off (every delivery failing for a day); null when"
            " it is on, or was turned off by the tenant. Enabling it clears this.",
            examples=["every delivery failed for 24 hours"],
        ),
    ]
    version: RecordVersion
    created_at: CreatedAt
    updated_at: UpdatedAt

    @classmethod
    def of(cls, e: WebhookEndpoint) -> WebhookEndpointOut:
        return cls(
            e.id,
            e.tenant_id,
            e.url,
            sorted(e.event_types),
            e.description,
            e.enabled,
            e.previous_secret_expires_at,
            e.failing_since,
            e.disabled_reason,
            e.version,
            e.created_at,
            e.updated_at,
        )


class WebhookEndpointWithSecretOut(WebhookEndpointOut, tag="webhook_endpoint"):
    """A webhook endpoint with its signing secret: the answer to its creation and to a
    rotation, the only ones that show it."""

    secret: Secret = ""

    @classmethod
    def with_secret(cls, e: WebhookEndpoint) -> WebhookEndpointWithSecretOut:
        shown = WebhookEndpointOut.of(e)
        return cls(**msgspec.structs.asdict(shown), secret=e.secret)


class WebhookEndpointPage(msgspec.Struct):
    """A page of the tenant's webhook endpoints, oldest first."""

    items: Annotated[list[WebhookEndpointOut], Items]
    next_cursor: NextCursor


class DeliveryAttemptOut(msgspec.Struct, tag_field="object", tag="webhook_delivery_attempt"):
    """One request made for a delivery, as the receiver answered it."""

    id: UUID
    attempted_at: datetime
    latency_ms: Annotated[int, msgspec.Meta(description="From sending to the answer.")]
    status_code: Annotated[
        int | None,
        msgspec.Meta(description="The receiver's HTTP status; null when no answer came."),
    ]
    response_excerpt: Annotated[
        str | None,
        msgspec.Meta(description="The start of the answer's body (1 kB at most).", examples=["ok"]),
    ]
    error: Annotated[
        str | None,
        msgspec.Meta(
            description="Why the attempt failed: no answer (refused, timed out, a target that"
            " is not a public address) or the status it answered.",
            examples=["the receiver answered 503"],
        ),
    ]

    @classmethod
    def of(cls, a: DeliveryAttempt) -> DeliveryAttemptOut:
        return cls(a.id, a.attempted_at, a.latency_ms, a.status_code, a.response_excerpt, a.error)


class _DeliveryFields(msgspec.Struct, tag_field="object"):
    id: Annotated[UUID, msgspec.Meta(description="The delivery's id.")]
    tenant_id: TenantRef
    endpoint_id: UUID
    event_id: Annotated[
        UUID,
        msgspec.Meta(
            description="The event's id: the `webhook-id` header of every attempt, the same"
            " for retries and replays, for the receiver to deduplicate."
        ),
    ]
    event_type: EventType
    status: Annotated[
        DeliveryStatus,
        msgspec.Meta(
            description="pending: waiting for its next attempt; delivered: a 2xx came back;"
            " failed: every retry was used, or the endpoint was disabled."
        ),
    ]
    attempts: Annotated[int, msgspec.Meta(description="Requests made so far.")]
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: Annotated[
        str | None,
        msgspec.Meta(
            description="Why the last attempt failed.", examples=["no answer within the time bound"]
        ),
    ]
    delivered_at: datetime | None
    created_at: CreatedAt


def _delivery_fields(d: WebhookDelivery) -> dict[str, object]:
    return {
        "id": d.id,
        "tenant_id": d.tenant_id,
        "endpoint_id": d.endpoint_id,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "last_attempt_at": d.last_attempt_at,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "delivered_at": d.delivered_at,
        "created_at": d.created_at,
    }


class DeliveryOut(_DeliveryFields, tag="webhook_delivery"):
    """One event on its way to one endpoint."""

    @classmethod
    def of(cls, d: WebhookDelivery) -> DeliveryOut:
        return cls(**_delivery_fields(d))  # type: ignore[arg-type]


class DeliveryWithAttemptsOut(_DeliveryFields, tag="webhook_delivery"):
    """A delivery with every attempt made for it, oldest first."""

    attempt_log: list[DeliveryAttemptOut] = []

    @classmethod
    def of(cls, d: WebhookDelivery, attempts: list[DeliveryAttempt]) -> DeliveryWithAttemptsOut:
        return cls(
            **_delivery_fields(d),  # type: ignore[arg-type]
            attempt_log=[DeliveryAttemptOut.of(a) for a in attempts],
        )


class DeliveryPage(msgspec.Struct):
    """A page of an endpoint's deliveries, newest first."""

    items: Annotated[list[DeliveryOut], Items]
    next_cursor: NextCursor


class ReplayIn(Body):
    """Which events to send the endpoint again."""

    since: Annotated[
        datetime,
        msgspec.Meta(
            description="Every event that occurred at or after this time, of a type the"
            f" endpoint wants, is delivered to it again (at most {MAX_REPLAYED:,}, the oldest"
            " first), with its own id.",
            examples=["2026-12-01T00:00:00Z"],
        ),
    ]


class ReplayOut(msgspec.Struct, tag_field="object", tag="webhook_replay"):
    """What a replay queued."""

    endpoint_id: UUID
    since: datetime
    deliveries: Annotated[int, msgspec.Meta(description="New deliveries, due at once.")]


def _endpoint_id(request: web.Request) -> WebhookEndpointId:
    return WebhookEndpointId(path_id(request, "endpoint_id"))


async def create_endpoint(request: web.Request) -> web.Response:
    """Add a webhook endpoint (owners and admins; the plan's `webhooks` feature, within
    `webhooks.endpoints.max`). The answer shows the signing secret: keep it, it is not shown
    again."""
    data = await body(request, CreateWebhookEndpointIn)
    endpoint = await use_cases(request).webhook_endpoints.create_endpoint(
        principal(request),
        CreateEndpoint(
            tenant_id(request),
            data.url,
            frozenset(data.event_types),
            data.description,
            data.enabled,
        ),
    )
    return created(
        WebhookEndpointWithSecretOut.with_secret(endpoint),
        f"/v1/tenants/{endpoint.tenant_id}/webhook-endpoints/{endpoint.id}",
    )


async def list_endpoints(request: web.Request) -> web.Response:
    """The tenant's webhook endpoints, oldest first (owners and admins)."""
    page = await use_cases(request).webhook_endpoints.list_endpoints(
        principal(request), tenant_id(request), page_request(request)
    )
    return reply(
        WebhookEndpointPage([WebhookEndpointOut.of(e) for e in page.items], page.next_cursor)
    )


async def get_endpoint(request: web.Request) -> web.Response:
    """One of the tenant's webhook endpoints (owners and admins)."""
    endpoint = await use_cases(request).webhook_endpoints.get_endpoint(
        principal(request), tenant_id(request), _endpoint_id(request)
    )
    return reply(WebhookEndpointOut.of(endpoint))


async def update_endpoint(request: web.Request) -> web.Response:
    """Change a webhook endpoint (owners and admins): fields left out stay as they are. Send
    the `version` you read to be refused (409) if someone changed it since."""
    data = await body(request, UpdateWebhookEndpointIn)
    endpoint = await use_cases(request).webhook_endpoints.update_endpoint(
        principal(request),
        UpdateEndpoint(tenant_id(request), _endpoint_id(request), changes(data), data.version),
    )
    return reply(WebhookEndpointOut.of(endpoint))


async def rotate_secret(request: web.Request) -> web.Response:
    """Give the endpoint a new signing secret (owners and admins), shown in the answer; the
    one it replaces keeps signing for `overlap_seconds` (default a day), so the receiver can
    switch without refusing a delivery."""
    data = await body(request, RotateWebhookSecretIn)
    endpoint = await use_cases(request).webhook_endpoints.rotate_secret(
        principal(request),
        tenant_id(request),
        _endpoint_id(request),
        timedelta(seconds=data.overlap_seconds),
    )
    return reply(WebhookEndpointWithSecretOut.with_secret(endpoint))


async def delete_endpoint(request: web.Request) -> web.Response:
    """Delete a webhook endpoint (owners and admins): nothing more is delivered to it."""
    await use_cases(request).webhook_endpoints.delete_endpoint(
        principal(request), tenant_id(request), _endpoint_id(request)
    )
    return reply(None, 204)


def _delivery_id(request: web.Request) -> WebhookDeliveryId:
    return WebhookDeliveryId(path_id(request, "delivery_id"))


async def list_deliveries(request: web.Request) -> web.Response:
    """The endpoint's deliveries, newest first (owners and admins)."""
    page = await use_cases(request).webhook_endpoints.list_deliveries(
        principal(request),
        tenant_id(request),
        _endpoint_id(request),
        query_enum(request, "status", DeliveryStatus),
        page_request(request),
    )
    return reply(DeliveryPage([DeliveryOut.of(d) for d in page.items], page.next_cursor))


async def get_delivery(request: web.Request) -> web.Response:
    """A delivery with its attempts (owners and admins)."""
    delivery, attempts = await use_cases(request).webhook_endpoints.get_delivery(
        principal(request), tenant_id(request), _endpoint_id(request), _delivery_id(request)
    )
    return reply(DeliveryWithAttemptsOut.of(delivery, attempts))


async def retry_delivery(request: web.Request) -> web.Response:
    """Make the delivery again now, whatever became of it (owners and admins); the endpoint
    must be enabled (409 otherwise)."""
    delivery = await use_cases(request).webhook_endpoints.retry_delivery(
        principal(request), tenant_id(request), _endpoint_id(request), _delivery_id(request)
    )
    return reply(DeliveryOut.of(delivery), 202)


async def replay(request: web.Request) -> web.Response:
    """Deliver again every event since a time (owners and admins); the endpoint must be
    enabled (409 otherwise)."""
    data = await body(request, ReplayIn)
    endpoint_id = _endpoint_id(request)
    count = await use_cases(request).webhook_endpoints.replay(
        principal(request), tenant_id(request), endpoint_id, data.since
    )
    return reply(ReplayOut(endpoint_id, data.since, count), 202)


ENDPOINTS = "/v1/tenants/{tenant_id}/webhook-endpoints"
ENDPOINT = ENDPOINTS + "/{endpoint_id}"
DELIVERIES = ENDPOINT + "/deliveries"
DELIVERY = DELIVERIES + "/{delivery_id}"
DELIVERY_PARAMS = (
    QueryParam(
        "status",
        "Only deliveries in this status.",
        {"type": "string", "enum": [s.value for s in DeliveryStatus]},
    ),
    *PAGE_PARAMS,
)
WRITE = (400, 403, 404, 409, 422)

TAG = "webhook-endpoints"

ROUTES = [
    Endpoint("GET", ENDPOINTS, list_endpoints, "List the tenant's webhook endpoints (admins)",
             TAG, response=WebhookEndpointPage, query=PAGE_PARAMS, errors=(403, 404, 422)),
    Endpoint("POST", ENDPOINTS, create_endpoint,
             "Add a webhook endpoint; the answer shows its signing secret once (admins)", TAG,
             body=CreateWebhookEndpointIn, response=WebhookEndpointWithSecretOut, status=201,
             errors=WRITE),
    Endpoint("GET", ENDPOINT, get_endpoint, "Get a webhook endpoint (admins)", TAG,
             response=WebhookEndpointOut, errors=(403, 404)),
    Endpoint("PATCH", ENDPOINT, update_endpoint,
             "Change a webhook endpoint; fields left out stay as they are (admins)", TAG,
             body=UpdateWebhookEndpointIn, response=WebhookEndpointOut, errors=WRITE),
    Endpoint("POST", ENDPOINT + "/rotate-secret", rotate_secret,
             "Give the endpoint a new signing secret, the old one signing for an overlap (admins)",
             TAG, body=RotateWebhookSecretIn, response=WebhookEndpointWithSecretOut, errors=WRITE),
    Endpoint("DELETE", ENDPOINT, delete_endpoint, "Delete a webhook endpoint (admins)", TAG,
             status=204, errors=(403, 404)),
    Endpoint("GET", DELIVERIES, list_deliveries,
             "List the endpoint's deliveries, newest first (admins)", TAG,
             response=DeliveryPage, query=DELIVERY_PARAMS, errors=(403, 404, 422)),
    Endpoint("GET", DELIVERY, get_delivery, "Get a delivery with its attempts (admins)", TAG,
             response=DeliveryWithAttemptsOut, errors=(403, 404)),
    Endpoint("POST", DELIVERY + "/retry", retry_delivery,
             "Make a delivery again now (admins)", TAG, response=DeliveryOut, status=202,
             errors=(403, 404, 409)),
    Endpoint("POST", ENDPOINT + "/replay", replay,
             "Deliver again every event since a time (admins)", TAG, body=ReplayIn,
             response=ReplayOut, status=202, errors=WRITE),
]  # fmt: skip

"""/v1/tenants/{tenant_id}/webhook-endpoints: where the tenant's events are delivered."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from application.webhook_endpoints import CreateEndpoint, UpdateEndpoint
from domain.ids import WebhookEndpointId
from domain.webhooks import (
    DEFAULT_ROTATION_OVERLAP,
    MAX_ROTATION_OVERLAP,
    MAX_URL_LENGTH,
    EventType,
    WebhookEndpoint,
)
from entrypoints.http.requests import body, changes, page_request, path_id, principal, tenant_id
from entrypoints.http.routing import PAGE_PARAMS, Endpoint, created, reply, use_cases
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


ENDPOINTS = "/v1/tenants/{tenant_id}/webhook-endpoints"
ENDPOINT = ENDPOINTS + "/{endpoint_id}"
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
]  # fmt: skip

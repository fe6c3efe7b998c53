"""The route table: every endpoint once, with what the OpenAPI document needs to know."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import attrs
import msgspec
from aiohttp import web

from adapters.sandbox import SandboxTelephonyProvider
from application.account_deletion import AccountDeletionService
from application.agents import AgentService
from application.audit import AuditService
from application.batches import BatchService
from application.call_events import ProviderEvents
from application.calls import CallService
from application.credentials import CredentialService
from application.invitations import InvitationService
from application.lead_import import LeadImportService
from application.leads import LeadService
from application.phone_numbers import PhoneNumberService
from application.plans import FeatureService, PlanService, TenantFeatureService
from application.ports.unit_of_work import DatabaseProbe
from application.retention import Retention
from application.sign_in import SignInService
from application.tenancy import MembershipService, TenantService
from application.tenant_closure import TenantClosureService
from application.tenant_exports import TenantExportService
from application.users import UserService
from application.voices import VoiceService
from application.webhook_endpoints import WebhookEndpointService
from application.webhook_messages import WebhookMessages

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.frozen
class UseCases:
    """The application's services, as the HTTP handlers see them."""

    tenants: TenantService
    memberships: MembershipService
    users: UserService
    credentials: CredentialService
    audit: AuditService
    plans: PlanService
    features: FeatureService
    tenant_features: TenantFeatureService
    voices: VoiceService
    phone_numbers: PhoneNumberService
    agents: AgentService
    leads: LeadService
    lead_import: LeadImportService
    calls: CallService
    provider_events: ProviderEvents
    probe: DatabaseProbe
    batches: BatchService
    webhook_endpoints: WebhookEndpointService
    webhook_messages: WebhookMessages
    tenant_closure: TenantClosureService
    tenant_exports: TenantExportService
    invitations: InvitationService
    sign_in: SignInService
    account_deletion: AccountDeletionService
    retention: Retention
    sandbox: SandboxTelephonyProvider | None = None
    """The offline provider, when it is the one in use (no Vapi key)."""


USE_CASES = web.AppKey("use_cases", UseCases)


def _schema_by_name(param: QueryParam) -> dict[str, Any]:
    if param.name.endswith("_id"):  # as for path parameters
        return {"type": "string", "format": "uuid"}
    return {"type": "string"}


@attrs.frozen
class QueryParam:
    """A query parameter an endpoint reads: documented, and checked before the handler runs
    (its schema's type, format, enum, bounds and maxLength; an unknown name is a 422)."""

    name: str
    description: str
    schema: dict[str, Any] = attrs.field(default=attrs.Factory(_schema_by_name, takes_self=True))


@attrs.frozen
class HeaderParam:
    """A request header an endpoint reads (beyond Authorization and X-Request-Id, which
    every operation reads)."""

    name: str
    description: str
    schema: dict[str, Any] = attrs.field(factory=lambda: {"type": "string"})


PAGE_PARAMS = (
    QueryParam(
        "limit",
        "Page size, 1 to 200 (default 50).",
        {"type": "integer", "minimum": 1, "maximum": 200},
    ),
    QueryParam("cursor", "The `next_cursor` of the previous page."),
)


@attrs.frozen
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: type | None = None
    response: type | None = None
    status: int = 200
    public: bool = False
    query: tuple[QueryParam, ...] = ()
    errors: tuple[int, ...] = ()
    upload: bool = False
    """The body is a file (CSV), allowed up to the upload limit instead of the JSON one."""
    also: tuple[tuple[int, str], ...] = ()
    """Other success statuses, without a body, with what they mean."""
    large_body: bool = False
    """A JSON body allowed up to the upload limit (provider messages with transcripts)."""
    headers: tuple[HeaderParam, ...] = ()
    description: str | None = None
    """What the operation does, in full; by default the handler's docstring."""
    open_query: bool = False
    """Query parameters are not checked: the URL is configured in another system, which may
    add its own (Vapi's Server URL)."""
    media: str | None = None
    """The success answer's media type when it is a file, not JSON (a download)."""

    @property
    def accepts(self) -> tuple[str, ...]:
        """The media types of the body it reads (none: it reads no body)."""
        if self.upload:
            return CSV_TYPES
        if self.body is not None or self.large_body:
            return JSON_TYPES
        return ()

    @property
    def documentation(self) -> str | None:
        return self.description or inspect.getdoc(self.handler)


JSON_TYPES = ("application/json", "application/merge-patch+json")
"""A JSON body's media types (with any charset parameter: JSON is UTF-8)."""
CSV_TYPES = ("text/csv", "multipart/form-data", "text/plain", "application/csv")
"""An uploaded CSV's: the file itself, or the `file` part of a form (the last two are
accepted as synonyms of text/csv, as some clients send them)."""

ROUTE_TABLE = web.AppKey("route_table", dict[tuple[str, str], Endpoint])
"""Every endpoint by (method, path template)."""


def endpoint_of(request: web.Request) -> Endpoint | None:
    """The endpoint a request was routed to (None: no route, e.g. a 404 or a HEAD)."""
    resource = request.match_info.route.resource
    table = request.app.get(ROUTE_TABLE)
    if resource is None or table is None:
        return None
    return table.get((request.method, resource.canonical))


def use_cases(request: web.Request) -> UseCases:
    return request.app[USE_CASES]


class PlainDecimal(Decimal):
    """A decimal that is written without an exponent: `Decimal` prints 0.0000000123 as
    1.23E-8, and amounts of money read as plain decimal strings, every digit shown."""

    def __str__(self) -> str:
        return format(self, "f")


def _encode_more(value: Any) -> Any:
    if isinstance(value, PlainDecimal):
        return str(value)
    raise NotImplementedError(f"cannot encode {type(value).__name__}")


_encode = msgspec.json.Encoder(enc_hook=_encode_more).encode


def encode(payload: msgspec.Struct) -> bytes:
    """JSON as the API writes it (answers, and the events its webhooks send)."""
    return _encode(payload)


def reply(payload: msgspec.Struct | None, status: int = 200) -> web.Response:
    if payload is None:
        return web.Response(status=status)
    return web.Response(status=status, body=_encode(payload), content_type="application/json")


def created(payload: msgspec.Struct, location: str) -> web.Response:
    """201 with the new resource, and its canonical path (where GET reads it) in Location."""
    response = reply(payload, 201)
    response.headers["Location"] = location
    return response

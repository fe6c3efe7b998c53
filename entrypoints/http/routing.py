"""The route table: every endpoint once, with what the OpenAPI document needs to know."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import msgspec
from aiohttp import web

from application.agents import AgentService
from application.audit import AuditService
from application.call_events import ProviderEvents
from application.calls import CallService
from application.credentials import CredentialService
from application.lead_import import LeadImportService
from application.leads import LeadService
from application.phone_numbers import PhoneNumberService
from application.plans import FeatureService, PlanService, TenantFeatureService
from application.ports.unit_of_work import DatabaseProbe
from application.tenancy import MembershipService, TenantService
from application.users import UserService
from application.voices import VoiceService

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


USE_CASES = web.AppKey("use_cases", UseCases)


@attrs.frozen
class QueryParam:
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


def use_cases(request: web.Request) -> UseCases:
    return request.app[USE_CASES]


def reply(payload: msgspec.Struct | None, status: int = 200) -> web.Response:
    if payload is None:
        return web.Response(status=status)
    return web.Response(
        status=status, body=msgspec.json.encode(payload), content_type="application/json"
    )


def created(payload: msgspec.Struct, location: str) -> web.Response:
    """201 with the new resource, and its canonical path (where GET reads it) in Location."""
    response = reply(payload, 201)
    response.headers["Location"] = location
    return response

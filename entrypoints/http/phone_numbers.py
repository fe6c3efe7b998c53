"""/v1/tenants/{tenant_id}/phone-numbers: the tenant's number inventory."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from application.phone_numbers import RegisterNumber, UpdateNumber
from domain.ids import AgentId, PhoneNumberId
from domain.phones import NumberProvider, NumberStatus, PhoneLine, PhoneNumber
from entrypoints.http.requests import (
    body,
    changes,
    page_request,
    path_id,
    principal,
    query_enum,
    tenant_id,
)
from entrypoints.http.routing import PAGE_PARAMS, Endpoint, QueryParam, created, reply, use_cases
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

PhoneText = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=64,
        examples=["+1 415-555-0123"],
        description="Any common format; without a leading + give `country`.",
    ),
]
Country = Annotated[
    str,
    msgspec.Meta(
        min_length=2,
        max_length=2,
        examples=["US"],
        description="ISO 3166 country for numbers written without +.",
    ),
]
Label = Annotated[
    str, msgspec.Meta(max_length=255, description="A name for the number.", examples=["Front desk"])
]
ProviderNumberId = Annotated[
    str,
    msgspec.Meta(
        max_length=255,
        description="The provider's id (Vapi phoneNumberId).",
        examples=["3c8e5f4a-0d3b-4f52-9a0c-2f7d1b6e9a10"],
    ),
]
Provider = Annotated[
    NumberProvider, msgspec.Meta(description="Who provides the line.", examples=["vapi"])
]
InboundAgent = Annotated[
    UUID, msgspec.Meta(description="The agent that answers calls to the number.")
]


class RegisterNumberIn(Body):
    """A number for the tenant's inventory."""

    number: PhoneText
    country: Country | None = None
    provider: Provider = NumberProvider.VAPI
    provider_number_id: ProviderNumberId | None = None
    label: Label | None = None
    inbound_agent_id: InboundAgent | None = None


class UpdateNumberIn(Body):
    """A change to a number; fields left out stay, null clears."""

    label: Label | msgspec.UnsetType | None = msgspec.UNSET
    provider_number_id: ProviderNumberId | msgspec.UnsetType | None = msgspec.UNSET
    inbound_agent_id: InboundAgent | msgspec.UnsetType | None = msgspec.UNSET
    version: Version | None = None


class PhoneNumberOut(msgspec.Struct, tag_field="object", tag="phone_number"):
    """A phone number of the tenant's inventory."""

    id: Annotated[UUID, msgspec.Meta(description="The number's id.")]
    tenant_id: TenantRef
    number: Annotated[
        str, msgspec.Meta(description="The number, E.164.", examples=["+14155550123"])
    ]
    provider: Provider
    provider_number_id: Annotated[
        str | None,
        msgspec.Meta(
            description="The provider's id (Vapi phoneNumberId).",
            examples=["3c8e5f4a-0d3b-4f52-9a0c-2f7d1b6e9a10"],
        ),
    ]
    label: Annotated[
        str | None, msgspec.Meta(description="A name for the number.", examples=["Front desk"])
    ]
    status: Annotated[
        NumberStatus,
        msgspec.Meta(
            description="released: out of service; it answers no calls.", examples=["active"]
        ),
    ]
    inbound_agent_id: Annotated[
        UUID | None, msgspec.Meta(description="The agent that answers calls to the number.")
    ]
    version: RecordVersion
    created_at: CreatedAt
    updated_at: UpdatedAt

    @classmethod
    def of(cls, n: PhoneLine) -> PhoneNumberOut:
        return cls(
            n.id,
            n.tenant_id,
            n.number.e164,
            n.provider,
            n.provider_number_id,
            n.label,
            n.status,
            n.inbound_agent_id,
            n.version,
            n.created_at,
            n.updated_at,
        )


class PhoneNumberPage(msgspec.Struct):
    """A page of the tenant's phone numbers, oldest first."""

    items: Annotated[list[PhoneNumberOut], Items]
    next_cursor: NextCursor


def _number_id(request: web.Request) -> PhoneNumberId:
    return PhoneNumberId(path_id(request, "number_id"))


async def register_number(request: web.Request) -> web.Response:
    """Register a phone number (owners and admins), written in any format and stored as E.164
    (`country` reads one written without +). Counts against the plan's `phone_numbers.max`. A
    number active in any tenant is a 409 that says nothing of the tenant holding it.
    `inbound_agent_id` routes its inbound calls to one of the tenant's agents."""
    data = await body(request, RegisterNumberIn)
    line = await use_cases(request).phone_numbers.register_number(
        principal(request),
        RegisterNumber(
            tenant_id(request),
            PhoneNumber.parse(data.number, region=data.country, field="number"),
            data.provider,
            data.provider_number_id,
            data.label,
            AgentId(data.inbound_agent_id) if data.inbound_agent_id else None,
        ),
    )
    return created(PhoneNumberOut.of(line), f"/v1/tenants/{line.tenant_id}/phone-numbers/{line.id}")


async def list_numbers(request: web.Request) -> web.Response:
    """The tenant's phone numbers, oldest first, a page at a time (any role); `status` filters
    by status."""
    page = await use_cases(request).phone_numbers.list_numbers(
        principal(request),
        tenant_id(request),
        page_request(request),
        status=query_enum(request, "status", NumberStatus),
    )
    return reply(PhoneNumberPage([PhoneNumberOut.of(n) for n in page.items], page.next_cursor))


async def get_number(request: web.Request) -> web.Response:
    """One of the tenant's phone numbers (any role)."""
    line = await use_cases(request).phone_numbers.get_number(
        principal(request), tenant_id(request), _number_id(request)
    )
    return reply(PhoneNumberOut.of(line))


async def update_number(request: web.Request) -> web.Response:
    """Change a number's label, provider line id or inbound agent (owners and admins): fields
    left out stay, null clears. Send the `version` you read to be refused (409) if someone
    changed it since."""
    data = await body(request, UpdateNumberIn)
    line = await use_cases(request).phone_numbers.update_number(
        principal(request),
        UpdateNumber(
            tenant_id(request),
            _number_id(request),
            changes(data, inbound_agent_id=AgentId),
            data.version,
        ),
    )
    return reply(PhoneNumberOut.of(line))


async def release_number(request: web.Request) -> web.Response:
    """Release a number (owners and admins): it answers no more calls, frees its place in
    `phone_numbers.max`, and may be registered again, by any tenant."""
    line = await use_cases(request).phone_numbers.release_number(
        principal(request), tenant_id(request), _number_id(request)
    )
    return reply(PhoneNumberOut.of(line))


NUMBERS = "/v1/tenants/{tenant_id}/phone-numbers"
NUMBER = NUMBERS + "/{number_id}"
STATUS_PARAM = QueryParam(
    "status",
    "Only numbers in this status.",
    {"type": "string", "enum": [s.value for s in NumberStatus]},
)
WRITE = (400, 403, 404, 409, 422)

ROUTES = [
    Endpoint("GET", NUMBERS, list_numbers, "List the tenant's phone numbers, oldest first",
             "phone-numbers", response=PhoneNumberPage, query=(STATUS_PARAM, *PAGE_PARAMS),
             errors=(403, 404, 422)),
    Endpoint("POST", NUMBERS, register_number,
             "Register a number (stored E.164; active in one tenant at a time; admins)",
             "phone-numbers", body=RegisterNumberIn, response=PhoneNumberOut, status=201,
             errors=WRITE),
    Endpoint("GET", NUMBER, get_number, "Get a phone number", "phone-numbers",
             response=PhoneNumberOut, errors=(403, 404)),
    Endpoint("PATCH", NUMBER, update_number,
             "Change a number's label, provider id or inbound agent (admins)", "phone-numbers",
             body=UpdateNumberIn, response=PhoneNumberOut, errors=WRITE),
    Endpoint("DELETE", NUMBER, release_number,
             "Release a number: it answers no calls and frees its place in the limit (admins)",
             "phone-numbers", response=PhoneNumberOut, errors=(403, 404, 409)),
]  # fmt: skip

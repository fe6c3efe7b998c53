"""/v1/tenants/{tenant_id}/phone-numbers: the tenant's number inventory."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from application.phone_numbers import (
    MAX_IDEMPOTENCY_KEY,
    NumberSource,
    ProvisionNumber,
    UpdateNumber,
)
from application.ports.telephony import TwilioProof
from domain.errors import InvalidStateTransition
from domain.ids import AgentId, PhoneNumberId
from domain.phones import NumberOwnership, NumberProvider, NumberStatus, PhoneLine, PhoneNumber
from entrypoints.http.requests import (
    IDEMPOTENCY_HEADER,
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
    HeaderParam,
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
        min_length=1,
        max_length=255,
        description="The provider's id of an existing number (Vapi phoneNumberId).",
        examples=["3c8e5f4a-0d3b-4f52-9a0c-2f7d1b6e9a10"],
    ),
]
Provider = Annotated[
    NumberProvider, msgspec.Meta(description="Who provides the line.", examples=["vapi"])
]
InboundAgent = Annotated[
    UUID, msgspec.Meta(description="The agent that answers calls to the number.")
]
Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class ProvisionNumberIn(Body):
    """A number to provision at the telephony provider: bought (`vapi`, by area code), or the
    tenant's own imported with the proof the provider checks (`twilio`: the Twilio account's
    credentials; `vonage`, `telnyx`, `byo-phone-number`: a Vapi credential of that account),
    or an existing provider number attached by a platform admin (`attach`)."""

    source: Annotated[
        NumberSource,
        msgspec.Meta(description="Where the number comes from.", examples=["vapi"]),
    ]
    area_code: (
        Annotated[
            str,
            msgspec.Meta(
                description="vapi: the area code wanted (US, three digits).", examples=["415"]
            ),
        ]
        | None
    ) = None
    number: PhoneText | None = None
    """Imports: the number, any common format."""
    country: Country | None = None
    twilio_account_sid: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1, max_length=255, examples=["AC0123456789abcdef0123456789abcdef"]
            ),
        ]
        | None
    ) = None
    twilio_auth_token: Secret | None = None
    twilio_api_key: Secret | None = None
    twilio_api_secret: Secret | None = None
    credential_id: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                max_length=255,
                description="vonage, telnyx, byo-phone-number: the Vapi credential of the account.",
            ),
        ]
        | None
    ) = None
    provider_number_id: ProviderNumberId | None = None
    label: Label | None = None
    inbound_agent_id: InboundAgent | None = None


class UpdateNumberIn(Body):
    """A change to a number; fields left out stay, null clears."""

    label: Label | msgspec.UnsetType | None = msgspec.UNSET
    inbound_agent_id: InboundAgent | msgspec.UnsetType | None = msgspec.UNSET
    version: Version | None = None


class SandboxCallIn(Body):
    """A call placed to one of the tenant's numbers, on the sandbox."""

    caller: PhoneText
    country: Country | None = None


class SandboxCallOut(msgspec.Struct):
    """What the sandbox's call to the number came to."""

    provider_call_id: Annotated[
        str,
        msgspec.Meta(
            description="The sandbox's id of the call.",
            examples=["sandbox-0000002a-0b5c8e7e-3f4a-4d2b-9c1e-5a6b7c8d9e0f"],
        ),
    ]
    answered: Annotated[
        bool, msgspec.Meta(description="Whether an agent took the call.", examples=[True])
    ]
    call_id: Annotated[
        UUID | None, msgspec.Meta(description="The call's id here, when an agent took it.")
    ]
    refusal: Annotated[
        str | None,
        msgspec.Meta(description="What the caller was told, when none did.", examples=[None]),
    ]


class PhoneNumberOut(msgspec.Struct, tag_field="object", tag="phone_number"):
    """A phone number of the tenant's inventory."""

    id: Annotated[UUID, msgspec.Meta(description="The number's id.")]
    tenant_id: TenantRef
    number: Annotated[
        str | None,
        msgspec.Meta(
            description="The number, E.164; null while a bought number is provisioning.",
            examples=["+14155550123"],
        ),
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
            description="provisioning: asked of the provider, not in service yet; active; "
            "released: out of service, it answers no calls; failed: the provider made none "
            "(see error).",
            examples=["active"],
        ),
    ]
    ownership: Annotated[
        NumberOwnership,
        msgspec.Meta(
            description="provisioned (made at the provider for the tenant), attached (given by "
            "a platform admin), unconfirmed (typed in before provisioning: neither answers nor "
            "places calls until a platform admin confirms it), confirmed.",
            examples=["provisioned"],
        ),
    ]
    in_service: Annotated[
        bool,
        msgspec.Meta(description="Active and proven the tenant's: it answers and places calls."),
    ]
    credential_id: Annotated[
        str | None,
        msgspec.Meta(
            description="The provider credential it was imported with (Vonage, Telnyx, SIP).",
            examples=[None],
        ),
    ]
    error: Annotated[
        str | None,
        msgspec.Meta(description="Why provisioning failed (status failed).", examples=[None]),
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
            n.number.e164 if n.number else None,
            n.provider,
            n.provider_number_id,
            n.label,
            n.status,
            n.ownership,
            n.in_service,
            n.provider_credential_id,
            n.error,
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


async def provision_number(request: web.Request) -> web.Response:
    """Provision a number at the telephony provider for the tenant (owners and admins; `attach`
    platform admins only). Its E.164 and provider id come from the provider's answer, never
    from the request: `vapi` buys a number (`area_code`), `twilio` imports the tenant's Twilio
    number with the account's credentials (used for the import, never stored), `vonage`,
    `telnyx` and `byo-phone-number` import with a Vapi credential of that account (the first
    tenant to use a credential keeps it). The number's messages come to this API's webhook.
    Counts against `phone_numbers.max` from the start. The answer is 201 with the number
    `active`, or `provisioning` when the provider has not said yet (a bought number
    activating, or no answer): it settles within minutes, never bought twice. A refusal by the
    provider is a 422 with its reason and leaves nothing behind; a number held by any tenant
    is a 409 that says nothing of the tenant holding it. Send an `Idempotency-Key` to retry
    safely."""
    data = await body(request, ProvisionNumberIn)
    twilio = (
        TwilioProof(
            data.twilio_account_sid or "",
            data.twilio_auth_token,
            data.twilio_api_key,
            data.twilio_api_secret,
        )
        if data.twilio_account_sid is not None
        or data.twilio_auth_token is not None
        or data.twilio_api_key is not None
        or data.twilio_api_secret is not None
        else None
    )
    line = await use_cases(request).phone_numbers.provision_number(
        principal(request),
        ProvisionNumber(
            tenant_id(request),
            data.source,
            area_code=data.area_code,
            number=(
                PhoneNumber.parse(data.number, region=data.country, field="number")
                if data.number is not None
                else None
            ),
            twilio=twilio,
            credential_id=data.credential_id,
            provider_number_id=data.provider_number_id,
            label=data.label,
            inbound_agent_id=AgentId(data.inbound_agent_id) if data.inbound_agent_id else None,
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
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
        ownership=query_enum(request, "ownership", NumberOwnership),
    )
    return reply(PhoneNumberPage([PhoneNumberOut.of(n) for n in page.items], page.next_cursor))


async def get_number(request: web.Request) -> web.Response:
    """One of the tenant's phone numbers (any role)."""
    line = await use_cases(request).phone_numbers.get_number(
        principal(request), tenant_id(request), _number_id(request)
    )
    return reply(PhoneNumberOut.of(line))


async def update_number(request: web.Request) -> web.Response:
    """Change a number's label or inbound agent (owners and admins): fields left out stay,
    null clears. Its number and provider id are the provider's and do not change. Send the
    `version` you read to be refused (409) if someone changed it since."""
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
    `phone_numbers.max`, and may be provisioned again. A number provisioned here is released
    at the provider first; if the provider cannot be told, nothing changes and the 502 says
    why. Attached and typed-in numbers stay with the platform's provider account."""
    line = await use_cases(request).phone_numbers.release_number(
        principal(request), tenant_id(request), _number_id(request)
    )
    return reply(PhoneNumberOut.of(line))


async def confirm_number(request: web.Request) -> web.Response:
    """Confirm a number typed in before numbers were provisioned (`ownership` unconfirmed) as
    the tenant's (platform admins): from then on it answers and places calls."""
    line = await use_cases(request).phone_numbers.confirm_number(
        principal(request), tenant_id(request), _number_id(request)
    )
    return reply(PhoneNumberOut.of(line))


async def sandbox_call(request: web.Request) -> web.Response:
    """On the sandbox (no Vapi key), a caller dials the number: the inbound call is routed as
    Vapi's would be, and played like a placed call when an agent takes it (the roles that
    place calls). A number not in service gets the polite refusal a caller would hear."""
    data = await body(request, SandboxCallIn)
    caller = PhoneNumber.parse(data.caller, region=data.country, field="caller")
    cases = use_cases(request)
    line = await cases.phone_numbers.number_to_call(
        principal(request), tenant_id(request), _number_id(request)
    )
    if cases.sandbox is None:
        raise InvalidStateTransition(
            "the sandbox is off (a Vapi key is configured): calls to the number come from Vapi"
        )
    ring = await cases.sandbox.call_in(line, caller)
    return reply(
        SandboxCallOut(
            ring.provider_call_id,
            ring.answered,
            UUID(ring.call_id) if ring.call_id else None,
            ring.refusal,
        ),
        status=202,
    )


NUMBERS = "/v1/tenants/{tenant_id}/phone-numbers"
NUMBER = NUMBERS + "/{number_id}"
STATUS_PARAM = QueryParam(
    "status",
    "Only numbers in this status.",
    {"type": "string", "enum": [s.value for s in NumberStatus]},
)
IDEMPOTENCY_KEY = HeaderParam(
    IDEMPOTENCY_HEADER,
    f"1 to {MAX_IDEMPOTENCY_KEY} characters of your choosing, e.g. a UUID: a retry with the "
    "same key returns the first number instead of provisioning another; the same key with a "
    "different request is a 422.",
    {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY},
)
OWNERSHIP_PARAM = QueryParam(
    "ownership",
    "Only numbers held this way (unconfirmed: awaiting a platform admin).",
    {"type": "string", "enum": [o.value for o in NumberOwnership]},
)
WRITE = (400, 403, 404, 409, 422)

ROUTES = [
    Endpoint("GET", NUMBERS, list_numbers, "List the tenant's phone numbers, oldest first",
             "phone-numbers", response=PhoneNumberPage,
             query=(STATUS_PARAM, OWNERSHIP_PARAM, *PAGE_PARAMS), errors=(403, 404, 422)),
    Endpoint("POST", NUMBERS, provision_number,
             "Provision a number at the provider: buy one, or import the tenant's own (admins)",
             "phone-numbers", body=ProvisionNumberIn, response=PhoneNumberOut, status=201,
             errors=(*WRITE, 502), headers=(IDEMPOTENCY_KEY,)),
    Endpoint("GET", NUMBER, get_number, "Get a phone number", "phone-numbers",
             response=PhoneNumberOut, errors=(403, 404)),
    Endpoint("PATCH", NUMBER, update_number,
             "Change a number's label or inbound agent (admins)", "phone-numbers",
             body=UpdateNumberIn, response=PhoneNumberOut, errors=WRITE),
    Endpoint("DELETE", NUMBER, release_number,
             "Release a number, at the provider too: it answers no calls and frees its place "
             "(admins)", "phone-numbers", response=PhoneNumberOut, errors=(403, 404, 409, 502)),
    Endpoint("POST", NUMBER + "/confirm", confirm_number,
             "Confirm a number typed in without proof as the tenant's (platform admins)",
             "phone-numbers", response=PhoneNumberOut, errors=(403, 404, 409)),
    Endpoint("POST", NUMBER + "/sandbox-calls", sandbox_call,
             "Sandbox: a caller dials the number (members and up)", "phone-numbers",
             body=SandboxCallIn, response=SandboxCallOut, status=202, errors=(403, 404, 409, 422)),
]  # fmt: skip

"""/v1/tenants/{tenant_id}/voices."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from aiohttp import web

from application.voices import CreateVoice, UpdateVoice
from domain.ids import VoiceId
from domain.voices import Voice, VoiceProvider
from entrypoints.http.requests import (
    body,
    changes,
    page_request,
    path_id,
    principal,
    query_bool,
    tenant_id,
)
from entrypoints.http.routing import PAGE_PARAMS, Endpoint, QueryParam, created, reply, use_cases
from entrypoints.http.schemas import (
    Body,
    CreatedAt,
    Items,
    Name,
    NextCursor,
    RecordVersion,
    TenantRef,
    UpdatedAt,
    Version,
)

Language = Annotated[
    str, msgspec.Meta(max_length=35, description="A BCP 47 language tag.", examples=["en-US"])
]
ProviderId = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=255,
        description="The provider's id for the voice.",
        examples=["21m00Tcm4TlvDq8ikWAM"],
    ),
]
Provider = Annotated[
    VoiceProvider,
    msgspec.Meta(description="The voice provider, as Vapi names it.", examples=["11labs"]),
]
Settings = Annotated[
    dict[str, Any],
    msgspec.Meta(
        description="The provider's voice settings, passed to Vapi as they are.",
        examples=[{"stability": 0.5}],
    ),
]
VoiceName = Annotated[Name, msgspec.Meta(description="The voice's name.", examples=["Rachel"])]
VoiceActive = Annotated[
    bool,
    msgspec.Meta(
        description="false: deactivated; agents keep it, new links to it are refused.",
        examples=[True],
    ),
]

ACTIVE_PARAM = QueryParam("active", "true or false: only active, or only inactive, records.",
                          {"type": "boolean"})  # fmt: skip


class CreateVoiceIn(Body):
    """A new voice of the tenant."""

    name: VoiceName
    provider: Provider
    provider_voice_id: ProviderId
    language: Language | None = None
    settings: Settings = {}


class UpdateVoiceIn(Body):
    """A change to a voice; fields left out stay as they are."""

    name: VoiceName | msgspec.UnsetType = msgspec.UNSET
    provider: Provider | msgspec.UnsetType = msgspec.UNSET
    provider_voice_id: ProviderId | msgspec.UnsetType = msgspec.UNSET
    language: Language | msgspec.UnsetType | None = msgspec.UNSET
    settings: Settings | msgspec.UnsetType = msgspec.UNSET
    is_active: VoiceActive | msgspec.UnsetType = msgspec.UNSET
    version: Version | None = None


class VoiceOut(msgspec.Struct, tag_field="object", tag="voice"):
    """A voice of the tenant: a provider's voice its agents speak with."""

    id: Annotated[UUID, msgspec.Meta(description="The voice's id.")]
    tenant_id: TenantRef
    name: VoiceName
    provider: Provider
    provider_voice_id: ProviderId
    language: Annotated[
        str | None, msgspec.Meta(description="A BCP 47 language tag.", examples=["en-US"])
    ]
    settings: Settings
    is_active: VoiceActive
    version: RecordVersion
    created_at: CreatedAt
    updated_at: UpdatedAt

    @classmethod
    def of(cls, v: Voice) -> VoiceOut:
        return cls(
            v.id,
            v.tenant_id,
            v.name,
            v.provider,
            v.provider_voice_id,
            v.language,
            v.settings,
            v.is_active,
            v.version,
            v.created_at,
            v.updated_at,
        )


class VoicePage(msgspec.Struct):
    """A page of the tenant's voices, oldest first."""

    items: Annotated[list[VoiceOut], Items]
    next_cursor: NextCursor


def _voice_id(request: web.Request) -> VoiceId:
    return VoiceId(path_id(request, "voice_id"))


async def create_voice(request: web.Request) -> web.Response:
    """Add a voice of a provider to the tenant (owners and admins)."""
    data = await body(request, CreateVoiceIn)
    voice = await use_cases(request).voices.create_voice(
        principal(request),
        CreateVoice(
            tenant_id(request),
            data.name,
            data.provider,
            data.provider_voice_id,
            data.language,
            data.settings,
        ),
    )
    return created(VoiceOut.of(voice), f"/v1/tenants/{voice.tenant_id}/voices/{voice.id}")


async def list_voices(request: web.Request) -> web.Response:
    """The tenant's voices, oldest first, a page at a time (any role); `active` filters by
    status."""
    page = await use_cases(request).voices.list_voices(
        principal(request),
        tenant_id(request),
        page_request(request),
        active=query_bool(request, "active"),
    )
    return reply(VoicePage([VoiceOut.of(v) for v in page.items], page.next_cursor))


async def get_voice(request: web.Request) -> web.Response:
    """One of the tenant's voices (any role)."""
    voice = await use_cases(request).voices.get_voice(
        principal(request), tenant_id(request), _voice_id(request)
    )
    return reply(VoiceOut.of(voice))


async def update_voice(request: web.Request) -> web.Response:
    """Change a voice (owners and admins): fields left out stay as they are; `is_active` false
    deactivates it, true reactivates it. Send the `version` you read to be refused (409) if
    someone changed it since."""
    data = await body(request, UpdateVoiceIn)
    voice = await use_cases(request).voices.update_voice(
        principal(request),
        UpdateVoice(tenant_id(request), _voice_id(request), changes(data), data.version),
    )
    return reply(VoiceOut.of(voice))


async def deactivate_voice(request: web.Request) -> web.Response:
    """Deactivate a voice (owners and admins): agents that use it keep it; new links to it are
    refused."""
    voice = await use_cases(request).voices.deactivate_voice(
        principal(request), tenant_id(request), _voice_id(request)
    )
    return reply(VoiceOut.of(voice))


VOICES = "/v1/tenants/{tenant_id}/voices"
VOICE = VOICES + "/{voice_id}"
WRITE = (400, 403, 404, 409, 422)

ROUTES = [
    Endpoint("GET", VOICES, list_voices, "List the tenant's voices, oldest first", "voices",
             response=VoicePage, query=(ACTIVE_PARAM, *PAGE_PARAMS), errors=(403, 404, 422)),
    Endpoint("POST", VOICES, create_voice, "Add a voice (admins)", "voices",
             body=CreateVoiceIn, response=VoiceOut, status=201, errors=WRITE),
    Endpoint("GET", VOICE, get_voice, "Get a voice", "voices", response=VoiceOut,
             errors=(403, 404)),
    Endpoint("PATCH", VOICE, update_voice,
             "Change a voice; fields left out stay as they are (admins)", "voices",
             body=UpdateVoiceIn, response=VoiceOut, errors=WRITE),
    Endpoint("DELETE", VOICE, deactivate_voice,
             "Deactivate a voice: agents keep it, new links to it are refused (admins)",
             "voices", response=VoiceOut, errors=(403, 404, 409)),
]  # fmt: skip

"""/v1/tenants/{tenant_id}/agents: voice agents."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from aiohttp import web

from application.agents import CreateAgent, UpdateAgent
from domain.agents import MAX_FIRST_MESSAGE_LENGTH, MAX_PROMPT_LENGTH, VoiceAgent
from domain.ids import AgentId, PhoneNumberId, VoiceId
from entrypoints.http.requests import (
    body,
    changes,
    page_request,
    path_id,
    principal,
    query_bool,
    tenant_id,
)
from entrypoints.http.routing import PAGE_PARAMS, Endpoint, created, reply, use_cases
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
from entrypoints.http.voices import ACTIVE_PARAM, Language

Prompt = Annotated[str, msgspec.Meta(max_length=MAX_PROMPT_LENGTH)]
FirstMessage = Annotated[
    str,
    msgspec.Meta(
        max_length=MAX_FIRST_MESSAGE_LENGTH,
        description="What the agent says first.",
        examples=["Hello! This is Ava from Acme Dental."],
    ),
]
AssistantId = Annotated[
    str,
    msgspec.Meta(
        max_length=255,
        description="A saved Vapi assistant to call with.",
        examples=["5b0a7f7e-6c2b-4f0e-8a51-0b5f4c3d2e1a"],
    ),
]
AgentName = Annotated[Name, msgspec.Meta(description="The agent's name.", examples=["Reception"])]
VoiceRef = Annotated[UUID, msgspec.Meta(description="The tenant's voice it speaks with.")]
NumberRef = Annotated[
    UUID, msgspec.Meta(description="The tenant's number it calls from by default.")
]
AgentInstructions = Annotated[
    Prompt,
    msgspec.Meta(
        description="The agent's instructions, in every call's system"
        " prompt after `system_instructions`.",
        examples=["You book dental appointments."],
    ),
]
SystemInstructions = Annotated[
    Prompt,
    msgspec.Meta(
        description="What every call's system prompt starts with.",
        examples=["Be brief and polite."],
    ),
]
OutboundPrompt = Annotated[
    Prompt,
    msgspec.Meta(
        description="Ends the system prompt of the calls it places.",
        examples=["Remind the patient of tomorrow's visit."],
    ),
]
InboundPrompt = Annotated[
    Prompt,
    msgspec.Meta(
        description="Ends the system prompt of the calls it answers.",
        examples=["Answer questions about opening hours."],
    ),
]
AgentConfig = Annotated[
    dict[str, Any],
    msgspec.Meta(
        description="Settings; `model` holds Vapi model fields and `transcriber` Vapi"
        " transcriber fields for calls without a saved assistant (with none, an agent with a"
        " `language` is transcribed by Deepgram nova-2 in that language).",
        examples=[{"model": {"provider": "openai", "model": "gpt-4o"}}],
    ),
]
AgentActive = Annotated[
    bool,
    msgspec.Meta(
        description="false: deactivated; it places and answers no calls.", examples=[True]
    ),
]
Unset = msgspec.UnsetType
UNSET = msgspec.UNSET


class CreateAgentIn(Body):
    """A new voice agent of the tenant."""

    name: AgentName
    voice_id: VoiceRef | None = None
    default_number_id: NumberRef | None = None
    agent_instructions: AgentInstructions | None = None
    system_instructions: SystemInstructions | None = None
    outbound_prompt: OutboundPrompt | None = None
    inbound_prompt: InboundPrompt | None = None
    first_message: FirstMessage | None = None
    language: Language | None = None
    provider_assistant_id: AssistantId | None = None
    config: AgentConfig = {}


class UpdateAgentIn(Body):
    """A change to an agent; fields left out stay, null clears."""

    name: AgentName | Unset = UNSET
    voice_id: VoiceRef | Unset | None = UNSET
    default_number_id: NumberRef | Unset | None = UNSET
    agent_instructions: AgentInstructions | Unset | None = UNSET
    system_instructions: SystemInstructions | Unset | None = UNSET
    outbound_prompt: OutboundPrompt | Unset | None = UNSET
    inbound_prompt: InboundPrompt | Unset | None = UNSET
    first_message: FirstMessage | Unset | None = UNSET
    language: Language | Unset | None = UNSET
    provider_assistant_id: AssistantId | Unset | None = UNSET
    config: AgentConfig | Unset = UNSET
    is_active: AgentActive | Unset = UNSET
    version: Version | None = None


class AgentOut(msgspec.Struct, tag_field="object", tag="voice_agent"):
    """A voice agent of the tenant: who speaks on its calls, with which voice, number and
    prompts."""

    id: Annotated[UUID, msgspec.Meta(description="The agent's id.")]
    tenant_id: TenantRef
    name: AgentName
    voice_id: Annotated[UUID | None, msgspec.Meta(description="The voice it speaks with.")]
    default_number_id: Annotated[
        UUID | None, msgspec.Meta(description="The number it calls from by default.")
    ]
    created_by: Annotated[UUID | None, msgspec.Meta(description="The user who created it.")]
    agent_instructions: AgentInstructions | None
    system_instructions: SystemInstructions | None
    outbound_prompt: OutboundPrompt | None
    inbound_prompt: InboundPrompt | None
    first_message: FirstMessage | None
    language: Language | None
    provider_assistant_id: AssistantId | None
    config: AgentConfig
    is_active: AgentActive
    version: RecordVersion
    created_at: CreatedAt
    updated_at: UpdatedAt

    @classmethod
    def of(cls, a: VoiceAgent) -> AgentOut:
        return cls(
            a.id,
            a.tenant_id,
            a.name,
            a.voice_id,
            a.default_number_id,
            a.created_by,
            a.agent_instructions,
            a.system_instructions,
            a.outbound_prompt,
            a.inbound_prompt,
            a.first_message,
            a.language,
            a.provider_assistant_id,
            a.config,
            a.is_active,
            a.version,
            a.created_at,
            a.updated_at,
        )


class AgentPage(msgspec.Struct):
    """A page of the tenant's voice agents, oldest first."""

    items: Annotated[list[AgentOut], Items]
    next_cursor: NextCursor


def _agent_id(request: web.Request) -> AgentId:
    return AgentId(path_id(request, "agent_id"))


async def create_agent(request: web.Request) -> web.Response:
    """Create a voice agent (owners and admins), within the plan's `voice_agents.max`. Its voice
    and default number must be the tenant's own and in service."""
    data = await body(request, CreateAgentIn)
    agent = await use_cases(request).agents.create_agent(
        principal(request),
        CreateAgent(
            tenant_id=tenant_id(request),
            name=data.name,
            voice_id=VoiceId(data.voice_id) if data.voice_id else None,
            default_number_id=PhoneNumberId(data.default_number_id)
            if data.default_number_id
            else None,
            agent_instructions=data.agent_instructions,
            system_instructions=data.system_instructions,
            outbound_prompt=data.outbound_prompt,
            inbound_prompt=data.inbound_prompt,
            first_message=data.first_message,
            language=data.language,
            provider_assistant_id=data.provider_assistant_id,
            config=data.config,
        ),
    )
    return created(AgentOut.of(agent), f"/v1/tenants/{agent.tenant_id}/agents/{agent.id}")


async def list_agents(request: web.Request) -> web.Response:
    """The tenant's voice agents, oldest first, a page at a time (any role); `active` filters by
    status."""
    page = await use_cases(request).agents.list_agents(
        principal(request),
        tenant_id(request),
        page_request(request),
        active=query_bool(request, "active"),
    )
    return reply(AgentPage([AgentOut.of(a) for a in page.items], page.next_cursor))


async def get_agent(request: web.Request) -> web.Response:
    """One of the tenant's voice agents (any role)."""
    agent = await use_cases(request).agents.get_agent(
        principal(request), tenant_id(request), _agent_id(request)
    )
    return reply(AgentOut.of(agent))


async def update_agent(request: web.Request) -> web.Response:
    """Change an agent (owners and admins): fields left out stay, null clears; reactivating it
    counts against `voice_agents.max` again. Send the `version` you read to be refused (409) if
    someone changed it since."""
    data = await body(request, UpdateAgentIn)
    agent = await use_cases(request).agents.update_agent(
        principal(request),
        UpdateAgent(
            tenant_id(request),
            _agent_id(request),
            changes(data, voice_id=VoiceId, default_number_id=PhoneNumberId),
            data.version,
        ),
    )
    return reply(AgentOut.of(agent))


async def remove_agent(request: web.Request) -> web.Response:
    """Remove an agent (owners and admins): one that never made a call is deleted (204); one
    with calls is deactivated instead (200 with the agent), so its calls keep their agent.
    Either way its numbers stop routing inbound calls to it."""
    removal = await use_cases(request).agents.remove_agent(
        principal(request), tenant_id(request), _agent_id(request)
    )
    return reply(None, 204) if removal.deleted else reply(AgentOut.of(removal.agent))


AGENTS = "/v1/tenants/{tenant_id}/agents"
AGENT = AGENTS + "/{agent_id}"
WRITE = (400, 403, 404, 409, 422)

ROUTES = [
    Endpoint("GET", AGENTS, list_agents, "List the tenant's voice agents, oldest first", "agents",
             response=AgentPage, query=(ACTIVE_PARAM, *PAGE_PARAMS), errors=(403, 404, 422)),
    Endpoint("POST", AGENTS, create_agent,
             "Create a voice agent with the tenant's voice and number (admins)", "agents",
             body=CreateAgentIn, response=AgentOut, status=201, errors=WRITE),
    Endpoint("GET", AGENT, get_agent, "Get a voice agent", "agents", response=AgentOut,
             errors=(403, 404)),
    Endpoint("PATCH", AGENT, update_agent,
             "Change an agent; fields left out stay, null clears (admins)", "agents",
             body=UpdateAgentIn, response=AgentOut, errors=WRITE),
    Endpoint("DELETE", AGENT, remove_agent,
             "Delete an agent (204), or deactivate it when it has calls (200 with the agent)",
             "agents", response=AgentOut, errors=(403, 404),
             also=((204, "Deleted: the agent had no calls"),)),
]  # fmt: skip

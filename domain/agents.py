"""Voice agents: what an AI caller says, with which voice, from which number."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from domain.errors import InvalidStateTransition
from domain.ids import AgentId, PhoneNumberId, TenantId, UserId, VoiceId
from domain.values import json_object, non_blank, optional_text

MAX_PROMPT_LENGTH = 50_000
MAX_FIRST_MESSAGE_LENGTH = 2_000


def _prompt() -> Any:
    return attrs.field(default=None, validator=optional_text(max_len=MAX_PROMPT_LENGTH))


@attrs.define
class VoiceAgent:
    """The seed's VoiceAgentModel with its enhancements: a voice, a default number to call
    from, the person who created it, and its prompts. `provider_assistant_id` names a saved
    Vapi assistant; without it calls carry an assistant built from these prompts."""

    id: AgentId
    tenant_id: TenantId
    name: str = attrs.field(validator=non_blank(max_len=255))
    created_at: datetime
    updated_at: datetime
    voice_id: VoiceId | None = None
    default_number_id: PhoneNumberId | None = None
    created_by: UserId | None = None
    agent_instructions: str | None = _prompt()
    system_instructions: str | None = _prompt()
    outbound_prompt: str | None = _prompt()
    inbound_prompt: str | None = _prompt()
    first_message: str | None = attrs.field(
        default=None, validator=optional_text(max_len=MAX_FIRST_MESSAGE_LENGTH)
    )
    language: str | None = attrs.field(default=None, validator=optional_text(max_len=35))
    provider_assistant_id: str | None = attrs.field(
        default=None, validator=optional_text(max_len=255)
    )
    config: dict[str, Any] = attrs.field(factory=dict, validator=json_object)
    is_active: bool = True
    version: int = 0

    def deactivate(self, at: datetime) -> None:
        if not self.is_active:
            raise InvalidStateTransition("the agent is already inactive", field="is_active")
        self.is_active = False
        self.updated_at = at

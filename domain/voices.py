"""Voices: the synthetic voices a tenant's agents speak with."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from domain.errors import InvalidStateTransition
from domain.ids import TenantId, VoiceId
from domain.values import json_object, non_blank, optional_text


class VoiceProvider(enum.StrEnum):
    """The voice providers Vapi speaks through (its `voice.provider`)."""

    ELEVENLABS = "11labs"
    AZURE = "azure"
    CARTESIA = "cartesia"
    CUSTOM_VOICE = "custom-voice"
    DEEPGRAM = "deepgram"
    HUME = "hume"
    INWORLD = "inworld"
    LMNT = "lmnt"
    MINIMAX = "minimax"
    NEUPHONIC = "neuphonic"
    OPENAI = "openai"
    PLAYHT = "playht"
    RIME_AI = "rime-ai"
    SESAME = "sesame"
    SMALLEST_AI = "smallest-ai"
    TAVUS = "tavus"
    VAPI = "vapi"


@attrs.define
class Voice:
    id: VoiceId
    tenant_id: TenantId
    name: str = attrs.field(validator=non_blank(max_len=255))
    provider: VoiceProvider
    provider_voice_id: str = attrs.field(validator=non_blank(max_len=255))
    created_at: datetime
    updated_at: datetime
    language: str | None = attrs.field(default=None, validator=optional_text(max_len=35))
    settings: dict[str, Any] = attrs.field(factory=dict, validator=json_object)
    is_active: bool = True
    version: int = 0

    def deactivate(self, at: datetime) -> None:
        if not self.is_active:
            raise InvalidStateTransition("the voice is already inactive", field="is_active")
        self.is_active = False
        self.updated_at = at

"""Voices (the seed's VoiceModel): configured by admins, read by every member."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from application.access import Permission, Principal, authorize
from application.context import UseCaseDeps, apply_changes, check_version
from application.errors import NotFound
from application.pagination import Page, PageRequest, Position
from application.ports.unit_of_work import UnitOfWork
from domain.ids import TenantId, VoiceId
from domain.voices import Voice, VoiceProvider

VOICE_FIELDS = frozenset({"name", "provider", "provider_voice_id", "language", "settings"})


@attrs.frozen
class CreateVoice:
    tenant_id: TenantId
    name: str
    provider: VoiceProvider
    provider_voice_id: str
    language: str | None = None
    settings: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class UpdateVoice:
    tenant_id: TenantId
    voice_id: VoiceId
    changes: Mapping[str, Any]
    """Only the fields to change, among VOICE_FIELDS and `is_active`."""
    version: int | None = None


def _position(voice: Voice) -> Position:
    return Position(voice.created_at, voice.id)


async def voice_of(tx: UnitOfWork, tenant_id: TenantId, voice_id: VoiceId) -> Voice:
    voice = await tx.voices.get(tenant_id, voice_id)
    if voice is None:
        raise NotFound("voice", voice_id)
    return voice


class VoiceService:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def create_voice(self, principal: Principal, cmd: CreateVoice) -> Voice:
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            await authorize(principal, Permission.VOICES_MANAGE, cmd.tenant_id, tx)
            now = self._deps.clock.now()
            voice = Voice(
                id=VoiceId(self._deps.ids.new()),
                tenant_id=cmd.tenant_id,
                name=cmd.name,
                provider=cmd.provider,
                provider_voice_id=cmd.provider_voice_id,
                created_at=now,
                updated_at=now,
                language=cmd.language,
                settings=cmd.settings,
            )
            await tx.voices.add(voice)
            await self._deps.audit(
                tx,
                principal,
                "voice.created",
                "voice",
                voice.id,
                tenant_id=cmd.tenant_id,
                changes={"name": voice.name, "provider": voice.provider.value},
            )
            await tx.commit()
        return voice

    async def get_voice(
        self, principal: Principal, tenant_id: TenantId, voice_id: VoiceId
    ) -> Voice:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CATALOGUE_READ, tenant_id, tx)
            return await voice_of(tx, tenant_id, voice_id)

    async def list_voices(
        self,
        principal: Principal,
        tenant_id: TenantId,
        page: PageRequest,
        *,
        active: bool | None = None,
    ) -> Page[Voice]:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CATALOGUE_READ, tenant_id, tx)
            rows = await tx.voices.list(tenant_id, page, active=active)
        return Page.from_rows(rows, page, _position)

    async def update_voice(self, principal: Principal, cmd: UpdateVoice) -> Voice:
        """Change some fields; `is_active` false deactivates, true reactivates."""
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            await authorize(principal, Permission.VOICES_MANAGE, cmd.tenant_id, tx)
            voice = await voice_of(tx, cmd.tenant_id, cmd.voice_id)
            check_version(cmd.version, voice.version, "voice", voice.id)
            diff = apply_changes(voice, cmd.changes, self._deps.clock.now())
            if diff:
                await tx.voices.save(voice)
                await self._deps.audit(
                    tx,
                    principal,
                    "voice.updated",
                    "voice",
                    voice.id,
                    tenant_id=cmd.tenant_id,
                    changes=diff,
                )
                await tx.commit()
        return voice

    async def deactivate_voice(
        self, principal: Principal, tenant_id: TenantId, voice_id: VoiceId
    ) -> Voice:
        """Agents that use the voice keep it; new links to it are refused."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.VOICES_MANAGE, tenant_id, tx)
            voice = await voice_of(tx, tenant_id, voice_id)
            voice.deactivate(self._deps.clock.now())
            await tx.voices.save(voice)
            await self._deps.audit(
                tx, principal, "voice.deactivated", "voice", voice.id, tenant_id=tenant_id
            )
            await tx.commit()
        return voice

"""The audit trail: who changed what, when."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from domain.ids import AuditEntryId, TenantId


class ActorKind(enum.StrEnum):
    USER = "user"
    API_KEY = "api_key"
    SYSTEM = "system"
    # Someone not (yet) authenticated: a sign-in attempt, a password reset request.
    ANONYMOUS = "anonymous"


@attrs.frozen
class Actor:
    kind: ActorKind
    id: UUID | None


SYSTEM = Actor(ActorKind.SYSTEM, None)
ANONYMOUS = Actor(ActorKind.ANONYMOUS, None)


@attrs.frozen
class AuditEntry:
    id: AuditEntryId
    tenant_id: TenantId | None
    actor: Actor
    action: str
    entity: str
    entity_id: UUID
    changes: dict[str, Any]
    at: datetime

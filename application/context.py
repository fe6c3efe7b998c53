"""What every use case is given: transactions, ids and time."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import attrs

from application.access import Principal
from application.entitlements import EntitlementCache
from application.errors import ConcurrencyConflict
from application.ports import Clock, IdGenerator, UnitOfWork, UnitOfWorkFactory
from domain.audit import Actor, AuditEntry
from domain.ids import AuditEntryId, TenantId


@attrs.frozen
class UseCaseDeps:
    uows: UnitOfWorkFactory
    ids: IdGenerator
    clock: Clock
    entitlements: EntitlementCache = attrs.field(factory=EntitlementCache)

    async def audit(
        self,
        tx: UnitOfWork,
        actor: Principal | Actor,
        action: str,
        entity: str,
        entity_id: UUID,
        *,
        tenant_id: TenantId | None,
        changes: dict[str, Any] | None = None,
    ) -> None:
        """Write one audit row in the same transaction as the change it describes."""
        who = actor.actor if isinstance(actor, Principal) else actor
        await tx.audit.record(
            AuditEntry(
                id=AuditEntryId(self.ids.new()),
                tenant_id=tenant_id,
                actor=who,
                action=action,
                entity=entity,
                entity_id=entity_id,
                changes=changes or {},
                at=self.clock.now(),
            )
        )


def check_version(expected: int | None, actual: int, entity: str, key: object) -> None:
    """A client that sends the version it read gets a conflict instead of a lost update."""
    if expected is not None and expected != actual:
        raise ConcurrencyConflict(entity, key)

"""What every use case is given: transactions, ids and time."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from application.access import (
    ACCESS_ENTITIES,
    Access,
    AccessCache,
    Permission,
    Principal,
    authorize,
    authorize_from_cache,
)
from application.entitlements import EntitlementCache
from application.errors import ConcurrencyConflict
from application.pagination import MAX_PAGE_SIZE, PageRequest, Position
from application.ports.clock import Clock
from application.ports.ids import IdGenerator
from application.ports.reads import QuickReads
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.reads import UnitOfWorkReads
from domain.audit import Actor, AuditEntry
from domain.ids import AuditEntryId, TenantId


@attrs.frozen
class UseCaseDeps:
    uows: UnitOfWorkFactory
    ids: IdGenerator
    clock: Clock
    entitlements: EntitlementCache = attrs.field(factory=EntitlementCache)
    access: AccessCache = attrs.field(
        default=attrs.Factory(lambda deps: AccessCache(deps.clock), takes_self=True)
    )
    reads: QuickReads = attrs.field(
        default=attrs.Factory(lambda deps: UnitOfWorkReads(deps.uows), takes_self=True)
    )

    async def authorize(
        self,
        principal: Principal,
        permission: Permission,
        tenant_id: TenantId,
        tx: UnitOfWork,
        *,
        lock: bool = False,
    ) -> Access:
        """`application.access.authorize`, answered from the process's AccessCache when it
        may be (not when locking)."""
        return await authorize(principal, permission, tenant_id, tx, lock=lock, cache=self.access)

    def authorized_from_cache(
        self, principal: Principal, permission: Permission, tenant_id: TenantId
    ) -> bool:
        """`authorize` without a transaction: True when the AccessCache remembers the
        principal in the tenant and it may (PermissionDenied as there), False when it
        remembers nothing of it."""
        return authorize_from_cache(principal, permission, tenant_id, self.access)

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
        if entity in ACCESS_ENTITIES:
            # Forgotten now, so that this process stops answering from what it knew, and
            # again after the commit, so that nothing read before it is kept.
            self.access.forget_all()
            tx.after_commit(self.access.forget_all)
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


# Long texts (prompts) are summarised in the audit trail, not copied into it.
_AUDITED_TEXT = 200


def jsonable(value: object) -> object:
    """A value as the audit trail stores it (JSON)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value if len(value) <= _AUDITED_TEXT else f"<{len(value)} characters>"
    if value is None or isinstance(value, (bool, int, float, dict, list)):
        return value
    if isinstance(value, (set, frozenset)):
        return sorted(str(jsonable(v)) for v in value)
    return str(value)


def apply_changes(entity: Any, changes: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """Set each attribute that differs (attrs validates on assignment) and return what moved,
    as an audit diff. `updated_at` moves only when something did."""
    diff: dict[str, Any] = {}
    for name, value in changes.items():
        before = getattr(entity, name)
        if before != value:
            setattr(entity, name, value)
            diff[name] = {"from": jsonable(before), "to": jsonable(value)}
    if diff:
        entity.updated_at = at
    return diff


async def every_tenant_id(deps: UseCaseDeps) -> list[TenantId]:
    """The id of every tenant, oldest first: the platform's sweeps go through them in turn."""
    found: list[TenantId] = []
    page = PageRequest(limit=MAX_PAGE_SIZE)
    while True:
        async with deps.uows() as tx:
            rows = await tx.tenants.list(page)
        found.extend(t.id for t in rows[: page.limit])
        if len(rows) <= page.limit:
            return found
        last = rows[page.limit - 1]
        page = PageRequest(page.limit, Position(last.created_at, last.id))

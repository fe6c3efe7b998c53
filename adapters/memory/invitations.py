"""A tenant's invitations, in memory."""

from __future__ import annotations

from datetime import datetime

from adapters.memory.repositories import Overlay, owned, page_of, save_versioned
from application.pagination import PageRequest, Position
from application.ports.invitations import pending_invitation_taken
from domain.ids import InvitationId, TenantId
from domain.invitations import Invitation, InvitationStatus
from domain.values import Email


class InMemoryInvitationRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    def _of(self, tenant_id: TenantId) -> list[Invitation]:
        return self._o.rows_where("invitations", lambda i: i.tenant_id == tenant_id)

    async def get(self, tenant_id: TenantId, invitation_id: InvitationId) -> Invitation | None:
        return owned(self._o.get("invitations", invitation_id), tenant_id)

    async def by_prefix(self, tenant_id: TenantId, prefix: str) -> Invitation | None:
        return next((i for i in self._of(tenant_id) if i.prefix == prefix), None)

    async def add(self, invitation: Invitation) -> None:
        if await self.pending_for(invitation.tenant_id, invitation.email) is not None:
            raise pending_invitation_taken()
        self._o.put("invitations", invitation.id, invitation)

    async def save(self, invitation: Invitation) -> None:
        save_versioned(self._o, "invitations", invitation, "invitation")

    async def mark_sent(
        self, tenant_id: TenantId, invitation_id: InvitationId, prefix: str, at: datetime
    ) -> None:
        found = await self.get(tenant_id, invitation_id)
        if found is not None and found.prefix == prefix:
            found.sent_at = at
            self._o.put("invitations", found.id, found)

    async def pending_for(self, tenant_id: TenantId, email: Email) -> Invitation | None:
        return next(
            (
                i
                for i in self._of(tenant_id)
                if i.email == email and i.status is InvitationStatus.PENDING
            ),
            None,
        )

    async def count_pending(self, tenant_id: TenantId, now: datetime) -> int:
        return sum(1 for i in self._of(tenant_id) if i.status_at(now) is InvitationStatus.PENDING)

    async def list(
        self,
        tenant_id: TenantId,
        page: PageRequest,
        *,
        status: InvitationStatus | None,
        now: datetime,
    ) -> list[Invitation]:
        rows = [i for i in self._of(tenant_id) if status is None or i.status_at(now) is status]
        return page_of(rows, page, lambda i: Position(i.created_at, i.id))

    async def address_is_member(self, tenant_id: TenantId, email: Email) -> bool:
        return any(
            m.tenant_id == tenant_id and self._o.get("users", m.user_id).email == email
            for m in self._o.rows("memberships")
        )

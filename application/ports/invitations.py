"""What the application needs to keep a tenant's invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from application.errors import AlreadyExists
from application.pagination import PageRequest
from domain.ids import InvitationId, TenantId
from domain.invitations import Invitation, InvitationStatus
from domain.values import Email


def pending_invitation_taken() -> AlreadyExists:
    """What `add` raises for an address with a pending invitation in the tenant."""
    return AlreadyExists(
        "invitation", "email", "the address already has a pending invitation: resend it instead"
    )


class InvitationRepository(Protocol):
    async def get(self, tenant_id: TenantId, invitation_id: InvitationId) -> Invitation | None: ...

    async def by_prefix(self, tenant_id: TenantId, prefix: str) -> Invitation | None:
        """The invitation whose current token has this prefix."""
        ...

    async def add(self, invitation: Invitation) -> None:
        """AlreadyExists (field `email`) when the tenant has a stored pending invitation of
        the address (case-insensitive)."""
        ...

    async def save(self, invitation: Invitation) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def mark_sent(
        self, tenant_id: TenantId, invitation_id: InvitationId, prefix: str, at: datetime
    ) -> None:
        """Record that the token with `prefix` was emailed at `at` (nothing if it has been
        replaced since); bookkeeping, the version is unchanged."""
        ...

    async def pending_for(self, tenant_id: TenantId, email: Email) -> Invitation | None:
        """The stored pending invitation of the address (expired or not)."""
        ...

    async def count_pending(self, tenant_id: TenantId, now: datetime) -> int:
        """Pending invitations not expired at `now`."""
        ...

    async def list(
        self,
        tenant_id: TenantId,
        page: PageRequest,
        *,
        status: InvitationStatus | None,
        now: datetime,
    ) -> list[Invitation]:
        """Oldest first, at most `page.limit + 1`; `status` as of `now` (a pending invitation
        past its expiry is `expired`)."""
        ...

    async def address_is_member(self, tenant_id: TenantId, email: Email) -> bool:
        """Whether a member of the tenant has this address (the tenant's own members only)."""
        ...

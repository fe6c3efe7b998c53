"""PostgreSQL repository of a tenant's invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres.errors import unique_violation
from adapters.postgres.repositories import insert_tenant_row, keyset, update_versioned
from adapters.postgres.tables import invitations, memberships, users
from application.pagination import PageRequest
from application.ports.invitations import pending_invitation_taken
from domain.ids import InvitationId, TenantId, UserId
from domain.invitations import Invitation, InvitationStatus
from domain.tenancy import Role
from domain.values import Email

_t = invitations
_PENDING = InvitationStatus.PENDING.value


def invitation_from(row: Row[Any]) -> Invitation:
    m = row._mapping
    return Invitation(
        id=InvitationId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        email=Email(m["email"]),
        role=Role(m["role"]),
        prefix=m["prefix"],
        secret_hash=m["secret_hash"],
        invited_by=UserId(m["invited_by"]) if m["invited_by"] else None,
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        expires_at=m["expires_at"],
        status=InvitationStatus(m["status"]),
        accepted_by=UserId(m["accepted_by"]) if m["accepted_by"] else None,
        accepted_at=m["accepted_at"],
        declined_at=m["declined_at"],
        revoked_at=m["revoked_at"],
        sent_at=m["sent_at"],
        version=m["version"],
    )


def invitation_values(i: Invitation) -> dict[str, Any]:
    return {
        "email": i.email.value,
        "role": i.role.value,
        "prefix": i.prefix,
        "secret_hash": i.secret_hash,
        "invited_by": i.invited_by,
        "status": i.status.value,
        "expires_at": i.expires_at,
        "accepted_by": i.accepted_by,
        "accepted_at": i.accepted_at,
        "declined_at": i.declined_at,
        "revoked_at": i.revoked_at,
        "sent_at": i.sent_at,
        "updated_at": i.updated_at,
    }


def _status_is(status: InvitationStatus, now: datetime) -> sa.ColumnElement[bool]:
    """`status` as the domain reads it at `now`: pending past expiry is expired."""
    if status is InvitationStatus.PENDING:
        return sa.and_(_t.c.status == _PENDING, _t.c.expires_at > now)
    if status is InvitationStatus.EXPIRED:
        return sa.or_(
            _t.c.status == status.value, sa.and_(_t.c.status == _PENDING, _t.c.expires_at <= now)
        )
    return _t.c.status == status.value


class PostgresInvitationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _one(self, *where: sa.ColumnElement[bool]) -> Invitation | None:
        row = (await self._conn.execute(sa.select(_t).where(*where))).first()
        return invitation_from(row) if row else None

    async def get(self, tenant_id: TenantId, invitation_id: InvitationId) -> Invitation | None:
        return await self._one(_t.c.tenant_id == tenant_id, _t.c.id == invitation_id)

    async def by_prefix(self, tenant_id: TenantId, prefix: str) -> Invitation | None:
        return await self._one(_t.c.tenant_id == tenant_id, _t.c.prefix == prefix)

    async def add(self, invitation: Invitation) -> None:
        try:
            await insert_tenant_row(self._conn, _t, invitation, invitation_values(invitation))
        except IntegrityError as error:
            known = unique_violation(
                error, {"uq_invitations_pending_email": pending_invitation_taken}
            )
            if known is None:
                raise
            raise known from None

    async def save(self, invitation: Invitation) -> None:
        await update_versioned(
            self._conn,
            _t,
            invitation,
            invitation_values(invitation),
            "invitation",
            _t.c.tenant_id == invitation.tenant_id,
        )

    async def mark_sent(
        self, tenant_id: TenantId, invitation_id: InvitationId, prefix: str, at: datetime
    ) -> None:
        await self._conn.execute(
            sa.update(_t)
            .where(_t.c.tenant_id == tenant_id, _t.c.id == invitation_id, _t.c.prefix == prefix)
            .values(sent_at=at)
        )

    async def pending_for(self, tenant_id: TenantId, email: Email) -> Invitation | None:
        return await self._one(
            _t.c.tenant_id == tenant_id,
            _t.c.status == _PENDING,
            sa.func.lower(_t.c.email) == email.key,
        )

    async def count_pending(self, tenant_id: TenantId, now: datetime) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(_t)
            .where(_t.c.tenant_id == tenant_id, _status_is(InvitationStatus.PENDING, now))
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def list(
        self,
        tenant_id: TenantId,
        page: PageRequest,
        *,
        status: InvitationStatus | None,
        now: datetime,
    ) -> list[Invitation]:
        after, order = keyset(_t.c.created_at, _t.c.id, page)
        wanted = [] if status is None else [_status_is(status, now)]
        query = (
            sa.select(_t)
            .where(_t.c.tenant_id == tenant_id, *wanted, *after)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [invitation_from(r) for r in await self._conn.execute(query)]

    async def address_is_member(self, tenant_id: TenantId, email: Email) -> bool:
        query = sa.select(
            sa.exists().where(
                memberships.c.tenant_id == tenant_id,
                users.c.id == memberships.c.user_id,
                sa.func.lower(users.c.email) == email.key,
            )
        )
        return bool((await self._conn.execute(query)).scalar_one())

"""A user deleting their own account (or a platform admin deleting someone's)."""

from __future__ import annotations

from application.access import Principal
from application.context import UseCaseDeps
from application.credentials import KeyRevocation, Standing, revoke_keys_after_standing_change
from application.errors import ConcurrencyConflict, NotFound
from application.pagination import MAX_PAGE_SIZE, PageRequest, Position
from application.ports.unit_of_work import UnitOfWork
from domain.errors import LastOwnerOfTenants
from domain.ids import UserId
from domain.tenancy import Membership, Role, TenantStatus


class AccountDeletionService:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def delete_account(self, principal: Principal, user_id: UserId) -> None:
        """Delete a user: yourself with a personal token, or anyone as a platform admin;
        anyone else, an API key included, is told the user does not exist.

        Refused with LastOwnerOfTenants, naming every such tenant and changing nothing, while
        the user is the only owner of a tenant that is not closed. Otherwise, in one
        transaction: the API keys they created are revoked wherever they had standing
        (audited per key, reason `creator_deleted`), each membership ends (audited in its
        tenant), and the user row goes with their personal tokens and reset tokens; what
        they made (agents, batches, keys, grants, invitations) stays, no longer naming them.
        Every tenant they belong to is locked first, in one order, as membership changes
        lock it, so a deletion racing another deletion or an ownership change cannot leave
        a tenant without an owner; a membership added meanwhile is a ConcurrencyConflict
        (try again). Their tokens stop working at once in this process, and within the
        access cache's time in the others.
        """
        deleting_self = not principal.is_api_key and principal.user_id == user_id
        if not deleting_self and not principal.is_platform_admin:
            raise NotFound("user", user_id)
        async with self._deps.uows(user_id=user_id) as tx:
            if await tx.users.get(user_id) is None:
                raise NotFound("user", user_id)
            memberships = await _memberships_of(tx, user_id)
            # Sorted: two deletions sharing tenants lock them in the same order.
            for membership in sorted(memberships, key=lambda m: m.tenant_id):
                await tx.switch_tenant(membership.tenant_id)
                await tx.tenants.get_for_update(membership.tenant_id)
            # Locked after the tenants, as adding a member locks them (tenant, then the user
            # its new row refers to): from here on nothing new can refer to the user.
            user = await tx.users.get_for_update(user_id)
            if user is None:
                raise NotFound("user", user_id)
            if {m.id for m in await _memberships_of(tx, user_id)} != {m.id for m in memberships}:
                raise ConcurrencyConflict("user", user_id)
            await self._refuse_if_last_owner(tx, memberships)

            await revoke_keys_after_standing_change(
                self._deps,
                tx,
                principal,
                user.id,
                Standing.of(user),
                Standing(is_active=False, is_platform_admin=False),
                reason=KeyRevocation.CREATOR_DELETED,
            )
            for membership in memberships:
                await tx.switch_tenant(membership.tenant_id)
                await tx.memberships.remove(membership)
                await self._deps.audit(
                    tx,
                    principal,
                    "member.left" if deleting_self else "member.removed",
                    "membership",
                    membership.id,
                    tenant_id=membership.tenant_id,
                    changes={
                        "user_id": str(user.id),
                        "role": membership.role.value,
                        "reason": "account_deleted",
                    },
                )
            await tx.switch_tenant(None)
            await tx.users.remove(user)
            await self._deps.audit(
                tx,
                principal,
                "user.deleted",
                "user",
                user.id,
                tenant_id=None,
                changes={
                    "by": "self" if deleting_self else "platform_admin",
                    "tenant_ids": sorted(str(m.tenant_id) for m in memberships),
                },
            )
            await tx.commit()

    async def _refuse_if_last_owner(self, tx: UnitOfWork, memberships: list[Membership]) -> None:
        """With the tenants locked: the counts cannot change before the commit."""
        stranded = []
        for membership in memberships:
            if membership.role is not Role.OWNER:
                continue
            await tx.switch_tenant(membership.tenant_id)
            tenant = await tx.tenants.get(membership.tenant_id)
            # A closed tenant needs no owner to run it: its purge is already due.
            if tenant is None or tenant.status is TenantStatus.CLOSED:
                continue
            if await tx.memberships.count_owners(membership.tenant_id) <= 1:
                stranded.append(membership.tenant_id)
        if stranded:
            raise LastOwnerOfTenants(sorted(stranded))


async def _memberships_of(tx: UnitOfWork, user_id: UserId) -> list[Membership]:
    """Every membership of the user (the unit of work is opened for them), a page at a time."""
    found: list[Membership] = []
    page = PageRequest(limit=MAX_PAGE_SIZE)
    while True:
        rows = await tx.memberships.tenants_of(user_id, page)
        found += [item.membership for item in rows[: page.limit]]
        if len(rows) <= page.limit:
            return found
        last = rows[page.limit - 1].membership
        page = PageRequest(page.limit, Position(last.created_at, last.id))

"""Tenants and their members (the seed's TenantModel and MembershipModel)."""

from __future__ import annotations

import attrs

from application.access import Permission, Principal, authorize, require_platform_admin
from application.context import UseCaseDeps, check_version
from application.credentials import KeyRevocation, Standing, revoke_keys_of_creator
from application.entitlements import require_capacity
from application.errors import NotFound, PermissionDenied
from application.pagination import Page, PageRequest, Position
from application.ports.unit_of_work import UnitOfWork
from domain.errors import InvalidValue, LastOwnerRequired
from domain.ids import MembershipId, TenantId, UserId
from domain.tenancy import Member, Membership, Role, Tenant, User, UserTenant


@attrs.frozen
class CreateTenant:
    name: str


@attrs.frozen
class UpdateTenant:
    tenant_id: TenantId
    name: str | None = None
    version: int | None = None


@attrs.frozen
class AddMember:
    """Add an existing user by id (platform admins only: people join a tenant by accepting an
    invitation, application/invitations.py)."""

    tenant_id: TenantId
    role: Role
    user_id: UserId | None


@attrs.frozen
class ChangeRole:
    tenant_id: TenantId
    user_id: UserId
    role: Role
    version: int | None = None


def tenant_position(tenant: Tenant) -> Position:
    return Position(tenant.created_at, tenant.id)


def member_position(member: Member) -> Position:
    return Position(member.membership.created_at, member.membership.id)


def user_tenant_position(item: UserTenant) -> Position:
    return Position(item.membership.created_at, item.membership.id)


class TenantService:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def create_tenant(self, principal: Principal, cmd: CreateTenant) -> UserTenant:
        """Create a tenant; the calling user becomes its first owner."""
        user_id = principal.acting_user()
        now = self._deps.clock.now()
        tenant = Tenant(TenantId(self._deps.ids.new()), cmd.name, created_at=now, updated_at=now)
        async with self._deps.uows(tenant_id=tenant.id) as tx:
            default_plan = await tx.plans.default()
            # A deactivated default is no longer offered, so new tenants do not get it either.
            offered = default_plan is not None and default_plan.is_active
            tenant.plan_id = default_plan.id if default_plan and offered else None
            owner = Membership.grant(
                MembershipId(self._deps.ids.new()),
                tenant.id,
                user_id,
                Role.OWNER,
                granted_by=None,
                at=now,
            )
            await tx.tenants.add(tenant)
            await tx.memberships.add(owner)
            await self._deps.audit(
                tx,
                principal,
                "tenant.created",
                "tenant",
                tenant.id,
                tenant_id=tenant.id,
                changes={"name": tenant.name},
            )
            await self._deps.audit(
                tx,
                principal,
                "member.added",
                "membership",
                owner.id,
                tenant_id=tenant.id,
                changes={"user_id": str(user_id), "role": Role.OWNER.value},
            )
            await tx.commit()
        return UserTenant(tenant, owner)

    async def get_tenant(self, principal: Principal, tenant_id: TenantId) -> Tenant:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            access = await self._deps.authorize(principal, Permission.TENANT_READ, tenant_id, tx)
        return access.tenant

    async def list_tenants(self, principal: Principal, page: PageRequest) -> Page[Tenant]:
        """Platform admins see every tenant; users their own; an API key its tenant."""
        if principal.is_platform_admin:
            async with self._deps.uows() as tx:
                rows = await tx.tenants.list(page)
            return Page.from_rows(rows, page, tenant_position)
        if principal.api_key_tenant_id is not None:
            tenant = await self.get_tenant(principal, principal.api_key_tenant_id)
            return Page([tenant] if page.after is None else [], None)
        mine = await self.tenants_of_user(principal, principal.acting_user(), page)
        return Page([item.tenant for item in mine.items], mine.next_cursor)

    async def tenants_of_user(
        self, principal: Principal, user_id: UserId, page: PageRequest
    ) -> Page[UserTenant]:
        """A user's tenants with their role; for the user themself or a platform admin."""
        if not principal.is_platform_admin and (
            principal.is_api_key or principal.user_id != user_id
        ):
            raise NotFound("user", user_id)
        async with self._deps.uows(user_id=user_id) as tx:
            if await tx.users.get(user_id) is None:
                raise NotFound("user", user_id)
            rows = await tx.memberships.tenants_of(user_id, page)
        return Page.from_rows(rows, page, user_tenant_position)

    async def update_tenant(self, principal: Principal, cmd: UpdateTenant) -> Tenant:
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            tenant = (
                await authorize(principal, Permission.TENANT_UPDATE, cmd.tenant_id, tx)
            ).tenant
            check_version(cmd.version, tenant.version, "tenant", tenant.id)
            changes = {}
            if cmd.name is not None and cmd.name != tenant.name:
                changes["name"] = {"from": tenant.name, "to": cmd.name}
                tenant.rename(cmd.name, self._deps.clock.now())
            if changes:
                await tx.tenants.save(tenant)
                await self._deps.audit(
                    tx,
                    principal,
                    "tenant.updated",
                    "tenant",
                    tenant.id,
                    tenant_id=tenant.id,
                    changes=changes,
                )
                await tx.commit()
        return tenant

    async def suspend_tenant(self, principal: Principal, tenant_id: TenantId) -> Tenant:
        return await self._set_status(principal, tenant_id, suspend=True)

    async def reactivate_tenant(self, principal: Principal, tenant_id: TenantId) -> Tenant:
        return await self._set_status(principal, tenant_id, suspend=False)

    async def _set_status(
        self, principal: Principal, tenant_id: TenantId, *, suspend: bool
    ) -> Tenant:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            tenant = (await authorize(principal, Permission.TENANT_READ, tenant_id, tx)).tenant
            require_platform_admin(principal)
            before = tenant.status
            now = self._deps.clock.now()
            if suspend:
                tenant.suspend(now)
            else:
                tenant.reactivate(now)
            await tx.tenants.save(tenant)
            await self._deps.audit(
                tx,
                principal,
                "tenant.suspended" if suspend else "tenant.reactivated",
                "tenant",
                tenant.id,
                tenant_id=tenant.id,
                changes={"status": {"from": before.value, "to": tenant.status.value}},
            )
            await tx.commit()
        return tenant


class MembershipService:
    """Members and roles. Every write locks the tenant row first, so the owner count a
    write checks is the one it commits against, however many requests run at once."""

    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def list_members(
        self, principal: Principal, tenant_id: TenantId, page: PageRequest
    ) -> Page[Member]:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.MEMBERS_READ, tenant_id, tx)
            rows = await tx.memberships.members(tenant_id, page)
        return Page.from_rows(rows, page, member_position)

    async def get_member(
        self, principal: Principal, tenant_id: TenantId, user_id: UserId
    ) -> Member:
        """A member and their role in the tenant (the seed's getUserRole)."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.MEMBERS_READ, tenant_id, tx)
            return await _member(tx, tenant_id, user_id)

    async def add_member(self, principal: Principal, cmd: AddMember) -> Member:
        """Add an existing user with a role: platform admins only. A tenant's owners and
        admins invite people instead (PermissionDenied says so): joining takes the person's
        consent, and nothing here tells anyone whether an address has an account."""
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            access = await authorize(
                principal, Permission.MEMBERS_MANAGE, cmd.tenant_id, tx, lock=True
            )
            if not principal.is_platform_admin:
                raise PermissionDenied(
                    "people join a tenant by accepting an invitation: POST"
                    f" /v1/tenants/{cmd.tenant_id}/invitations with their email and role;"
                    " only platform administrators add an existing user by id",
                    permission="members.add",
                )
            now = self._deps.clock.now()
            await require_capacity(
                self._deps.entitlements,
                tx,
                access.tenant,
                "members.max",
                now,
                ids=self._deps.ids,
            )
            user = await self._resolve_user(tx, principal, cmd)
            membership = Membership.grant(
                MembershipId(self._deps.ids.new()),
                cmd.tenant_id,
                user.id,
                cmd.role,
                granted_by=access.role,
                at=now,
            )
            await tx.memberships.add(membership)
            await self._deps.audit(
                tx,
                principal,
                "member.added",
                "membership",
                membership.id,
                tenant_id=cmd.tenant_id,
                changes={"user_id": str(user.id), "role": cmd.role.value},
            )
            if not Standing.of(user).in_tenant(member=False):
                # Keys the user made here before had no standing until now: they stay dead.
                await revoke_keys_of_creator(
                    self._deps,
                    tx,
                    principal,
                    cmd.tenant_id,
                    user.id,
                    KeyRevocation.CREATOR_REJOINED,
                )
            await tx.commit()
        return Member(membership, user)

    async def _resolve_user(self, tx: UnitOfWork, principal: Principal, cmd: AddMember) -> User:
        if cmd.user_id is None:
            raise InvalidValue(
                "give the user_id of an existing user; to bring someone in by email, invite"
                f" them: POST /v1/tenants/{cmd.tenant_id}/invitations",
                field="user_id",
            )
        user = await tx.users.get(cmd.user_id)
        if user is None:
            raise NotFound("user", cmd.user_id)
        return user

    async def change_role(self, principal: Principal, cmd: ChangeRole) -> Member:
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            access = await authorize(
                principal, Permission.MEMBERS_MANAGE, cmd.tenant_id, tx, lock=True
            )
            member = await _member(tx, cmd.tenant_id, cmd.user_id)
            membership = member.membership
            check_version(cmd.version, membership.version, "membership", membership.id)
            before = membership.role
            if before == cmd.role:
                return member
            membership.change_role(cmd.role, changed_by=access.role, at=self._deps.clock.now())
            if before is Role.OWNER:
                await _ensure_another_owner(tx, cmd.tenant_id)
            await tx.memberships.save(membership)
            await self._deps.audit(
                tx,
                principal,
                "member.role_changed",
                "membership",
                membership.id,
                tenant_id=cmd.tenant_id,
                changes={
                    "user_id": str(cmd.user_id),
                    "role": {"from": before.value, "to": cmd.role.value},
                },
            )
            await tx.commit()
        return member

    async def remove_member(
        self, principal: Principal, tenant_id: TenantId, user_id: UserId
    ) -> None:
        """Remove a member, or leave the tenant when `user_id` is the caller's own.

        Every API key the member created in the tenant is revoked in the same transaction
        (audited per key) and stays revoked if they come back.
        """
        leaving = not principal.is_api_key and principal.user_id == user_id
        permission = Permission.MEMBERS_READ if leaving else Permission.MEMBERS_MANAGE
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            access = await authorize(principal, permission, tenant_id, tx, lock=True)
            membership = (await _member(tx, tenant_id, user_id)).membership
            if not leaving:
                membership.ensure_removable_by(access.role)
            if membership.role is Role.OWNER:
                await _ensure_another_owner(tx, tenant_id)
            await tx.memberships.remove(membership)
            await self._deps.audit(
                tx,
                principal,
                "member.left" if leaving else "member.removed",
                "membership",
                membership.id,
                tenant_id=tenant_id,
                changes={"user_id": str(user_id), "role": membership.role.value},
            )
            reason = KeyRevocation.CREATOR_LEFT if leaving else KeyRevocation.CREATOR_REMOVED
            await revoke_keys_of_creator(self._deps, tx, principal, tenant_id, user_id, reason)
            await tx.commit()

    async def transfer_ownership(
        self, principal: Principal, tenant_id: TenantId, to_user_id: UserId
    ) -> Member:
        """Make another member an owner; the calling owner steps down to admin.

        A platform admin who is not an owner of the tenant only promotes the new owner.
        """
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.OWNERSHIP_TRANSFER, tenant_id, tx, lock=True)
            if not principal.is_platform_admin:
                principal.acting_user()  # after authorize: another tenant's key gets 404
            target = await _member(tx, tenant_id, to_user_id)
            mine = (
                await tx.memberships.get(tenant_id, principal.user_id)
                if principal.user_id is not None and principal.user_id != to_user_id
                else None
            )
            steps_down = mine is not None and mine.role is Role.OWNER
            if target.membership.role is Role.OWNER and not steps_down:
                return target  # nothing to change, nothing to audit
            now = self._deps.clock.now()
            if target.membership.role is not Role.OWNER:
                before = target.membership.role
                target.membership.change_role(Role.OWNER, changed_by=None, at=now)
                await tx.memberships.save(target.membership)
                await self._deps.audit(
                    tx,
                    principal,
                    "member.role_changed",
                    "membership",
                    target.membership.id,
                    tenant_id=tenant_id,
                    changes={
                        "user_id": str(to_user_id),
                        "role": {"from": before.value, "to": "owner"},
                    },
                )
            if steps_down:
                assert mine is not None
                mine.change_role(Role.ADMIN, changed_by=None, at=now)
                await tx.memberships.save(mine)
                await self._deps.audit(
                    tx,
                    principal,
                    "member.role_changed",
                    "membership",
                    mine.id,
                    tenant_id=tenant_id,
                    changes={
                        "user_id": str(mine.user_id),
                        "role": {"from": "owner", "to": "admin"},
                    },
                )
            await self._deps.audit(
                tx,
                principal,
                "tenant.ownership_transferred",
                "tenant",
                tenant_id,
                tenant_id=tenant_id,
                changes={"to_user_id": str(to_user_id)},
            )
            await tx.commit()
        return target


async def _member(tx: UnitOfWork, tenant_id: TenantId, user_id: UserId) -> Member:
    membership = await tx.memberships.get(tenant_id, user_id)
    user = await tx.users.get(user_id) if membership else None
    if membership is None or user is None:
        raise NotFound("member", user_id)
    return Member(membership, user)


async def _ensure_another_owner(tx: UnitOfWork, tenant_id: TenantId) -> None:
    """Called before an owner is demoted or removed, with the tenant row locked."""
    if await tx.memberships.count_owners(tenant_id) <= 1:
        raise LastOwnerRequired(tenant_id)

"""Who is acting, and what each role may do.

Every use case calls `authorize` (tenant-scoped) or `require_platform_admin` before it reads
or changes anything. A principal that is not a member of a tenant gets NotFound for it, never
PermissionDenied, so the existence of other tenants never leaks.
"""

from __future__ import annotations

import enum

import attrs

from application.errors import NotFound, PermissionDenied
from application.ports import UnitOfWork
from domain.audit import SYSTEM, Actor, ActorKind
from domain.ids import ApiKeyId, TenantId, UserId
from domain.tenancy import Role, Tenant


class Permission(enum.StrEnum):
    TENANT_READ = "tenant.read"
    TENANT_UPDATE = "tenant.update"
    MEMBERS_READ = "members.read"
    MEMBERS_MANAGE = "members.manage"
    OWNERSHIP_TRANSFER = "ownership.transfer"
    API_KEYS_READ = "api_keys.read"
    API_KEYS_MANAGE = "api_keys.manage"
    AUDIT_READ = "audit.read"
    PLAN_CHANGE = "plan.change"
    FEATURES_READ = "features.read"
    VOICES_MANAGE = "voices.manage"
    NUMBERS_MANAGE = "numbers.manage"
    AGENTS_MANAGE = "agents.manage"
    CATALOGUE_READ = "catalogue.read"
    LEADS_READ = "leads.read"
    LEADS_WRITE = "leads.write"
    CALLS_READ = "calls.read"
    CALLS_PLACE = "calls.place"
    BATCHES_MANAGE = "batches.manage"


_VIEWER = frozenset(
    {
        Permission.TENANT_READ,
        Permission.MEMBERS_READ,
        Permission.FEATURES_READ,
        Permission.CATALOGUE_READ,
        Permission.LEADS_READ,
        Permission.CALLS_READ,
    }
)
_MEMBER = _VIEWER | {Permission.LEADS_WRITE, Permission.CALLS_PLACE, Permission.BATCHES_MANAGE}
_ADMIN = _MEMBER | {
    Permission.MEMBERS_MANAGE,
    Permission.API_KEYS_READ,
    Permission.API_KEYS_MANAGE,
    Permission.AUDIT_READ,
    Permission.VOICES_MANAGE,
    Permission.NUMBERS_MANAGE,
    Permission.AGENTS_MANAGE,
}
_OWNER = frozenset(Permission)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.MEMBER: _MEMBER,
    Role.ADMIN: _ADMIN,
    Role.OWNER: _OWNER,
}

# What a member of a suspended tenant may still do: see that it is suspended.
_ALLOWED_WHILE_SUSPENDED = frozenset({Permission.TENANT_READ})


@attrs.frozen
class Principal:
    """The authenticated caller: a user (by token), or a tenant API key acting with its role."""

    user_id: UserId | None
    is_platform_admin: bool = False
    api_key_id: ApiKeyId | None = None
    api_key_tenant_id: TenantId | None = None
    api_key_role: Role | None = None

    @classmethod
    def user(cls, user_id: UserId, *, is_platform_admin: bool = False) -> Principal:
        return cls(user_id, is_platform_admin)

    @classmethod
    def api_key(
        cls, key_id: ApiKeyId, tenant_id: TenantId, role: Role, created_by: UserId | None
    ) -> Principal:
        return cls(created_by, False, key_id, tenant_id, role)

    @classmethod
    def operator(cls) -> Principal:
        """Whoever runs the command line on the servers: platform authority, audited as the
        system."""
        return cls(None, True)

    @property
    def is_api_key(self) -> bool:
        return self.api_key_id is not None

    @property
    def actor(self) -> Actor:
        if self.api_key_id is not None:
            return Actor(ActorKind.API_KEY, self.api_key_id)
        if self.user_id is None:
            return SYSTEM
        return Actor(ActorKind.USER, self.user_id)

    def acting_user(self) -> UserId:
        """The user behind a user token; API keys are refused for user-only actions."""
        if self.api_key_id is not None or self.user_id is None:
            raise PermissionDenied("this action needs a user token, not a tenant API key")
        return self.user_id


@attrs.frozen
class Access:
    """The outcome of an authorization: the tenant, and the caller's role in it.

    `role` is None for a platform admin, who acts with platform authority in every tenant
    (even one where they are also a member).
    """

    tenant: Tenant
    role: Role | None


async def role_in(principal: Principal, tenant_id: TenantId, tx: UnitOfWork) -> Role | None:
    """The principal's role in the tenant, or None when it has none there."""
    if principal.api_key_id is not None:
        return principal.api_key_role if principal.api_key_tenant_id == tenant_id else None
    if principal.user_id is None:
        return None
    membership = await tx.memberships.get(tenant_id, principal.user_id)
    return membership.role if membership else None


async def authorize(
    principal: Principal,
    permission: Permission,
    tenant_id: TenantId,
    tx: UnitOfWork,
    *,
    lock: bool = False,
) -> Access:
    """Check that `principal` may do `permission` in the tenant, inside transaction `tx`.

    Raises NotFound when the tenant is unknown or the principal has no role in it (platform
    admins excepted), PermissionDenied when the role lacks the permission or the tenant is
    suspended. With `lock`, the tenant row stays locked until the transaction ends.
    """
    tenant = await (tx.tenants.get_for_update(tenant_id) if lock else tx.tenants.get(tenant_id))
    if tenant is None:
        raise NotFound("tenant", tenant_id)
    if principal.is_platform_admin:
        # Platform authority, whatever membership they also hold: owner rules don't bind it.
        return Access(tenant, None)
    role = await role_in(principal, tenant_id, tx)
    if role is None:
        raise NotFound("tenant", tenant_id)
    if permission not in ROLE_PERMISSIONS[role]:
        raise PermissionDenied(
            f"the {role} role may not do {permission}", permission=permission.value
        )
    if not tenant.is_active and permission not in _ALLOWED_WHILE_SUSPENDED:
        raise PermissionDenied("the tenant is suspended", permission=permission.value)
    return Access(tenant, role)


def require_platform_admin(principal: Principal) -> None:
    if not principal.is_platform_admin:
        raise PermissionDenied("this action needs a platform administrator")

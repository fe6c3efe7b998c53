"""Who is acting, and what each role may do.

Every use case calls `authorize` (tenant-scoped) or `require_platform_admin` before it reads
or changes anything. A principal that is not a member of a tenant gets NotFound for it, never
PermissionDenied, so the existence of other tenants never leaks.
"""

from __future__ import annotations

import copy
import enum
from datetime import datetime, timedelta
from typing import Any

import attrs

from application.errors import NotFound, PermissionDenied
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.renewal import Kept, LoadsUnderWay, keep, kept
from domain.audit import SYSTEM, Actor, ActorKind
from domain.ids import ApiKeyId, TenantId, UserId
from domain.tenancy import Role, Tenant, TenantStatus


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
    CALLS_END = "calls.end"
    CALLS_PROVIDER_RECORD_READ = "calls.provider_record.read"
    CALLS_CONTENT_DELETE = "calls.content.delete"
    RETENTION_MANAGE = "retention.manage"
    LEADS_ERASE = "leads.erase"
    BATCHES_MANAGE = "batches.manage"
    WEBHOOKS_MANAGE = "webhooks.manage"
    # Owners only (and platform admins): closing or reopening the tenant, and its exports.
    TENANT_CLOSE = "tenant.close"
    EXPORTS_MANAGE = "exports.manage"
    EXPORTS_READ = "exports.read"


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
_MEMBER = _VIEWER | {
    Permission.LEADS_WRITE,
    Permission.CALLS_PLACE,
    Permission.CALLS_END,
    Permission.BATCHES_MANAGE,
}
_ADMIN = _MEMBER | {
    Permission.CALLS_PROVIDER_RECORD_READ,
    Permission.CALLS_CONTENT_DELETE,
    Permission.RETENTION_MANAGE,
    Permission.LEADS_ERASE,
    Permission.MEMBERS_MANAGE,
    Permission.API_KEYS_READ,
    Permission.API_KEYS_MANAGE,
    Permission.AUDIT_READ,
    Permission.VOICES_MANAGE,
    Permission.NUMBERS_MANAGE,
    Permission.AGENTS_MANAGE,
    Permission.WEBHOOKS_MANAGE,
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
# A closed tenant's owners may also take their data out and reopen it, until it is purged.
_ALLOWED_WHILE_CLOSED = _ALLOWED_WHILE_SUSPENDED | {
    Permission.EXPORTS_READ,
    Permission.TENANT_CLOSE,
}


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
    cache: AccessCache | None = None,
) -> Access:
    """Check that `principal` may do `permission` in the tenant, inside transaction `tx`.

    Raises NotFound when the tenant is unknown or the principal has no role in it (platform
    admins excepted), PermissionDenied when the role lacks the permission or the tenant is
    suspended. With `lock`, the tenant row stays locked until the transaction ends (and is
    read afresh); without it, a `cache` may answer from what it remembers.
    """
    if lock or cache is None:
        return permitted(await _access(principal, tenant_id, tx, lock=lock), permission)
    now = cache.clock.now()
    # Asked inside a transaction, the caller loads what another caller is renewing: it may be
    # the one renewing it, told so by its question outside the transaction.
    access = cache.access(principal, tenant_id, now, while_renewed=False)
    if access is None and await cache.loads.wait((principal, tenant_id)):
        access = cache.access(principal, tenant_id, now, while_renewed=False)
    if access is None:
        since = cache.generation
        with cache.loads.loading((principal, tenant_id)):
            access = await _access(principal, tenant_id, tx, lock=False)
            cache.remember_access(principal, tenant_id, access, now, since=since)
    return permitted(access, permission)


def authorize_from_cache(
    principal: Principal, permission: Permission, tenant_id: TenantId, cache: AccessCache
) -> bool:
    """`authorize` answered from what `cache` remembers, without a transaction: True when
    the principal may (PermissionDenied when not, as there), False when it remembers nothing
    of the principal in the tenant (then only `authorize` can tell)."""
    access = cache.access(principal, tenant_id, cache.clock.now(), only_read=True)
    if access is None:
        return False
    permitted(access, permission)
    return True


async def _access(
    principal: Principal, tenant_id: TenantId, tx: UnitOfWork, *, lock: bool
) -> Access:
    tenant = await (tx.tenants.get_for_update(tenant_id) if lock else tx.tenants.get(tenant_id))
    if tenant is None:
        raise NotFound("tenant", tenant_id)
    if principal.is_platform_admin:
        # Platform authority, whatever membership they also hold: owner rules don't bind it.
        return Access(tenant, None)
    role = await role_in(principal, tenant_id, tx)
    if role is None:
        raise NotFound("tenant", tenant_id)
    return Access(tenant, role)


def permitted(access: Access, permission: Permission) -> Access:
    """`access` if its role may do `permission` in its tenant as the tenant stands."""
    if access.role is None:
        return access
    if permission not in ROLE_PERMISSIONS[access.role]:
        raise PermissionDenied(
            f"the {access.role} role may not do {permission}", permission=permission.value
        )
    if access.tenant.status is TenantStatus.CLOSED:
        if permission not in _ALLOWED_WHILE_CLOSED:
            raise PermissionDenied("the tenant is closed", permission=permission.value)
    elif not access.tenant.is_active and permission not in _ALLOWED_WHILE_SUSPENDED:
        raise PermissionDenied("the tenant is suspended", permission=permission.value)
    return access


# What may change who a credential stands for or what it may do: an audited change to one of
# these clears every AccessCache entry of the process that makes it (UseCaseDeps.audit).
ACCESS_ENTITIES = frozenset({"tenant", "membership", "user", "api_key", "user_token"})
DEFAULT_ACCESS_CACHE_SECONDS = 5.0
_ACCESS_CACHE_ENTRIES = 10_000


class AccessCache:
    """What the process remembers of who a bearer token stands for, and of each principal's
    standing in a tenant, so that a hot read spends no round trip on them.

    An entry lives `ttl` seconds, and is renewed by one caller some time before; callers
    that find nothing wait for a load under way (`loads`), so that the requests in flight do
    not all go to the database at once (application.renewal). An audited change to a tenant,
    membership, user, key or token (ACCESS_ENTITIES) forgets everything in the process that
    makes it, at once and again once it is committed; other processes see it within `ttl`.
    A load that such a change overtook is not stored. Locking authorizations (the writes
    that must see the latest standing) never use it. A `ttl` of 0 turns it off.
    """

    def __init__(
        self,
        clock: Clock,
        ttl_seconds: float = DEFAULT_ACCESS_CACHE_SECONDS,
        max_entries: int = _ACCESS_CACHE_ENTRIES,
    ) -> None:
        self.clock = clock
        self.ttl = timedelta(seconds=ttl_seconds)
        self._max_entries = max_entries
        self._principals: dict[str, Kept[Principal, datetime]] = {}
        self._access: dict[tuple[Principal, TenantId], Kept[Access, datetime]] = {}
        self.generation = 0
        # By a token's hash, or by principal and tenant.
        self.loads = LoadsUnderWay()

    def principal(self, secret_hash: str, now: datetime) -> Principal | None:
        """The principal a token (by its hash) stood for, unless forgotten, old or expired,
        or due for renewal by this caller (application.renewal)."""
        return kept(self._principals, secret_hash, now)

    def remember_principal(
        self,
        secret_hash: str,
        principal: Principal,
        expires_at: datetime | None,
        now: datetime,
        *,
        since: int,
    ) -> None:
        """Keep what a load begun at generation `since` found (dropped if a change came since),
        no longer than the token lives."""
        if self.ttl and since == self.generation:
            until = now + self.ttl if expires_at is None else min(now + self.ttl, expires_at)
            _bounded(self._principals, self._max_entries)
            keep(self._principals, secret_hash, principal, now, until)

    def access(
        self,
        principal: Principal,
        tenant_id: TenantId,
        now: datetime,
        *,
        while_renewed: bool = True,
        only_read: bool = False,
    ) -> Access | None:
        """The principal's standing in the tenant, a copy of the caller's own, unless
        forgotten or expired, or due for renewal by this caller; `while_renewed` as in
        application.renewal.kept. `only_read`: the remembered standing itself, not a copy,
        for a caller that reads it and lets it go within the same call (a permission check,
        a cached entitlement): the copy is a tenant's worth of fields on every such request."""
        found = kept(self._access, (principal, tenant_id), now, while_renewed=while_renewed)
        if found is None or only_read:
            return found
        return _copied(found)

    def remember_access(
        self,
        principal: Principal,
        tenant_id: TenantId,
        access: Access,
        now: datetime,
        *,
        since: int,
    ) -> None:
        if self.ttl and since == self.generation:
            _bounded(self._access, self._max_entries)
            keep(self._access, (principal, tenant_id), _copied(access), now, now + self.ttl)

    def forget_all(self) -> None:
        self._principals.clear()
        self._access.clear()
        self.generation += 1


def _copied(access: Access) -> Access:
    """Each holder gets a tenant of its own: a use case may change the one it was given."""
    return Access(copy.copy(access.tenant), access.role)


def _bounded(entries: dict[Any, Any], most: int) -> None:
    """Make room for one more entry by dropping the oldest: memory stays bounded whatever the
    number of distinct tokens and tenants seen."""
    while len(entries) >= most:
        del entries[next(iter(entries))]


def require_platform_admin(principal: Principal) -> None:
    if not principal.is_platform_admin:
        raise PermissionDenied("this action needs a platform administrator")

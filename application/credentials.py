"""Bearer credentials: issuing, listing and revoking them, and authenticating requests."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar

import attrs

from application.access import Permission, Principal, authorize
from application.context import UseCaseDeps
from application.entitlements import require
from application.errors import NotFound, PermissionDenied, Unauthenticated
from application.pagination import MAX_PAGE_SIZE, Page, PageRequest, Position
from application.ports.unit_of_work import UnitOfWork
from domain.audit import Actor
from domain.credentials import (
    ApiKey,
    CredentialKind,
    PresentedToken,
    UserToken,
    hash_secret,
    issue_api_key_secret,
    issue_user_token_secret,
)
from domain.errors import OwnerRoleReserved
from domain.ids import ApiKeyId, TenantId, UserId, UserTokenId
from domain.tenancy import Role, User

T = TypeVar("T")

INVALID_TOKEN = "the bearer token is invalid, expired or revoked"


@attrs.frozen
class CreateApiKey:
    tenant_id: TenantId
    name: str
    role: Role
    expires_at: datetime | None = None


@attrs.frozen
class IssueUserToken:
    user_id: UserId
    name: str
    expires_at: datetime | None = None


@attrs.frozen
class Issued(Generic[T]):
    """A new credential and its token, which is shown this once and never stored."""

    credential: T
    token: str


@attrs.frozen
class ApiKeyStanding:
    """A key as its tenant sees it: `effective_role` is the role it acts with now, the lesser
    of its own and its creator's current one; None when it cannot act at all (revoked,
    expired, or its creator is no longer a member, active, or a platform admin)."""

    key: ApiKey
    effective_role: Role | None


class KeyRevocation(enum.StrEnum):
    """Why keys were revoked with their creator's standing: the `reason` of each audit entry.

    A key whose creator loses standing is revoked at once, in the same transaction; and a
    change that would give standing back first revokes the keys that lacked it (left there
    by a database written before this rule), so a dead key never comes back.
    """

    CREATOR_LEFT = "creator_left"
    CREATOR_REMOVED = "creator_removed"
    CREATOR_DEACTIVATED = "creator_deactivated"
    CREATOR_NO_LONGER_PLATFORM_ADMIN = "creator_no_longer_platform_admin"
    CREATOR_REJOINED = "creator_rejoined"
    CREATOR_REACTIVATED = "creator_reactivated"
    CREATOR_MADE_PLATFORM_ADMIN = "creator_made_platform_admin"
    CREATOR_DELETED = "creator_deleted"


@attrs.frozen
class Standing:
    """What a user's keys rest on, besides the membership of each tenant."""

    is_active: bool
    is_platform_admin: bool

    @classmethod
    def of(cls, user: User) -> Standing:
        return cls(user.is_active, user.is_platform_admin)

    def in_tenant(self, *, member: bool) -> bool:
        """Whether the user's keys may act in a tenant where they are (not) a member."""
        return self.is_active and (self.is_platform_admin or member)

    def reason_for_change_to(self, after: Standing) -> KeyRevocation:
        if self.is_active != after.is_active:
            return (
                KeyRevocation.CREATOR_REACTIVATED
                if after.is_active
                else KeyRevocation.CREATOR_DEACTIVATED
            )
        return (
            KeyRevocation.CREATOR_MADE_PLATFORM_ADMIN
            if after.is_platform_admin
            else KeyRevocation.CREATOR_NO_LONGER_PLATFORM_ADMIN
        )


async def _creator_ceiling(
    tx: UnitOfWork, tenant_id: TenantId, user_id: UserId | None
) -> Role | None:
    """The most a key's creator may do in the tenant today (None: nothing).

    A platform admin's keys keep their role; anyone else's are capped by their membership.
    """
    if user_id is None:
        return None
    creator = await tx.users.get(user_id)
    if creator is None or not creator.is_active:
        return None
    if creator.is_platform_admin:
        return Role.OWNER
    membership = await tx.memberships.get(tenant_id, creator.id)
    return membership.role if membership is not None else None


async def revoke_keys_of_creator(
    deps: UseCaseDeps,
    tx: UnitOfWork,
    actor: Principal | Actor,
    tenant_id: TenantId,
    user_id: UserId,
    reason: KeyRevocation,
) -> Sequence[ApiKey]:
    """Revoke every live key the user created in the tenant, one audit entry per key, in
    `tx` (which must be in that tenant's context). Returns the keys revoked."""
    revoked = await tx.api_keys.revoke_created_by(tenant_id, user_id, deps.clock.now())
    for key in revoked:
        await deps.audit(
            tx,
            actor,
            "api_key.revoked",
            "api_key",
            key.id,
            tenant_id=tenant_id,
            changes={"name": key.name, "reason": reason.value},
        )
    return revoked


async def revoke_keys_after_standing_change(
    deps: UseCaseDeps,
    tx: UnitOfWork,
    actor: Principal | Actor,
    user_id: UserId,
    before: Standing,
    after: Standing,
    *,
    reason: KeyRevocation | None = None,
) -> None:
    """In `tx`, revoke the user's keys in every tenant where they did not have standing both
    before and after a change of `is_active` or `is_platform_admin` (audited per key, with
    `reason`, by default the one the change implies).

    Looks at the user's own tenants (`tx` must be opened with `user_id=`), or at every tenant
    when the user is or was a platform admin, whose keys may live anywhere: one short visit
    per tenant. Leaves `tx` in no tenant's context.
    """
    if before == after:
        return
    reason = reason or before.reason_for_change_to(after)
    kept = {m: before.in_tenant(member=m) and after.in_tenant(member=m) for m in (False, True)}
    if kept[False] and kept[True]:
        return
    everywhere = before.is_platform_admin or after.is_platform_admin
    tenants = await (_every_tenant(tx) if everywhere else _tenants_of(tx, user_id))
    for tenant_id in tenants:
        await tx.switch_tenant(tenant_id)
        if kept[False] != kept[True]:
            member = await tx.memberships.get(tenant_id, user_id) is not None
            if kept[member]:
                continue
        await revoke_keys_of_creator(deps, tx, actor, tenant_id, user_id, reason)
    await tx.switch_tenant(None)


async def _every_tenant(tx: UnitOfWork) -> list[TenantId]:
    rows = await _every_row(tx.tenants.list, lambda t: Position(t.created_at, t.id))
    return [t.id for t in rows]


async def _tenants_of(tx: UnitOfWork, user_id: UserId) -> list[TenantId]:
    rows = await _every_row(
        lambda page: tx.memberships.tenants_of(user_id, page),
        lambda item: Position(item.membership.created_at, item.membership.id),
    )
    return [item.tenant.id for item in rows]


async def _every_row(
    fetch: Callable[[PageRequest], Awaitable[Sequence[T]]], position: Callable[[T], Position]
) -> list[T]:
    """Every row of a keyset-paginated listing, a page at a time."""
    found: list[T] = []
    page = PageRequest(limit=MAX_PAGE_SIZE)
    while True:
        rows = await fetch(page)
        found += rows[: page.limit]
        if len(rows) <= page.limit:
            return found
        page = PageRequest(page.limit, position(rows[page.limit - 1]))


def api_key_position(item: ApiKeyStanding) -> Position:
    return Position(item.key.created_at, item.key.id)


def user_token_position(token: UserToken) -> Position:
    return Position(token.created_at, token.id)


class CredentialService:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def authenticate(self, raw_token: str) -> Principal:
        """The principal a bearer token stands for.

        Raises Unauthenticated with one message for every kind of bad token, so a caller
        learns nothing about which part was wrong; PermissionDenied for a deactivated user.
        A token seen in the last moments is answered from the process's AccessCache.
        """
        now = self._deps.clock.now()
        cache = self._deps.access
        # Only a token that parsed and was found valid is remembered (by its hash): one
        # remembered needs no parsing again.
        secret_hash = hash_secret(raw_token)
        known = cache.principal(secret_hash, now)
        if known is None and await cache.loads.wait(secret_hash):
            known = cache.principal(secret_hash, now)
        if known is not None:
            return known
        presented = PresentedToken.parse(raw_token)
        if presented is None:
            raise Unauthenticated(INVALID_TOKEN)
        since = cache.generation
        with cache.loads.loading(secret_hash):
            if presented.kind is CredentialKind.API_KEY:
                principal, expires_at = await self._authenticate_api_key(presented, now)
            else:
                principal, expires_at = await self._authenticate_user_token(presented, now)
            cache.remember_principal(secret_hash, principal, expires_at, now, since=since)
        return principal

    async def _authenticate_user_token(
        self, presented: PresentedToken, now: datetime
    ) -> tuple[Principal, datetime | None]:
        async with self._deps.uows() as tx:
            token = await tx.user_tokens.by_prefix(presented.prefix)
            if (
                token is None
                or not presented.matches(token.secret_hash)
                or not token.usable_at(now)
            ):
                raise Unauthenticated(INVALID_TOKEN)
            user = await tx.users.get(token.user_id)
            if user is None:
                raise Unauthenticated(INVALID_TOKEN)
            if not user.is_active:
                raise PermissionDenied("the user is deactivated")
            if token.use_worth_recording(now):
                await tx.user_tokens.mark_used(token.id, now)
                await tx.commit()
        return Principal.user(user.id, is_platform_admin=user.is_platform_admin), token.expires_at

    async def _authenticate_api_key(
        self, presented: PresentedToken, now: datetime
    ) -> tuple[Principal, datetime | None]:
        assert presented.tenant_id is not None
        async with self._deps.uows(tenant_id=presented.tenant_id) as tx:
            key = await tx.api_keys.by_prefix(presented.tenant_id, presented.prefix)
            if key is None or not presented.matches(key.secret_hash) or not key.usable_at(now):
                raise Unauthenticated(INVALID_TOKEN)
            role = key.acting_role(await _creator_ceiling(tx, key.tenant_id, key.created_by), now)
            if role is None:
                raise Unauthenticated(INVALID_TOKEN)
            if key.use_worth_recording(now):
                await tx.api_keys.mark_used(key.id, now)
                await tx.commit()
        return Principal.api_key(key.id, key.tenant_id, role, key.created_by), key.expires_at

    # --- tenant API keys -------------------------------------------------------------

    async def create_api_key(self, principal: Principal, cmd: CreateApiKey) -> Issued[ApiKey]:
        """A key never has more power than its creator: only owners create owner keys, and
        only people (user tokens) create keys, so no key outlives its creator's standing.
        A new key acts with its role. The tenant is locked as membership changes lock it, so
        a key made while its creator is being removed is revoked with the removal."""
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            access = await authorize(
                principal, Permission.API_KEYS_MANAGE, cmd.tenant_id, tx, lock=True
            )
            principal.acting_user()
            await require(
                self._deps.entitlements, tx, access.tenant, "api_keys", self._deps.clock.now()
            )
            if access.role is not None and not access.role.at_least(cmd.role):
                if cmd.role is Role.OWNER:
                    raise OwnerRoleReserved()
                raise PermissionDenied(f"a {access.role} may not create a key with role {cmd.role}")
            secret = issue_api_key_secret(cmd.tenant_id)
            key = ApiKey(
                id=ApiKeyId(self._deps.ids.new()),
                tenant_id=cmd.tenant_id,
                name=cmd.name,
                prefix=secret.prefix,
                secret_hash=secret.secret_hash,
                role=cmd.role,
                created_by=principal.user_id,
                created_at=self._deps.clock.now(),
                expires_at=cmd.expires_at,
            )
            await tx.api_keys.add(key)
            await self._deps.audit(
                tx,
                principal,
                "api_key.created",
                "api_key",
                key.id,
                tenant_id=cmd.tenant_id,
                changes={
                    "name": key.name,
                    "role": key.role.value,
                    "expires_at": key.expires_at.isoformat() if key.expires_at else None,
                },
            )
            await tx.commit()
        return Issued(key, secret.token)

    async def list_api_keys(
        self, principal: Principal, tenant_id: TenantId, page: PageRequest
    ) -> Page[ApiKeyStanding]:
        """The tenant's keys, oldest first, each with the role it acts with now."""
        now = self._deps.clock.now()
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.API_KEYS_READ, tenant_id, tx)
            rows = await tx.api_keys.list(tenant_id, page)
            ceilings: dict[UserId | None, Role | None] = {}
            for key in rows[: page.limit]:
                if key.created_by not in ceilings:
                    ceilings[key.created_by] = await _creator_ceiling(tx, tenant_id, key.created_by)
        items = [
            ApiKeyStanding(key, key.acting_role(ceilings.get(key.created_by), now)) for key in rows
        ]
        return Page.from_rows(items, page, api_key_position)

    async def get_api_key(
        self, principal: Principal, tenant_id: TenantId, key_id: ApiKeyId
    ) -> ApiKeyStanding:
        """One of the tenant's keys, with the role it acts with now; NotFound for a key of
        another tenant, as for one that does not exist."""
        now = self._deps.clock.now()
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.API_KEYS_READ, tenant_id, tx)
            key = await tx.api_keys.get(tenant_id, key_id)
            if key is None:
                raise NotFound("api key", key_id)
            ceiling = await _creator_ceiling(tx, tenant_id, key.created_by)
        return ApiKeyStanding(key, key.acting_role(ceiling, now))

    async def revoke_api_key(
        self, principal: Principal, tenant_id: TenantId, key_id: ApiKeyId
    ) -> ApiKey:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            access = await authorize(principal, Permission.API_KEYS_MANAGE, tenant_id, tx)
            key = await tx.api_keys.get(tenant_id, key_id)
            if key is None:
                raise NotFound("api key", key_id)
            if key.role is Role.OWNER and access.role not in (None, Role.OWNER):
                raise OwnerRoleReserved()
            key.revoke(self._deps.clock.now())
            await tx.api_keys.save(key)
            await self._deps.audit(
                tx,
                principal,
                "api_key.revoked",
                "api_key",
                key.id,
                tenant_id=tenant_id,
                changes={"name": key.name},
            )
            await tx.commit()
        return key

    # --- personal user tokens --------------------------------------------------------

    def _ensure_self_or_admin(self, principal: Principal, user_id: UserId) -> None:
        if principal.is_platform_admin:
            return
        if principal.is_api_key or principal.user_id != user_id:
            raise NotFound("user", user_id)

    async def issue_user_token(
        self, principal: Principal, cmd: IssueUserToken
    ) -> Issued[UserToken]:
        self._ensure_self_or_admin(principal, cmd.user_id)
        secret = issue_user_token_secret()
        async with self._deps.uows() as tx:
            user = await tx.users.get(cmd.user_id)
            if user is None:
                raise NotFound("user", cmd.user_id)
            token = UserToken(
                id=UserTokenId(self._deps.ids.new()),
                user_id=user.id,
                name=cmd.name,
                prefix=secret.prefix,
                secret_hash=secret.secret_hash,
                created_at=self._deps.clock.now(),
                expires_at=cmd.expires_at,
            )
            await tx.user_tokens.add(token)
            await self._deps.audit(
                tx,
                principal,
                "user_token.created",
                "user_token",
                token.id,
                tenant_id=None,
                changes={"user_id": str(user.id), "name": token.name},
            )
            await tx.commit()
        return Issued(token, secret.token)

    async def list_user_tokens(
        self, principal: Principal, user_id: UserId, page: PageRequest
    ) -> Page[UserToken]:
        self._ensure_self_or_admin(principal, user_id)
        async with self._deps.uows() as tx:
            rows = await tx.user_tokens.list(user_id, page)
        return Page.from_rows(rows, page, user_token_position)

    async def get_user_token(
        self, principal: Principal, user_id: UserId, token_id: UserTokenId
    ) -> UserToken:
        """One of a user's tokens, for the user themself or a platform admin; anyone else
        is told the user does not exist."""
        self._ensure_self_or_admin(principal, user_id)
        async with self._deps.uows() as tx:
            token = await tx.user_tokens.get(user_id, token_id)
        if token is None:
            raise NotFound("token", token_id)
        return token

    async def revoke_user_token(
        self, principal: Principal, user_id: UserId, token_id: UserTokenId
    ) -> UserToken:
        self._ensure_self_or_admin(principal, user_id)
        async with self._deps.uows() as tx:
            token = await tx.user_tokens.get(user_id, token_id)
            if token is None:
                raise NotFound("token", token_id)
            token.revoke(self._deps.clock.now())
            await tx.user_tokens.save(token)
            await self._deps.audit(
                tx,
                principal,
                "user_token.revoked",
                "user_token",
                token.id,
                tenant_id=None,
                changes={"user_id": str(user_id), "name": token.name},
            )
            await tx.commit()
        return token

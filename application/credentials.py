"""Bearer credentials: issuing, listing and revoking them, and authenticating requests."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

import attrs

from application.access import Permission, Principal, authorize
from application.context import UseCaseDeps
from application.entitlements import require
from application.errors import NotFound, PermissionDenied, Unauthenticated
from application.pagination import Page, PageRequest, Position
from application.ports import UnitOfWork
from domain.credentials import (
    ApiKey,
    CredentialKind,
    PresentedToken,
    UserToken,
    issue_api_key_secret,
    issue_user_token_secret,
)
from domain.errors import OwnerRoleReserved
from domain.ids import ApiKeyId, TenantId, UserId, UserTokenId
from domain.tenancy import Role

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


async def _creator_bound_role(tx: UnitOfWork, key: ApiKey) -> Role | None:
    """The role a key acts with: its own, capped by its creator's standing today.

    A key stops working when its creator leaves the tenant or is deactivated, and acts with
    no more than the creator's current role; a platform admin's keys keep their role.
    """
    if key.created_by is None:
        return None
    creator = await tx.users.get(key.created_by)
    if creator is None or not creator.is_active:
        return None
    if creator.is_platform_admin:
        return key.role
    membership = await tx.memberships.get(key.tenant_id, creator.id)
    if membership is None:
        return None
    return key.role if membership.role.at_least(key.role) else membership.role


def api_key_position(key: ApiKey) -> Position:
    return Position(key.created_at, key.id)


def user_token_position(token: UserToken) -> Position:
    return Position(token.created_at, token.id)


class CredentialService:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def authenticate(self, raw_token: str) -> Principal:
        """The principal a bearer token stands for.

        Raises Unauthenticated with one message for every kind of bad token, so a caller
        learns nothing about which part was wrong; PermissionDenied for a deactivated user.
        """
        presented = PresentedToken.parse(raw_token)
        if presented is None:
            raise Unauthenticated(INVALID_TOKEN)
        if presented.kind is CredentialKind.API_KEY:
            return await self._authenticate_api_key(presented)
        return await self._authenticate_user_token(presented)

    async def _authenticate_user_token(self, presented: PresentedToken) -> Principal:
        now = self._deps.clock.now()
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
            await tx.user_tokens.mark_used(token.id, now)
            await tx.commit()
        return Principal.user(user.id, is_platform_admin=user.is_platform_admin)

    async def _authenticate_api_key(self, presented: PresentedToken) -> Principal:
        assert presented.tenant_id is not None
        now = self._deps.clock.now()
        async with self._deps.uows(tenant_id=presented.tenant_id) as tx:
            key = await tx.api_keys.by_prefix(presented.tenant_id, presented.prefix)
            if key is None or not presented.matches(key.secret_hash) or not key.usable_at(now):
                raise Unauthenticated(INVALID_TOKEN)
            role = await _creator_bound_role(tx, key)
            if role is None:
                raise Unauthenticated(INVALID_TOKEN)
            await tx.api_keys.mark_used(key.id, now)
            await tx.commit()
        return Principal.api_key(key.id, key.tenant_id, role, key.created_by)

    # --- tenant API keys -------------------------------------------------------------

    async def create_api_key(self, principal: Principal, cmd: CreateApiKey) -> Issued[ApiKey]:
        """A key never has more power than its creator: only owners create owner keys, and
        only people (user tokens) create keys, so no key outlives its creator's standing."""
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            access = await authorize(principal, Permission.API_KEYS_MANAGE, cmd.tenant_id, tx)
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
    ) -> Page[ApiKey]:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.API_KEYS_READ, tenant_id, tx)
            rows = await tx.api_keys.list(tenant_id, page)
        return Page.from_rows(rows, page, api_key_position)

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

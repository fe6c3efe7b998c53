"""Users (the seed's UserModel): global identities that belong to tenants by membership."""

from __future__ import annotations

import attrs

from application.access import Principal, require_platform_admin
from application.context import UseCaseDeps, check_version
from application.credentials import Standing, revoke_keys_after_standing_change
from application.errors import AlreadyExists, NotFound, PermissionDenied
from application.pagination import Page, PageRequest, Position
from domain.ids import UserId
from domain.tenancy import User
from domain.values import Email


@attrs.frozen
class CreateUser:
    email: Email
    first_name: str | None = None
    last_name: str | None = None
    is_platform_admin: bool = False


@attrs.frozen
class UpdateUser:
    """Fields left None are unchanged. `email`, `is_active` and `is_platform_admin` are for
    platform admins only; users may change their own names."""

    user_id: UserId
    email: Email | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_active: bool | None = None
    is_platform_admin: bool | None = None
    version: int | None = None


def user_position(user: User) -> Position:
    return Position(user.created_at, user.id)


def _may_see(principal: Principal, user_id: UserId) -> bool:
    return principal.is_platform_admin or (
        not principal.is_api_key and principal.user_id == user_id
    )


class UserService:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def create_user(self, principal: Principal, cmd: CreateUser) -> User:
        require_platform_admin(principal)
        now = self._deps.clock.now()
        user = User(
            UserId(self._deps.ids.new()),
            cmd.email,
            created_at=now,
            updated_at=now,
            first_name=cmd.first_name,
            last_name=cmd.last_name,
            is_platform_admin=cmd.is_platform_admin,
        )
        async with self._deps.uows() as tx:
            await tx.users.add(user)
            await self._deps.audit(
                tx,
                principal,
                "user.created",
                "user",
                user.id,
                tenant_id=None,
                changes={"email": user.email.value, "is_platform_admin": user.is_platform_admin},
            )
            await tx.commit()
        return user

    async def me(self, principal: Principal) -> User:
        return await self.get_user(principal, principal.acting_user())

    async def get_user(self, principal: Principal, user_id: UserId) -> User:
        """Users see themselves; platform admins see everyone; others get NotFound."""
        if not _may_see(principal, user_id):
            raise NotFound("user", user_id)
        async with self._deps.uows() as tx:
            user = await tx.users.get(user_id)
        if user is None:
            raise NotFound("user", user_id)
        return user

    async def get_user_by_email(self, principal: Principal, email: Email) -> User:
        require_platform_admin(principal)
        async with self._deps.uows() as tx:
            user = await tx.users.by_email(email)
        if user is None:
            raise NotFound("user", email)
        return user

    async def list_users(self, principal: Principal, page: PageRequest) -> Page[User]:
        require_platform_admin(principal)
        async with self._deps.uows() as tx:
            rows = await tx.users.list(page)
        return Page.from_rows(rows, page, user_position)

    async def update_user(self, principal: Principal, cmd: UpdateUser) -> User:
        """Change a user. Deactivating them, or taking platform admin away, revokes their API
        keys wherever those lose standing, in the same transaction; reactivating them or
        making them platform admin revokes the keys that had none, so no key comes back."""
        if not _may_see(principal, cmd.user_id):
            raise NotFound("user", cmd.user_id)
        # An address is an identity: invitations and admin promotions find users by it, so
        # letting users claim an address nobody verified would let them inherit its access.
        admin_only = (
            cmd.is_active is not None or cmd.is_platform_admin is not None or cmd.email is not None
        )
        if admin_only and not principal.is_platform_admin:
            raise PermissionDenied(
                "only a platform admin may change email, is_active or is_platform_admin"
            )
        # The user's context shows their memberships in every tenant: their keys' standing.
        async with self._deps.uows(user_id=cmd.user_id) as tx:
            user = await tx.users.get(cmd.user_id)
            if user is None:
                raise NotFound("user", cmd.user_id)
            check_version(cmd.version, user.version, "user", user.id)
            before = Standing.of(user)
            changes = self._apply(user, cmd)
            if cmd.email is not None and "email" in changes:
                other = await tx.users.by_email(cmd.email)
                if other is not None and other.id != user.id:
                    raise AlreadyExists("user", "email")
            if changes:
                await tx.users.save(user)
                action = "user.deactivated" if cmd.is_active is False else "user.updated"
                await self._deps.audit(
                    tx, principal, action, "user", user.id, tenant_id=None, changes=changes
                )
                await revoke_keys_after_standing_change(
                    self._deps, tx, principal, user.id, before, Standing.of(user)
                )
                await tx.commit()
        return user

    def _apply(self, user: User, cmd: UpdateUser) -> dict[str, object]:
        now = self._deps.clock.now()
        changes: dict[str, object] = {}
        for name in ("first_name", "last_name", "is_platform_admin"):
            wanted = getattr(cmd, name)
            if wanted is not None and wanted != getattr(user, name):
                changes[name] = {"from": getattr(user, name), "to": wanted}
                setattr(user, name, wanted)
        if cmd.email is not None and cmd.email.value != user.email.value:
            changes["email"] = {"from": user.email.value, "to": cmd.email.value}
            user.email = cmd.email
        if cmd.is_active is not None and cmd.is_active != user.is_active:
            changes["is_active"] = {"from": user.is_active, "to": cmd.is_active}
            if cmd.is_active:
                user.reactivate(now)
            else:
                user.deactivate(now)
        if changes:
            user.updated_at = now
        return changes

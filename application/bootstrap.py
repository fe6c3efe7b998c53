"""Getting a fresh installation to a usable state: the first platform admin, a demo tenant."""

from __future__ import annotations

import attrs

from application.access import Principal
from application.context import UseCaseDeps
from application.credentials import (
    CredentialService,
    IssueUserToken,
    Standing,
    revoke_keys_after_standing_change,
)
from application.pagination import PageRequest
from application.tenancy import CreateTenant, TenantService
from domain.audit import SYSTEM
from domain.ids import UserId
from domain.tenancy import Tenant, User
from domain.values import Email

DEMO_ADMIN_EMAIL = "admin@demo.example"
DEMO_TENANT_NAME = "Demo Company"


@attrs.frozen
class PlatformAdminToken:
    user: User
    token: str


@attrs.frozen
class DemoInstallation:
    admin: PlatformAdminToken
    tenant: Tenant


class BootstrapService:
    def __init__(
        self, deps: UseCaseDeps, credentials: CredentialService, tenants: TenantService
    ) -> None:
        self._deps = deps
        self._credentials = credentials
        self._tenants = tenants

    async def create_platform_admin(
        self, email: Email, *, token_name: str = "cli"
    ) -> PlatformAdminToken:
        """Create the user (or promote an existing one) as platform admin and issue a token."""
        now = self._deps.clock.now()
        async with self._deps.uows() as tx:
            user = await tx.users.by_email(email)
            if user is None:
                user = User(
                    UserId(self._deps.ids.new()),
                    email,
                    created_at=now,
                    updated_at=now,
                    is_platform_admin=True,
                )
                await tx.users.add(user)
                await self._deps.audit(
                    tx,
                    SYSTEM,
                    "user.created",
                    "user",
                    user.id,
                    tenant_id=None,
                    changes={"email": email.value, "is_platform_admin": True},
                )
            elif not user.is_platform_admin or not user.is_active:
                before = Standing.of(user)
                user.is_platform_admin = True
                user.is_active = True
                user.updated_at = now
                await tx.users.save(user)
                await self._deps.audit(
                    tx,
                    SYSTEM,
                    "user.promoted",
                    "user",
                    user.id,
                    tenant_id=None,
                    changes={"is_platform_admin": True, "is_active": True},
                )
                await revoke_keys_after_standing_change(
                    self._deps, tx, SYSTEM, user.id, before, Standing.of(user)
                )
            await tx.commit()
        issued = await self._credentials.issue_user_token(
            Principal.user(user.id, is_platform_admin=True), IssueUserToken(user.id, token_name)
        )
        return PlatformAdminToken(user, issued.token)

    async def seed_demo(self) -> DemoInstallation | None:
        """On an empty installation, a platform admin who owns a demo tenant, with a token.

        Returns None when any user exists already: the demo is seeded once, never twice.
        """
        async with self._deps.uows() as tx:
            if await tx.users.list(PageRequest(limit=1)):
                return None
        admin = await self.create_platform_admin(Email.parse(DEMO_ADMIN_EMAIL), token_name="demo")
        created = await self._tenants.create_tenant(
            Principal.user(admin.user.id, is_platform_admin=True), CreateTenant(DEMO_TENANT_NAME)
        )
        return DemoInstallation(admin, created.tenant)

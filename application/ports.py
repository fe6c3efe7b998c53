"""What the application needs from the outside world, named for its role.

Adapters in `adapters/memory` and `adapters/postgres` implement every protocol here and pass
the same contract tests.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from application.pagination import PageRequest
from domain.audit import AuditEntry
from domain.credentials import ApiKey, UserToken
from domain.ids import ApiKeyId, FeatureId, PlanId, TenantId, UserId, UserTokenId
from domain.plans import Feature, FeatureValue, Override, Plan
from domain.tenancy import Member, Membership, Tenant, User, UserTenant
from domain.values import Email


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class IdGenerator(Protocol):
    def new(self) -> UUID:
        """A new unique, time-ordered id (UUIDv7)."""
        ...


class UserRepository(Protocol):
    async def get(self, user_id: UserId) -> User | None: ...
    async def by_email(self, email: Email) -> User | None: ...
    async def add(self, user: User) -> None:
        """Raises AlreadyExists(field="email") when the address is taken, in any case."""
        ...

    async def save(self, user: User) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def list(self, page: PageRequest) -> list[User]:
        """Oldest first, at most `page.limit + 1` rows after `page.after`."""
        ...


class TenantRepository(Protocol):
    async def get(self, tenant_id: TenantId) -> Tenant | None: ...
    async def get_for_update(self, tenant_id: TenantId) -> Tenant | None:
        """Read and lock the tenant until the transaction ends.

        Writes that must see every member of a tenant (owner checks, member limits) take
        this lock first, so concurrent requests on the same tenant run one after another.
        """
        ...

    async def add(self, tenant: Tenant) -> None: ...
    async def save(self, tenant: Tenant) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def list(self, page: PageRequest) -> list[Tenant]:
        """Every tenant, oldest first (platform administration)."""
        ...


class MembershipRepository(Protocol):
    async def get(self, tenant_id: TenantId, user_id: UserId) -> Membership | None: ...
    async def add(self, membership: Membership) -> None:
        """Raises AlreadyExists(field="user_id") when the user is already a member."""
        ...

    async def save(self, membership: Membership) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def remove(self, membership: Membership) -> None: ...
    async def count_owners(self, tenant_id: TenantId) -> int: ...
    async def count(self, tenant_id: TenantId) -> int: ...
    async def members(self, tenant_id: TenantId, page: PageRequest) -> list[Member]:
        """The tenant's members with their users, oldest membership first."""
        ...

    async def tenants_of(self, user_id: UserId, page: PageRequest) -> list[UserTenant]:
        """The user's tenants with the user's role, oldest membership first.

        Needs a unit of work opened for that user (`user_id=`), whose row-level security
        context shows the user's own memberships across tenants.
        """
        ...


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...
    async def get(self, tenant_id: TenantId, key_id: ApiKeyId) -> ApiKey | None: ...
    async def by_prefix(self, tenant_id: TenantId, prefix: str) -> ApiKey | None: ...
    async def save(self, key: ApiKey) -> None: ...
    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[ApiKey]: ...
    async def mark_used(self, key_id: ApiKeyId, at: datetime) -> None:
        """Record a use; cheap and idempotent (skipped when recorded recently)."""
        ...


class UserTokenRepository(Protocol):
    async def add(self, token: UserToken) -> None: ...
    async def get(self, user_id: UserId, token_id: UserTokenId) -> UserToken | None: ...
    async def by_prefix(self, prefix: str) -> UserToken | None: ...
    async def save(self, token: UserToken) -> None: ...
    async def list(self, user_id: UserId, page: PageRequest) -> list[UserToken]: ...
    async def mark_used(self, token_id: UserTokenId, at: datetime) -> None: ...


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...
    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[AuditEntry]:
        """The tenant's entries, newest first."""
        ...


class PlanRepository(Protocol):
    """The plan catalogue (global, not tenant-scoped)."""

    async def list(self) -> list[Plan]:
        """Every plan, oldest first (a catalogue is small)."""
        ...

    async def get(self, plan_id: PlanId) -> Plan | None: ...
    async def default(self) -> Plan | None:
        """The plan new tenants get, if one is marked default."""
        ...

    async def add(self, plan: Plan) -> None:
        """Raises AlreadyExists(field="name") when the name is taken."""
        ...

    async def save(self, plan: Plan) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def values(self, plan_id: PlanId) -> dict[FeatureId, FeatureValue]:
        """What the plan gives each feature it mentions."""
        ...

    async def set_value(
        self, plan_id: PlanId, feature_id: FeatureId, value: FeatureValue
    ) -> None: ...
    async def remove_value(self, plan_id: PlanId, feature_id: FeatureId) -> bool:
        """False when the plan did not mention the feature."""
        ...


class FeatureRepository(Protocol):
    async def list(self) -> list[Feature]:
        """Every feature, by key."""
        ...

    async def by_key(self, key: str) -> Feature | None: ...
    async def add(self, feature: Feature) -> None:
        """Raises AlreadyExists(field="feature_key") when the key is taken."""
        ...


class OverrideRepository(Protocol):
    """Tenant feature overrides (tenant-scoped)."""

    async def for_tenant(self, tenant_id: TenantId) -> list[Override]: ...
    async def put(self, override: Override) -> None:
        """Insert, or replace the tenant's override of the same feature."""
        ...

    async def remove(self, tenant_id: TenantId, feature_id: FeatureId) -> bool:
        """False when there was none."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without `commit()` rolls everything back."""

    users: UserRepository
    tenants: TenantRepository
    memberships: MembershipRepository
    api_keys: ApiKeyRepository
    user_tokens: UserTokenRepository
    audit: AuditLog
    plans: PlanRepository
    features: FeatureRepository
    overrides: OverrideRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(
        self, *, tenant_id: TenantId | None = None, user_id: UserId | None = None
    ) -> UnitOfWork:
        """A new unit of work.

        `tenant_id` opens it in that tenant's row-level security context: tenant-scoped
        tables show and accept only that tenant's rows. `user_id` additionally shows that
        user's own memberships in every tenant. With neither, tenant-scoped tables are empty.
        """
        ...


class DatabaseProbe(Protocol):
    async def check(self) -> str | None:
        """None when the database is reachable and migrated to head, else what is wrong."""
        ...

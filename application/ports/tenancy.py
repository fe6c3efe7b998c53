"""What the application needs to keep users, tenants and memberships."""

from __future__ import annotations

from typing import Protocol

from application.pagination import PageRequest
from domain.ids import TenantId, UserId
from domain.tenancy import Member, Membership, Tenant, User, UserTenant
from domain.values import Email


class UserRepository(Protocol):
    async def get(self, user_id: UserId) -> User | None: ...
    async def by_email(self, email: Email) -> User | None: ...
    async def add(self, user: User) -> None:
        """Raises AlreadyExists(field="email") when the address is taken, in any case."""
        ...

    async def save(self, user: User) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def get_for_update(self, user_id: UserId) -> User | None:
        """Read and lock the user until the transaction ends: a row being added that refers
        to them (a membership, a token) waits for the transaction, and fails if they are
        gone."""
        ...

    async def remove(self, user: User) -> None:
        """Delete the user, version-checked (ConcurrencyConflict when the stored version
        moved on). Their memberships, personal tokens and reset tokens go with them; rows
        they made (keys, agents, batches, grants, invitations) stay and no longer name them."""
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

    async def remove(self, tenant: Tenant) -> None:
        """Delete the tenant's row, and with it whatever of the tenant is still left (the
        purge deletes the rest first, in bounded batches)."""
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

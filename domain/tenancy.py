"""Tenants, users and memberships: who belongs where, with which role."""

from __future__ import annotations

import enum
import operator
from datetime import datetime, timedelta

import attrs

from domain.errors import InvalidStateTransition, OwnerRoleReserved
from domain.ids import MembershipId, PlanId, TenantId, UserId
from domain.retention import RetentionChoice
from domain.values import Email, non_blank, optional_text


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    # Closed by its owner: refused like a suspended tenant, reopenable until `purge_after`,
    # when its data is deleted.
    CLOSED = "closed"


class Role(enum.StrEnum):
    """A member's role in a tenant, from most to least powerful."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


@attrs.define
class Tenant:
    id: TenantId
    name: str = attrs.field(validator=non_blank(max_len=255))
    created_at: datetime
    updated_at: datetime
    plan_id: PlanId | None = None
    status: TenantStatus = TenantStatus.ACTIVE
    version: int = 0
    closed_at: datetime | None = None
    purge_after: datetime | None = None
    retention: RetentionChoice = attrs.field(factory=RetentionChoice)
    """How long the tenant keeps its calls' content, within its plan (domain.retention)."""

    @property
    def is_active(self) -> bool:
        return self.status is TenantStatus.ACTIVE

    def __copy__(self) -> Tenant:
        """A tenant of the same values (each immutable), for each holder of a cached one
        (application.access). Set slot by slot: `copy.copy`'s own way, through
        `__reduce_ex__` and a dictionary of the slots, costs three times as much, and every
        request answered from the cache pays it."""
        clone = object.__new__(Tenant)
        for set_field, value in zip(_TENANT_SLOT_SETTERS, _tenant_values(self), strict=True):
            set_field(clone, value)
        return clone

    def rename(self, name: str, at: datetime) -> None:
        self.name = name  # attrs.define validates on assignment
        self.updated_at = at

    def choose_retention(self, choice: RetentionChoice, at: datetime) -> None:
        self.retention = choice
        self.updated_at = at

    def change_plan(self, plan_id: PlanId, at: datetime) -> None:
        self.plan_id = plan_id
        self.updated_at = at

    def suspend(self, at: datetime) -> None:
        if self.status is TenantStatus.SUSPENDED:
            raise InvalidStateTransition("the tenant is already suspended", field="status")
        if self.status is TenantStatus.CLOSED:
            raise InvalidStateTransition("a closed tenant cannot be suspended", field="status")
        self.status = TenantStatus.SUSPENDED
        self.updated_at = at

    def reactivate(self, at: datetime) -> None:
        if self.status is TenantStatus.ACTIVE:
            raise InvalidStateTransition("the tenant is already active", field="status")
        if self.status is TenantStatus.CLOSED:
            raise InvalidStateTransition(
                "a closed tenant is reopened by its owner, not reactivated", field="status"
            )
        self.status = TenantStatus.ACTIVE
        self.updated_at = at

    def close(self, at: datetime, grace: timedelta) -> None:
        """Closed at once; its data is kept, and the tenant reopenable, for `grace`."""
        if self.status is not TenantStatus.ACTIVE:
            raise InvalidStateTransition(
                f"only an active tenant can be closed; this one is {self.status}", field="status"
            )
        if grace < timedelta(0):
            raise ValueError("a grace period cannot be negative")
        self.status = TenantStatus.CLOSED
        self.closed_at = at
        self.purge_after = at + grace
        self.updated_at = at

    def reopen(self, at: datetime) -> None:
        if self.status is not TenantStatus.CLOSED:
            raise InvalidStateTransition("only a closed tenant can be reopened", field="status")
        assert self.purge_after is not None
        if at >= self.purge_after:
            raise InvalidStateTransition(
                "the grace period is over: the tenant's data is being deleted", field="status"
            )
        self.status = TenantStatus.ACTIVE
        self.closed_at = None
        self.purge_after = None
        self.updated_at = at

    def due_for_purge(self, at: datetime) -> bool:
        return (
            self.status is TenantStatus.CLOSED
            and self.purge_after is not None
            and at >= self.purge_after
        )


_TENANT_FIELDS = tuple(field.name for field in attrs.fields(Tenant))
_tenant_values = operator.attrgetter(*_TENANT_FIELDS)
_TENANT_SLOT_SETTERS = tuple(getattr(Tenant, name).__set__ for name in _TENANT_FIELDS)


@attrs.define
class User:
    id: UserId
    email: Email
    created_at: datetime
    updated_at: datetime
    first_name: str | None = attrs.field(default=None, validator=optional_text(max_len=100))
    last_name: str | None = attrs.field(default=None, validator=optional_text(max_len=100))
    is_platform_admin: bool = False
    is_active: bool = True
    version: int = 0
    # An argon2id hash (never shown, never logged); None until the user sets a password:
    # users made by a platform admin, or by an invitation accepted while signed in.
    password_hash: str | None = attrs.field(default=None, repr=False)
    password_changed_at: datetime | None = None

    def set_password(self, password_hash: str, at: datetime) -> None:
        self.password_hash = password_hash
        self.password_changed_at = at
        self.updated_at = at

    def deactivate(self, at: datetime) -> None:
        if not self.is_active:
            raise InvalidStateTransition("the user is already inactive", field="is_active")
        self.is_active = False
        self.updated_at = at

    def reactivate(self, at: datetime) -> None:
        if self.is_active:
            raise InvalidStateTransition("the user is already active", field="is_active")
        self.is_active = True
        self.updated_at = at


@attrs.define
class Membership:
    id: MembershipId
    tenant_id: TenantId
    user_id: UserId
    role: Role
    created_at: datetime
    updated_at: datetime
    version: int = 0

    @classmethod
    def grant(
        cls,
        id: MembershipId,
        tenant_id: TenantId,
        user_id: UserId,
        role: Role,
        *,
        granted_by: Role | None,
        at: datetime,
    ) -> Membership:
        """A new membership; `granted_by` is the granting member's role (None: platform)."""
        if role is Role.OWNER and granted_by not in (None, Role.OWNER):
            raise OwnerRoleReserved()
        return cls(id, tenant_id, user_id, role, created_at=at, updated_at=at)

    def change_role(self, role: Role, *, changed_by: Role | None, at: datetime) -> None:
        """Owners are changed, and the owner role is granted, only by owners or the platform.

        Whether the tenant keeps an owner is checked by the caller, which sees all members.
        """
        touches_owner = Role.OWNER in (role, self.role)
        if touches_owner and changed_by not in (None, Role.OWNER):
            raise OwnerRoleReserved()
        self.role = role
        self.updated_at = at

    def ensure_removable_by(self, remover: Role | None) -> None:
        if self.role is Role.OWNER and remover not in (None, Role.OWNER):
            raise OwnerRoleReserved()


@attrs.frozen
class Member:
    """A tenant's member as listed: the membership with its user."""

    membership: Membership
    user: User


@attrs.frozen
class UserTenant:
    """One of a user's tenants, with the user's role in it."""

    tenant: Tenant
    membership: Membership

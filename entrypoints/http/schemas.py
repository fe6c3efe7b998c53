"""Request and response bodies: msgspec Structs, decoded and validated in one pass.

Domain objects never leave through the API unconverted: each `*Out` has a `of()`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from application.plans import PlanFeature, TenantFeature
from domain.audit import AuditEntry
from domain.credentials import ApiKey, UserToken
from domain.plans import Feature, Plan
from domain.tenancy import Member, Role, Tenant, User, UserTenant

RoleName = Literal["owner", "admin", "member", "viewer"]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
PersonName = Annotated[str, msgspec.Meta(max_length=100)]
EmailText = Annotated[str, msgspec.Meta(min_length=3, max_length=254, examples=["ada@example.com"])]
CredentialName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
AwareDatetime = Annotated[
    datetime, msgspec.Meta(tz=True, description="RFC 3339 with a time zone offset or Z.")
]
Version = Annotated[
    int, msgspec.Meta(ge=0, description="The version you read; a stale one is refused with 409.")
]


class Body(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Request bodies refuse fields they do not know: a typo is an error, not a no-op."""


# --- requests ------------------------------------------------------------------------


class CreateTenantIn(Body):
    name: Name


class UpdateTenantIn(Body):
    name: Name | None = None
    version: Version | None = None


class CreateUserIn(Body):
    email: EmailText
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    is_platform_admin: bool = False


class UpdateUserIn(Body):
    email: EmailText | None = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    is_active: bool | None = None
    is_platform_admin: bool | None = None
    version: Version | None = None


class AddMemberIn(Body):
    """Give `user_id` or `email` (a new email creates the user)."""

    role: RoleName = "member"
    user_id: UUID | None = None
    email: EmailText | None = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None


class ChangeRoleIn(Body):
    role: RoleName
    version: Version | None = None


class TransferOwnershipIn(Body):
    user_id: UUID


class CreateApiKeyIn(Body):
    name: CredentialName
    role: RoleName = "member"
    expires_at: AwareDatetime | None = None


class CreateUserTokenIn(Body):
    name: CredentialName
    expires_at: AwareDatetime | None = None


# --- responses -----------------------------------------------------------------------


class TenantOut(msgspec.Struct):
    id: UUID
    name: str
    status: Literal["active", "suspended"]
    is_active: bool
    plan_id: UUID | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, t: Tenant) -> TenantOut:
        return cls(
            t.id,
            t.name,
            t.status.value,
            t.is_active,
            t.plan_id,
            t.version,
            t.created_at,
            t.updated_at,
        )


class UserOut(msgspec.Struct):
    id: UUID
    email: str
    first_name: str | None
    last_name: str | None
    is_platform_admin: bool
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, u: User) -> UserOut:
        return cls(
            u.id,
            u.email.value,
            u.first_name,
            u.last_name,
            u.is_platform_admin,
            u.is_active,
            u.version,
            u.created_at,
            u.updated_at,
        )


class MemberUserOut(msgspec.Struct):
    """A member's user as fellow members see it: no platform flags, no versions."""

    id: UUID
    email: str
    first_name: str | None
    last_name: str | None
    is_active: bool

    @classmethod
    def of(cls, u: User) -> MemberUserOut:
        return cls(u.id, u.email.value, u.first_name, u.last_name, u.is_active)


class MemberOut(msgspec.Struct):
    membership_id: UUID
    tenant_id: UUID
    user_id: UUID
    role: RoleName
    version: int
    user: MemberUserOut
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: Member) -> MemberOut:
        ms = m.membership
        return cls(
            ms.id,
            ms.tenant_id,
            ms.user_id,
            ms.role.value,
            ms.version,
            MemberUserOut.of(m.user),
            ms.created_at,
            ms.updated_at,
        )


class UserTenantOut(msgspec.Struct):
    tenant: TenantOut
    role: RoleName
    membership_id: UUID
    joined_at: datetime

    @classmethod
    def of(cls, item: UserTenant) -> UserTenantOut:
        m = item.membership
        return cls(TenantOut.of(item.tenant), m.role.value, m.id, m.created_at)


class ApiKeyOut(msgspec.Struct):
    id: UUID
    tenant_id: UUID
    name: str
    prefix: str
    role: Annotated[RoleName, msgspec.Meta(description="The role the key was granted.")]
    effective_role: Annotated[
        RoleName | None,
        msgspec.Meta(
            description="The role the key acts with now: the lesser of `role` and its"
            " creator's current role in the tenant (a platform admin's keys keep `role`)."
            " null when it cannot act: revoked, expired, or its creator left, was removed"
            " or deactivated."
        ),
    ]
    created_by: UUID | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, k: ApiKey, effective_role: Role | None) -> ApiKeyOut:
        return cls(
            k.id,
            k.tenant_id,
            k.name,
            k.prefix,
            k.role.value,
            effective_role.value if effective_role else None,
            k.created_by,
            k.created_at,
            k.expires_at,
            k.last_used_at,
            k.revoked_at,
        )


class ApiKeyCreatedOut(msgspec.Struct):
    key: ApiKeyOut
    token: Annotated[str, msgspec.Meta(description="The secret. Shown this once; store it now.")]


class UserTokenOut(msgspec.Struct):
    id: UUID
    user_id: UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, t: UserToken) -> UserTokenOut:
        return cls(
            t.id,
            t.user_id,
            t.name,
            t.prefix,
            t.created_at,
            t.expires_at,
            t.last_used_at,
            t.revoked_at,
        )


class UserTokenCreatedOut(msgspec.Struct):
    user_token: UserTokenOut
    token: Annotated[str, msgspec.Meta(description="The secret. Shown this once; store it now.")]


class AuditEntryOut(msgspec.Struct):
    id: UUID
    tenant_id: UUID | None
    actor_type: Literal["user", "api_key", "system"]
    actor_id: UUID | None
    action: str
    entity: str
    entity_id: UUID
    changes: dict[str, Any]
    at: datetime

    @classmethod
    def of(cls, e: AuditEntry) -> AuditEntryOut:
        return cls(
            e.id,
            e.tenant_id,
            e.actor.kind.value,
            e.actor.id,
            e.action,
            e.entity,
            e.entity_id,
            e.changes,
            e.at,
        )


class PrincipalOut(msgspec.Struct):
    kind: Literal["user", "api_key"]
    user: UserOut | None
    api_key_id: UUID | None
    tenant_id: UUID | None
    role: RoleName | None
    is_platform_admin: bool


class TenantPage(msgspec.Struct):
    items: list[TenantOut]
    next_cursor: str | None


class UserPage(msgspec.Struct):
    items: list[UserOut]
    next_cursor: str | None


class MemberPage(msgspec.Struct):
    items: list[MemberOut]
    next_cursor: str | None


class UserTenantPage(msgspec.Struct):
    items: list[UserTenantOut]
    next_cursor: str | None


class ApiKeyPage(msgspec.Struct):
    items: list[ApiKeyOut]
    next_cursor: str | None


class UserTokenPage(msgspec.Struct):
    items: list[UserTokenOut]
    next_cursor: str | None


class AuditPage(msgspec.Struct):
    items: list[AuditEntryOut]
    next_cursor: str | None


class HealthOut(msgspec.Struct):
    status: Literal["ok"]


class WorkerOut(msgspec.Struct):
    """The job worker running inside this process (the call reconciler)."""

    state: Annotated[
        Literal["starting", "running", "restarting", "stopped"],
        msgspec.Meta(
            description="restarting: it stopped (e.g. the database went away) and is about "
            "to be started again; the log says why."
        ),
    ]
    restarts: Annotated[int, msgspec.Meta(description="Times it stopped and was started again.")]
    last_sweep_at: Annotated[
        datetime | None,
        msgspec.Meta(description="When its reconciler last finished a sweep (null: not yet)."),
    ]
    last_stopped_at: datetime | None


class ReadyOut(msgspec.Struct, omit_defaults=True):
    status: Literal["ok"]
    worker: Annotated[
        WorkerOut | None,
        msgspec.Meta(
            description="Absent when this process runs no worker (VOICE_AGENT_WORKER=false)."
        ),
    ] = None


# --- plans, features, entitlements -------------------------------------------------------

FeatureTypeName = Literal["boolean", "limit", "addon"]
FeatureValueJson = bool | int | None
Money = Annotated[Decimal, msgspec.Meta(description='A decimal string, e.g. "99.00".')]
Currency = Annotated[str, msgspec.Meta(min_length=3, max_length=3, examples=["USD"])]
FeatureKey = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[a-z0-9_.]+$")]


class CreatePlanIn(Body):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    price: Money = Decimal("0")
    currency: Currency = "USD"
    billing_cycle: Literal["monthly", "yearly"] = "monthly"
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)


class UpdatePlanIn(Body):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None
    price: Money | None = None
    currency: Currency | None = None
    billing_cycle: Literal["monthly", "yearly"] | None = None
    is_active: bool | None = None
    metadata: dict[str, Any] | None = None
    version: Version | None = None


class FeatureValueIn(Body):
    value: FeatureValueJson


class CreateFeatureIn(Body):
    feature_key: FeatureKey
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    feature_type: FeatureTypeName
    default_value: Annotated[
        FeatureValueJson | msgspec.UnsetType,
        msgspec.Meta(description="Omitted: off (false, or a limit of 0)."),
    ] = msgspec.UNSET
    description: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class OverrideIn(Body):
    value: FeatureValueJson
    expires_at: AwareDatetime | None = None
    reason: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class ChangePlanIn(Body):
    plan_id: UUID


class PlanOut(msgspec.Struct):
    id: UUID
    name: str
    price: Decimal
    currency: str
    billing_cycle: Literal["monthly", "yearly"]
    is_active: bool
    is_default: bool
    metadata: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: Plan) -> PlanOut:
        return cls(
            p.id, p.name, p.price, p.currency, p.billing_cycle.value, p.is_active, p.is_default,
            p.metadata, p.version, p.created_at, p.updated_at,
        )  # fmt: skip


class PlanList(msgspec.Struct):
    items: list[PlanOut]


class FeatureOut(msgspec.Struct):
    id: UUID
    feature_key: str
    name: str
    description: str | None
    feature_type: FeatureTypeName
    default_value: FeatureValueJson
    created_at: datetime

    @classmethod
    def of(cls, f: Feature) -> FeatureOut:
        return cls(f.id, f.key, f.name, f.description, f.type.value, f.default, f.created_at)


class FeatureList(msgspec.Struct):
    items: list[FeatureOut]


class PlanFeatureOut(msgspec.Struct):
    feature_key: str
    name: str
    feature_type: FeatureTypeName
    value: FeatureValueJson

    @classmethod
    def of(cls, pf: PlanFeature) -> PlanFeatureOut:
        f = pf.feature
        return cls(f.key, f.name, f.type.value, pf.value)


class PlanFeatureList(msgspec.Struct):
    items: list[PlanFeatureOut]


class TenantFeatureOut(msgspec.Struct):
    feature_key: str
    name: str
    feature_type: FeatureTypeName
    value: FeatureValueJson
    enabled: bool
    source: Literal["override", "plan", "default"]
    expires_at: datetime | None
    used: Annotated[int | None, msgspec.Meta(description="Current usage of a metered limit.")]

    @classmethod
    def of(cls, tf: TenantFeature) -> TenantFeatureOut:
        e = tf.entitlement
        return cls(
            e.feature.key, e.feature.name, e.feature.type.value, e.value, e.enabled,
            e.source.value, e.expires_at, tf.used,
        )  # fmt: skip


class TenantFeatureList(msgspec.Struct):
    items: list[TenantFeatureOut]

"""Request and response bodies: msgspec Structs, decoded and validated in one pass.

Domain objects never leave through the API unconverted: each `*Out` has a `of()`.

A resource is a flat object whose `object` field names its type (msgspec's tag); a list is
`{"items": [...], "next_cursor": ...}`. Each Struct's docstring is its schema's description
in the OpenAPI document, and each field's Meta its description and example. Meta shared by
several fields lives in one alias here (one concept, one place).
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
from domain.ids import PlanId, TenantId
from domain.plans import Feature, Plan
from domain.tenancy import Member, Role, Tenant, User, UserTenant

# --- shared field meanings -----------------------------------------------------------------

Instant = Annotated[datetime, msgspec.Meta(tz=True)]
"""A moment: RFC 3339 with its offset (`format: date-time`); ours are always UTC."""

RoleName = Annotated[
    Literal["owner", "admin", "member", "viewer"],
    msgspec.Meta(
        description="A role in a tenant, from most to least powerful: owner, admin, member,"
        " viewer.",
        examples=["admin"],
    ),
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=255, examples=["Acme Dental"])]
PersonName = Annotated[str, msgspec.Meta(max_length=100, examples=["Ada"])]
GivenName = Annotated[PersonName, msgspec.Meta(description="Given name.", examples=["Ada"])]
FamilyName = Annotated[PersonName, msgspec.Meta(description="Family name.", examples=["Lovelace"])]
PlatformAdmin = Annotated[
    bool, msgspec.Meta(description="May manage users and every tenant.", examples=[False])
]
EmailText = Annotated[
    str,
    msgspec.Meta(
        min_length=3, max_length=254, description="An email address.", examples=["ada@example.com"]
    ),
]
CredentialName = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=100, description="What the credential is for.", examples=["ci"]
    ),
]
AwareDatetime = Annotated[
    datetime,
    msgspec.Meta(
        tz=True,
        description="RFC 3339 with a time zone offset or Z.",
        examples=["2027-01-01T00:00:00Z"],
    ),
]
Version = Annotated[
    int,
    msgspec.Meta(
        ge=0, description="The version you read; a stale one is refused with 409.", examples=[0]
    ),
]
CreatedAt = Annotated[Instant, msgspec.Meta(description="When it was created (RFC 3339, UTC).")]
UpdatedAt = Annotated[Instant, msgspec.Meta(description="When it last changed (RFC 3339, UTC).")]
RecordVersion = Annotated[
    int,
    msgspec.Meta(
        ge=0,
        description="Moves by one with each change; send it back as `version` with a change"
        " to have a stale write refused (409).",
        examples=[0],
    ),
]
TenantRef = Annotated[UUID, msgspec.Meta(description="The tenant it belongs to.")]
Items = msgspec.Meta(description="This page's items, in the list's order.")
NextCursor = Annotated[
    str | None,
    msgspec.Meta(
        description="Pass it back as `cursor` for the next page; null on the last page.",
        examples=["WyIyMDI2LTAxLTE1VDA5OjMwOjAwKzAwOjAwIiwgIjAxOTQiXQ"],
    ),
]
Secret = Annotated[
    str,
    msgspec.Meta(
        description="The bearer token (vau_… for a personal token, vak_… for an API key)."
        " Shown this once and stored only as a hash: keep it now.",
        examples=["vau_3f2a9d0c1b2e_Yk7q2nW8xLr0cPz5bVt1aHs9dMf3gJe6uKo4iNy2"],
    ),
]
UserEmail = Annotated[
    str,
    msgspec.Meta(
        description="The user's email address (its domain in lower case).",
        examples=["ada@example.com"],
    ),
]
UserActive = Annotated[
    bool,
    msgspec.Meta(
        description="false: deactivated; the user's tokens and keys do not act.", examples=[True]
    ),
]
UserRef = Annotated[UUID, msgspec.Meta(description="A user's id.")]
TenantName = Annotated[Name, msgspec.Meta(description="The tenant's name.")]
CredentialPrefix = Annotated[
    str,
    msgspec.Meta(
        description="The part of the token after vau_ or vak_…_ that identifies it; not"
        " enough to use it.",
        examples=["3f2a9d0c1b2e"],
    ),
]
ExpiresAt = Annotated[
    Instant | None, msgspec.Meta(description="When it stops working; null: never.")
]
LastUsedAt = Annotated[
    Instant | None,
    msgspec.Meta(description="When it last authenticated a request (to the minute); null: never."),
]
RevokedAt = Annotated[
    Instant | None, msgspec.Meta(description="When it was revoked; null: it was not.")
]


class Body(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Request bodies refuse fields they do not know: a typo is an error, not a no-op."""


# --- requests ------------------------------------------------------------------------


class CreateTenantIn(Body):
    """A new tenant; whoever creates it becomes its owner."""

    name: TenantName


class UpdateTenantIn(Body):
    """A change to a tenant; fields left out stay as they are."""

    name: TenantName | None = None
    version: Version | None = None


class CreateUserIn(Body):
    """A new user (platform admins)."""

    email: EmailText
    first_name: GivenName | None = None
    last_name: FamilyName | None = None
    is_platform_admin: PlatformAdmin = False


class UpdateUserIn(Body):
    """A change to a user; fields left out stay. Only platform admins change `email`,
    `is_active` and `is_platform_admin`."""

    email: EmailText | None = None
    first_name: GivenName | None = None
    last_name: FamilyName | None = None
    is_active: UserActive | None = None
    is_platform_admin: PlatformAdmin | None = None
    version: Version | None = None


class AddMemberIn(Body):
    """An existing user, by `user_id` (platform admins). People are brought in by email
    through an invitation instead (POST /v1/tenants/{tenant_id}/invitations)."""

    role: RoleName = "member"
    user_id: UserRef | None = None
    email: Annotated[
        EmailText | None,
        msgspec.Meta(
            description="No longer accepted: an address is invited instead (owners and admins"
            " are answered 403 pointing there, platform admins 422)."
        ),
    ] = None


class ChangeRoleIn(Body):
    """A member's new role."""

    role: RoleName
    version: Version | None = None


class TransferOwnershipIn(Body):
    """The member who becomes owner; the calling owner becomes admin."""

    user_id: Annotated[UserRef, msgspec.Meta(description="A member of the tenant.")]


class CreateApiKeyIn(Body):
    """A new API key acting in the tenant with `role` (at most the creator's own)."""

    name: CredentialName
    role: RoleName = "member"
    expires_at: AwareDatetime | None = None


class CreateUserTokenIn(Body):
    """A new personal access token, acting as its user."""

    name: CredentialName
    expires_at: AwareDatetime | None = None


# --- responses -----------------------------------------------------------------------

TenantStatusName = Annotated[
    Literal["active", "suspended", "closed"],
    msgspec.Meta(
        description="suspended: nobody acts in it until it is reactivated. closed: closed by "
        "its owner, who may still read it, download its exports and reopen it until "
        "purge_after, when its data is deleted.",
        examples=["active"],
    ),
]


class _TenantFields(msgspec.Struct, tag_field="object"):
    """What every view of a tenant shows (each view names its own `object`)."""

    id: Annotated[UUID, msgspec.Meta(description="The tenant's id.")]
    name: Annotated[str, msgspec.Meta(description="The tenant's name.", examples=["Acme Dental"])]
    status: TenantStatusName
    is_active: Annotated[
        bool, msgspec.Meta(description="Whether status is active.", examples=[True])
    ]
    plan_id: Annotated[UUID | None, msgspec.Meta(description="The plan it is on.")]
    version: RecordVersion
    created_at: CreatedAt
    updated_at: UpdatedAt
    closed_at: Annotated[
        Instant | None,
        msgspec.Meta(description="When it was closed (RFC 3339); null unless closed."),
    ]
    purge_after: Annotated[
        Instant | None,
        msgspec.Meta(
            description="When a closed tenant's data is deleted (RFC 3339); it can be reopened "
            "until then. Null unless closed."
        ),
    ]


class TenantOut(_TenantFields, tag="tenant"):
    """A tenant: a company using the platform, with its members, plan and records."""

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
            t.closed_at,
            t.purge_after,
        )


class UserOut(msgspec.Struct, tag_field="object", tag="user"):
    """A user: a person who signs in with personal tokens and belongs to tenants."""

    id: Annotated[UUID, msgspec.Meta(description="The user's id.")]
    email: UserEmail
    first_name: GivenName | None
    last_name: FamilyName | None
    is_platform_admin: PlatformAdmin
    is_active: UserActive
    version: RecordVersion
    created_at: CreatedAt
    updated_at: UpdatedAt

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

    id: Annotated[UUID, msgspec.Meta(description="The user's id.")]
    email: UserEmail
    first_name: GivenName | None
    last_name: FamilyName | None
    is_active: UserActive

    @classmethod
    def of(cls, u: User) -> MemberUserOut:
        return cls(u.id, u.email.value, u.first_name, u.last_name, u.is_active)


class MemberOut(msgspec.Struct, tag_field="object", tag="member"):
    """A member of a tenant: a user and their role there. Its path names the user:
    /v1/tenants/{tenant_id}/members/{user_id}."""

    membership_id: Annotated[UUID, msgspec.Meta(description="The membership's id.")]
    tenant_id: TenantRef
    user_id: Annotated[UUID, msgspec.Meta(description="The member's user id.")]
    role: RoleName
    version: RecordVersion
    user: Annotated[MemberUserOut, msgspec.Meta(description="The member's user.")]
    created_at: Annotated[Instant, msgspec.Meta(description="When they joined (RFC 3339).")]
    updated_at: UpdatedAt

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


class UserTenantOut(_TenantFields, tag="user_tenant"):
    """One of a user's tenants: the tenant's fields (`id` is the tenant's) and the user's
    role in it."""

    role: RoleName
    membership_id: Annotated[UUID, msgspec.Meta(description="The user's membership's id.")]
    joined_at: Annotated[Instant, msgspec.Meta(description="When the user joined (RFC 3339).")]

    @classmethod
    def of(cls, item: UserTenant) -> UserTenantOut:
        t, m = item.tenant, item.membership
        return cls(
            t.id,
            t.name,
            t.status.value,
            t.is_active,
            t.plan_id,
            t.version,
            t.created_at,
            t.updated_at,
            t.closed_at,
            t.purge_after,
            m.role.value,
            m.id,
            m.created_at,
        )


class _ApiKeyFields(msgspec.Struct, tag_field="object"):
    """What every view of an API key shows."""

    id: Annotated[UUID, msgspec.Meta(description="The key's id.")]
    tenant_id: Annotated[UUID, msgspec.Meta(description="The tenant it acts in.")]
    name: Annotated[str, msgspec.Meta(description="What the key is for.", examples=["ci"])]
    prefix: CredentialPrefix
    role: Annotated[
        RoleName, msgspec.Meta(description="The role the key was granted.", examples=["member"])
    ]
    effective_role: Annotated[
        RoleName | None,
        msgspec.Meta(
            description="The role the key acts with now: the lesser of `role` and its"
            " creator's current role in the tenant (a platform admin's keys keep `role`)."
            " null when it cannot act: revoked, expired, or its creator left, was removed"
            " or deactivated.",
            examples=["member"],
        ),
    ]
    created_by: Annotated[UUID | None, msgspec.Meta(description="The user who created it.")]
    created_at: CreatedAt
    expires_at: ExpiresAt
    last_used_at: LastUsedAt
    revoked_at: RevokedAt


class ApiKeyOut(_ApiKeyFields, tag="api_key"):
    """A tenant API key (never its secret): a bearer credential acting in one tenant."""

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


class ApiKeyCreatedOut(_ApiKeyFields, tag="api_key"):
    """A new API key with its `secret`, which is shown this once."""

    secret: Secret

    @classmethod
    def of(cls, k: ApiKey, secret: str) -> ApiKeyCreatedOut:
        """A new key acts with the role it was granted."""
        return cls(**msgspec.structs.asdict(ApiKeyOut.of(k, k.role)), secret=secret)


class _UserTokenFields(msgspec.Struct, tag_field="object"):
    """What every view of a personal token shows."""

    id: Annotated[UUID, msgspec.Meta(description="The token's id.")]
    user_id: Annotated[UUID, msgspec.Meta(description="The user it acts as.")]
    name: Annotated[str, msgspec.Meta(description="What the token is for.", examples=["laptop"])]
    prefix: CredentialPrefix
    created_at: CreatedAt
    expires_at: ExpiresAt
    last_used_at: LastUsedAt
    revoked_at: RevokedAt


class UserTokenOut(_UserTokenFields, tag="user_token"):
    """A personal access token (never its secret): a bearer credential acting as its user."""

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


class UserTokenCreatedOut(_UserTokenFields, tag="user_token"):
    """A new personal access token with its `secret`, which is shown this once."""

    secret: Secret

    @classmethod
    def of(cls, t: UserToken, secret: str) -> UserTokenCreatedOut:
        return cls(**msgspec.structs.asdict(UserTokenOut.of(t)), secret=secret)


class AuditEntryOut(msgspec.Struct, tag_field="object", tag="audit_entry"):
    """One change in a tenant's audit trail: who did what to which record, and when."""

    id: Annotated[UUID, msgspec.Meta(description="The entry's id.")]
    tenant_id: Annotated[UUID | None, msgspec.Meta(description="The tenant it happened in.")]
    actor_type: Annotated[
        Literal["user", "api_key", "system", "anonymous"],
        msgspec.Meta(
            description="What acted: a user, an API key, the system, or someone not signed in.",
            examples=["user"],
        ),
    ]
    actor_id: Annotated[
        UUID | None,
        msgspec.Meta(description="The user or key that acted; null: the system or anonymous."),
    ]
    action: Annotated[str, msgspec.Meta(description="What was done.", examples=["member.added"])]
    entity: Annotated[str, msgspec.Meta(description="The kind of record.", examples=["member"])]
    entity_id: Annotated[UUID, msgspec.Meta(description="The record's id.")]
    changes: Annotated[
        dict[str, Any],
        msgspec.Meta(
            description="What changed: new values, or {from, to} pairs.",
            examples=[{"role": {"from": "member", "to": "admin"}}],
        ),
    ]
    at: Annotated[Instant, msgspec.Meta(description="When it happened (RFC 3339).")]

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


class PrincipalOut(msgspec.Struct, tag_field="object", tag="principal"):
    """Who the bearer token stands for: a user, or an API key acting in its tenant."""

    kind: Annotated[
        Literal["user", "api_key"],
        msgspec.Meta(description="A personal token's user, or an API key.", examples=["user"]),
    ]
    user: Annotated[UserOut | None, msgspec.Meta(description="The user; null for an API key.")]
    api_key_id: Annotated[UUID | None, msgspec.Meta(description="The key; null for a user.")]
    tenant_id: Annotated[
        UUID | None, msgspec.Meta(description="The key's tenant; null for a user.")
    ]
    role: Annotated[
        RoleName | None,
        msgspec.Meta(
            description="The role the key acts with now; null for a user (see /v1/me/tenants).",
            examples=["member"],
        ),
    ]
    is_platform_admin: PlatformAdmin


class TenantPage(msgspec.Struct):
    """A page of tenants, oldest first."""

    items: Annotated[list[TenantOut], Items]
    next_cursor: NextCursor


class UserPage(msgspec.Struct):
    """A page of users, oldest first."""

    items: Annotated[list[UserOut], Items]
    next_cursor: NextCursor


class MemberPage(msgspec.Struct):
    """A page of a tenant's members, in the order they joined."""

    items: Annotated[list[MemberOut], Items]
    next_cursor: NextCursor


class UserTenantPage(msgspec.Struct):
    """A page of a user's tenants, each with the user's role, in the order they joined."""

    items: Annotated[list[UserTenantOut], Items]
    next_cursor: NextCursor


class ApiKeyPage(msgspec.Struct):
    """A page of a tenant's API keys, oldest first."""

    items: Annotated[list[ApiKeyOut], Items]
    next_cursor: NextCursor


class UserTokenPage(msgspec.Struct):
    """A page of a user's personal tokens, oldest first."""

    items: Annotated[list[UserTokenOut], Items]
    next_cursor: NextCursor


class AuditPage(msgspec.Struct):
    """A page of a tenant's audit trail, newest first."""

    items: Annotated[list[AuditEntryOut], Items]
    next_cursor: NextCursor


class HealthOut(msgspec.Struct):
    """The process is up."""

    status: Annotated[Literal["ok"], msgspec.Meta(description="Always ok.", examples=["ok"])]


class WorkerOut(msgspec.Struct):
    """The job worker running inside this process (the call reconciler)."""

    state: Annotated[
        Literal["starting", "running", "restarting", "stopped"],
        msgspec.Meta(
            description="restarting: it stopped (e.g. the database went away) and is about "
            "to be started again; the log says why.",
            examples=["running"],
        ),
    ]
    restarts: Annotated[
        int, msgspec.Meta(description="Times it stopped and was started again.", examples=[0])
    ]
    last_sweep_at: Annotated[
        Instant | None,
        msgspec.Meta(description="When its reconciler last finished a sweep (null: not yet)."),
    ]
    last_stopped_at: Annotated[
        Instant | None, msgspec.Meta(description="When it last stopped (null: never).")
    ]


class ReadyOut(msgspec.Struct, omit_defaults=True):
    """The process can serve: its database is reachable and migrated."""

    status: Annotated[Literal["ok"], msgspec.Meta(description="Always ok.", examples=["ok"])]
    worker: Annotated[
        WorkerOut | None,
        msgspec.Meta(
            description="Absent when this process runs no worker (VOICE_AGENT_WORKER=false)."
        ),
    ] = None


# --- plans, features, entitlements -------------------------------------------------------

FeatureTypeName = Annotated[
    Literal["boolean", "limit", "addon"],
    msgspec.Meta(
        description="boolean: on or off; limit: a count (null: unlimited); addon: on, off or"
        " a quantity.",
        examples=["limit"],
    ),
]
FeatureValueJson = Annotated[
    bool | int | None,
    msgspec.Meta(
        description="true/false for a boolean; a count for a limit (null: unlimited); true,"
        " false or a quantity for an add-on.",
        examples=[25],
    ),
]
Money = Annotated[
    Decimal, msgspec.Meta(description='A decimal string, e.g. "99.00".', examples=["99.00"])
]
Currency = Annotated[
    str, msgspec.Meta(min_length=3, max_length=3, description="ISO 4217.", examples=["USD"])
]
FeatureKey = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=100,
        pattern=r"^[a-z0-9_.]+$",
        description="The feature's key.",
        examples=["members.max"],
    ),
]
BillingCycleName = Annotated[
    Literal["monthly", "yearly"],
    msgspec.Meta(description="How often the price is billed.", examples=["monthly"]),
]
PlanName = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=100, description="The plan's name.", examples=["pro"]),
]
PlanMetadata = Annotated[
    dict[str, Any],
    msgspec.Meta(description="Free-form data about the plan.", examples=[{"tier": 2}]),
]
FeatureDescription = msgspec.Meta(
    description="What it grants.", examples=["How many members a tenant may have."]
)
OverrideReason = Annotated[
    str,
    msgspec.Meta(
        max_length=1000, description="Why, for the audit trail.", examples=["Pilot until March"]
    ),
]
PlanActive = Annotated[
    bool,
    msgspec.Meta(description="false: no longer offered; tenants on it keep it.", examples=[True]),
]
FeatureName = Annotated[
    str, msgspec.Meta(description="The feature's display name.", examples=["Members"])
]


class CreatePlanIn(Body):
    """A new plan (platform admins); give it feature values with PUT …/features/{key}."""

    name: PlanName
    price: Money = Decimal("0")
    currency: Currency = "USD"
    billing_cycle: BillingCycleName = "monthly"
    metadata: PlanMetadata = msgspec.field(default_factory=dict)


class UpdatePlanIn(Body):
    """A change to a plan; fields left out stay. `is_active: false` deactivates it."""

    name: PlanName | None = None
    price: Money | None = None
    currency: Currency | None = None
    billing_cycle: BillingCycleName | None = None
    is_active: PlanActive | None = None
    metadata: PlanMetadata | None = None
    version: Version | None = None


class FeatureValueIn(Body):
    """The value a plan gives a feature."""

    value: FeatureValueJson


class CreateFeatureIn(Body):
    """A new feature in the catalogue (platform admins)."""

    feature_key: FeatureKey
    name: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=255, description="Display name.", examples=["Members"]
        ),
    ]
    feature_type: FeatureTypeName
    default_value: Annotated[
        bool | int | msgspec.UnsetType | None,
        msgspec.Meta(
            description="The value where neither plan nor override gives one. Omitted: off"
            " (false, or a limit of 0).",
            examples=[0],
        ),
    ] = msgspec.UNSET
    description: Annotated[str, msgspec.Meta(max_length=2000), FeatureDescription] | None = None


class OverrideIn(Body):
    """The tenant's own value for a feature, instead of its plan's."""

    value: FeatureValueJson
    expires_at: AwareDatetime | None = None
    reason: OverrideReason | None = None


class ChangePlanIn(Body):
    """The plan the tenant moves to."""

    plan_id: Annotated[UUID, msgspec.Meta(description="An active plan.")]


class PlanOut(msgspec.Struct, tag_field="object", tag="plan"):
    """A plan: a price and the values it gives features."""

    id: Annotated[UUID, msgspec.Meta(description="The plan's id.")]
    name: PlanName
    price: Money
    currency: Currency
    billing_cycle: BillingCycleName
    is_active: PlanActive
    is_default: Annotated[
        bool, msgspec.Meta(description="New tenants start on it.", examples=[False])
    ]
    metadata: PlanMetadata
    version: RecordVersion
    created_at: CreatedAt
    updated_at: UpdatedAt

    @classmethod
    def of(cls, p: Plan) -> PlanOut:
        return cls(
            p.id, p.name, p.price, p.currency, p.billing_cycle.value, p.is_active, p.is_default,
            p.metadata, p.version, p.created_at, p.updated_at,
        )  # fmt: skip


class PlanPage(msgspec.Struct):
    """A page of plans, oldest first."""

    items: Annotated[list[PlanOut], Items]
    next_cursor: NextCursor


class FeatureOut(msgspec.Struct, tag_field="object", tag="feature"):
    """A feature of the catalogue: something a plan or an override grants."""

    id: Annotated[UUID, msgspec.Meta(description="The feature's id.")]
    feature_key: FeatureKey
    name: FeatureName
    description: Annotated[str | None, FeatureDescription]
    feature_type: FeatureTypeName
    default_value: Annotated[
        bool | int | None,
        msgspec.Meta(
            description="The value where neither plan nor override gives one.", examples=[0]
        ),
    ]
    created_at: CreatedAt

    @classmethod
    def of(cls, f: Feature) -> FeatureOut:
        return cls(f.id, f.key, f.name, f.description, f.type.value, f.default, f.created_at)


class FeaturePage(msgspec.Struct):
    """A page of the feature catalogue, oldest first."""

    items: Annotated[list[FeatureOut], Items]
    next_cursor: NextCursor


class PlanFeatureOut(msgspec.Struct, tag_field="object", tag="plan_feature"):
    """The value a plan gives one feature."""

    plan_id: Annotated[UUID, msgspec.Meta(description="The plan.")]
    feature_key: FeatureKey
    name: FeatureName
    feature_type: FeatureTypeName
    value: FeatureValueJson

    @classmethod
    def of(cls, plan_id: PlanId, pf: PlanFeature) -> PlanFeatureOut:
        f = pf.feature
        return cls(plan_id, f.key, f.name, f.type.value, pf.value)


class PlanFeaturePage(msgspec.Struct):
    """A page of the values a plan gives features, in the catalogue's order (oldest
    feature first)."""

    items: Annotated[list[PlanFeatureOut], Items]
    next_cursor: NextCursor


class TenantFeatureOut(msgspec.Struct, tag_field="object", tag="tenant_feature"):
    """A feature as it applies to a tenant now: its effective value and where it comes
    from (an override in force, else the plan's value, else the feature's default)."""

    tenant_id: TenantRef
    feature_key: FeatureKey
    name: FeatureName
    feature_type: FeatureTypeName
    value: FeatureValueJson
    enabled: Annotated[
        bool,
        msgspec.Meta(
            description="Whether the value grants anything (true, or a limit other than 0).",
            examples=[True],
        ),
    ]
    source: Annotated[
        Literal["override", "plan", "default"],
        msgspec.Meta(description="Where the value comes from.", examples=["plan"]),
    ]
    expires_at: Annotated[
        Instant | None,
        msgspec.Meta(
            description="When the override giving the value ends; null: it does not,"
            " or the value is not an override's."
        ),
    ]
    used: Annotated[
        int | None,
        msgspec.Meta(
            description="Current usage of a metered limit; null: nothing meters it.", examples=[3]
        ),
    ]

    @classmethod
    def of(cls, tenant_id: TenantId, tf: TenantFeature) -> TenantFeatureOut:
        e = tf.entitlement
        return cls(
            tenant_id, e.feature.key, e.feature.name, e.feature.type.value, e.value, e.enabled,
            e.source.value, e.expires_at, tf.used,
        )  # fmt: skip


class TenantFeaturePage(msgspec.Struct):
    """A page of a tenant's effective features, in the catalogue's order (oldest feature
    first)."""

    items: Annotated[list[TenantFeatureOut], Items]
    next_cursor: NextCursor

"""Row <-> entity mapping for every table, in one place."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row

from domain.audit import Actor, ActorKind, AuditEntry
from domain.credentials import ApiKey, UserToken
from domain.ids import (
    ApiKeyId,
    AuditEntryId,
    FeatureId,
    MembershipId,
    OverrideId,
    PlanId,
    TenantId,
    UserId,
    UserTokenId,
)
from domain.plans import BillingCycle, Feature, FeatureType, Override, Plan
from domain.tenancy import Membership, Role, Tenant, TenantStatus, User
from domain.values import Email


def user_from(row: Row[Any], prefix: str = "") -> User:
    m = row._mapping
    return User(
        id=UserId(m[f"{prefix}id"]),
        email=Email(m[f"{prefix}email"]),
        created_at=m[f"{prefix}created_at"],
        updated_at=m[f"{prefix}updated_at"],
        first_name=m[f"{prefix}first_name"],
        last_name=m[f"{prefix}last_name"],
        is_platform_admin=m[f"{prefix}is_platform_admin"],
        is_active=m[f"{prefix}is_active"],
        version=m[f"{prefix}version"],
    )


def user_values(user: User) -> dict[str, Any]:
    return {
        "email": user.email.value,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_platform_admin": user.is_platform_admin,
        "is_active": user.is_active,
        "updated_at": user.updated_at,
    }


def tenant_from(row: Row[Any], prefix: str = "") -> Tenant:
    m = row._mapping
    plan_id = m[f"{prefix}plan_id"]
    return Tenant(
        id=TenantId(m[f"{prefix}id"]),
        name=m[f"{prefix}name"],
        created_at=m[f"{prefix}created_at"],
        updated_at=m[f"{prefix}updated_at"],
        plan_id=PlanId(plan_id) if plan_id else None,
        status=TenantStatus(m[f"{prefix}status"]),
        version=m[f"{prefix}version"],
    )


def tenant_values(tenant: Tenant) -> dict[str, Any]:
    return {
        "name": tenant.name,
        "plan_id": tenant.plan_id,
        "status": tenant.status.value,
        "updated_at": tenant.updated_at,
    }


def membership_from(row: Row[Any], prefix: str = "") -> Membership:
    m = row._mapping
    return Membership(
        id=MembershipId(m[f"{prefix}id"]),
        tenant_id=TenantId(m[f"{prefix}tenant_id"]),
        user_id=UserId(m[f"{prefix}user_id"]),
        role=Role(m[f"{prefix}role"]),
        created_at=m[f"{prefix}created_at"],
        updated_at=m[f"{prefix}updated_at"],
        version=m[f"{prefix}version"],
    )


def api_key_from(row: Row[Any]) -> ApiKey:
    m = row._mapping
    return ApiKey(
        id=ApiKeyId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        name=m["name"],
        prefix=m["prefix"],
        secret_hash=m["secret_hash"],
        role=Role(m["role"]),
        created_by=UserId(m["created_by"]) if m["created_by"] else None,
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        last_used_at=m["last_used_at"],
        revoked_at=m["revoked_at"],
    )


def user_token_from(row: Row[Any]) -> UserToken:
    m = row._mapping
    return UserToken(
        id=UserTokenId(m["id"]),
        user_id=UserId(m["user_id"]),
        name=m["name"],
        prefix=m["prefix"],
        secret_hash=m["secret_hash"],
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        last_used_at=m["last_used_at"],
        revoked_at=m["revoked_at"],
    )


def audit_from(row: Row[Any]) -> AuditEntry:
    m = row._mapping
    return AuditEntry(
        id=AuditEntryId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]) if m["tenant_id"] else None,
        actor=Actor(ActorKind(m["actor_type"]), m["actor_id"]),
        action=m["action"],
        entity=m["entity"],
        entity_id=m["entity_id"],
        changes=m["changes"],
        at=m["at"],
    )


def plan_from(row: Row[Any]) -> Plan:
    m = row._mapping
    return Plan(
        id=PlanId(m["id"]),
        name=m["name"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        price=m["price"],
        currency=m["currency"],
        billing_cycle=BillingCycle(m["billing_cycle"]),
        is_active=m["is_active"],
        is_default=m["is_default"],
        metadata=m["metadata"],
        version=m["version"],
    )


def plan_values(plan: Plan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "price": plan.price,
        "currency": plan.currency,
        "billing_cycle": plan.billing_cycle.value,
        "is_active": plan.is_active,
        "is_default": plan.is_default,
        "metadata": plan.metadata,
        "updated_at": plan.updated_at,
    }


def feature_from(row: Row[Any]) -> Feature:
    m = row._mapping
    return Feature(
        id=FeatureId(m["id"]),
        key=m["feature_key"],
        name=m["name"],
        type=FeatureType(m["feature_type"]),
        default=m["default_value"],
        created_at=m["created_at"],
        description=m["description"],
    )


def override_from(row: Row[Any]) -> Override:
    m = row._mapping
    return Override(
        id=OverrideId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        feature_id=FeatureId(m["feature_id"]),
        value=m["feature_value"],
        enabled_at=m["enabled_at"],
        expires_at=m["expires_at"],
        reason=m["reason"],
        granted_by=UserId(m["granted_by"]) if m["granted_by"] else None,
    )

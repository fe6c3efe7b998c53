"""/v1/plans, /v1/features and a tenant's features and plan."""

from __future__ import annotations

import msgspec
from aiohttp import web

from application.plans import CreateFeature, CreatePlan, SetOverride, UpdatePlan
from domain.ids import PlanId
from domain.plans import BillingCycle, FeatureType, off_value
from entrypoints.http.requests import body, path_id, principal, tenant_id
from entrypoints.http.routing import Endpoint, reply, use_cases
from entrypoints.http.schemas import (
    ChangePlanIn,
    CreateFeatureIn,
    CreatePlanIn,
    FeatureList,
    FeatureOut,
    FeatureValueIn,
    OverrideIn,
    PlanFeatureList,
    PlanFeatureOut,
    PlanList,
    PlanOut,
    TenantFeatureList,
    TenantFeatureOut,
    UpdatePlanIn,
)


def _plan_id(request: web.Request) -> PlanId:
    return PlanId(path_id(request, "plan_id"))


async def list_plans(request: web.Request) -> web.Response:
    """The plans, oldest first, a page at a time: the active ones, and inactive ones too for
    platform admins."""
    plans = await use_cases(request).plans.list_plans(principal(request))
    return reply(PlanList([PlanOut.of(p) for p in plans]))


async def create_plan(request: web.Request) -> web.Response:
    """Create a plan (platform admins), with its price, currency and billing cycle; a name
    another plan has is a 409. Set the values it gives features with PUT
    /v1/plans/{plan_id}/features/{key}."""
    data = await body(request, CreatePlanIn)
    plan = await use_cases(request).plans.create_plan(
        principal(request),
        CreatePlan(
            data.name, data.price, data.currency, BillingCycle(data.billing_cycle), data.metadata
        ),
    )
    return reply(PlanOut.of(plan), 201)


async def get_plan(request: web.Request) -> web.Response:
    """A plan, with its price, billing cycle and status."""
    plan = await use_cases(request).plans.get_plan(principal(request), _plan_id(request))
    return reply(PlanOut.of(plan))


async def update_plan(request: web.Request) -> web.Response:
    """Change a plan (platform admins); `is_active: false` deactivates it: tenants on it keep
    it, no tenant may move to it. Send the `version` you read to be refused (409) if someone
    changed it since."""
    data = await body(request, UpdatePlanIn)
    plan = await use_cases(request).plans.update_plan(
        principal(request),
        UpdatePlan(
            _plan_id(request), name=data.name, price=data.price, currency=data.currency,
            billing_cycle=BillingCycle(data.billing_cycle) if data.billing_cycle else None,
            is_active=data.is_active, metadata=data.metadata, version=data.version,
        ),
    )  # fmt: skip
    return reply(PlanOut.of(plan))


async def plan_features(request: web.Request) -> web.Response:
    """The values a plan gives features, oldest feature first, a page at a time."""
    found = await use_cases(request).plans.plan_features(principal(request), _plan_id(request))
    return reply(PlanFeatureList([PlanFeatureOut.of(pf) for pf in found]))


async def get_plan_feature(request: web.Request) -> web.Response:
    """The value a plan gives one feature (by key); 404 when it gives none."""
    found = await use_cases(request).plans.plan_feature(
        principal(request), _plan_id(request), request.match_info["key"]
    )
    return reply(PlanFeatureOut.of(found))


async def set_plan_feature(request: web.Request) -> web.Response:
    """Set the value a plan gives a feature (platform admins): true or false for a boolean or
    add-on, a number for a limit (null: unlimited). The value must fit the feature's type (422).
    """
    data = await body(request, FeatureValueIn)
    set_ = await use_cases(request).plans.set_plan_feature(
        principal(request), _plan_id(request), request.match_info["key"], data.value
    )
    return reply(PlanFeatureOut.of(set_))


async def remove_plan_feature(request: web.Request) -> web.Response:
    """Stop a plan giving a feature (platform admins): tenants on it fall back to the feature's
    default."""
    await use_cases(request).plans.remove_plan_feature(
        principal(request), _plan_id(request), request.match_info["key"]
    )
    return reply(None, 204)


async def list_features(request: web.Request) -> web.Response:
    """The feature catalogue, oldest first, a page at a time."""
    found = await use_cases(request).features.list_features(principal(request))
    return reply(FeatureList([FeatureOut.of(f) for f in found]))


async def create_feature(request: web.Request) -> web.Response:
    """Add a feature to the catalogue (platform admins): a key of lower-case letters, digits,
    `_` and `.`, unique (409), its type and its default value."""
    data = await body(request, CreateFeatureIn)
    kind = FeatureType(data.feature_type)
    default = (
        off_value(kind) if isinstance(data.default_value, msgspec.UnsetType) else data.default_value
    )
    feature = await use_cases(request).features.create_feature(
        principal(request),
        CreateFeature(data.feature_key, data.name, kind, default, data.description),
    )
    return reply(FeatureOut.of(feature), 201)


async def get_feature(request: web.Request) -> web.Response:
    """A feature of the catalogue, by key or by id."""
    feature = await use_cases(request).features.get_feature(
        principal(request), request.match_info["key"]
    )
    return reply(FeatureOut.of(feature))


async def tenant_features(request: web.Request) -> web.Response:
    """The tenant's effective features, oldest feature first, a page at a time (any role): each
    one's value, where it comes from (override, plan or default), when an override expires, and
    current usage where something meters it."""
    found = await use_cases(request).tenant_features.tenant_features(
        principal(request), tenant_id(request)
    )
    return reply(TenantFeatureList([TenantFeatureOut.of(tf) for tf in found]))


async def check_tenant_feature(request: web.Request) -> web.Response:
    """One of the tenant's effective features (any role): whether it is enabled, its value and
    source, and current usage where something meters it."""
    found = await use_cases(request).tenant_features.check_feature(
        principal(request), tenant_id(request), request.match_info["key"]
    )
    return reply(TenantFeatureOut.of(found))


async def set_override(request: web.Request) -> web.Response:
    """Give the tenant its own value for a feature, whatever its plan says, optionally until
    `expires_at` (platform admins); `reason` is kept in the audit trail. The value must fit the
    feature's type (422)."""
    data = await body(request, OverrideIn)
    found = await use_cases(request).tenant_features.set_override(
        principal(request),
        SetOverride(
            tenant_id(request),
            request.match_info["key"],
            data.value,
            data.expires_at,
            data.reason,
        ),
    )
    return reply(TenantFeatureOut.of(found))


async def remove_override(request: web.Request) -> web.Response:
    """Remove the tenant's override of a feature (platform admins): its plan's value applies
    again."""
    found = await use_cases(request).tenant_features.remove_override(
        principal(request), tenant_id(request), request.match_info["key"]
    )
    return reply(TenantFeatureOut.of(found))


async def change_plan(request: web.Request) -> web.Response:
    """Move the tenant to another active plan (owners and platform admins). Usage above the new
    limits stays; new consumption is refused until it is back under them."""
    data = await body(request, ChangePlanIn)
    plan = await use_cases(request).tenant_features.change_plan(
        principal(request), tenant_id(request), PlanId(data.plan_id)
    )
    return reply(PlanOut.of(plan))


PLAN = "/v1/plans/{plan_id}"
PLAN_FEATURE = PLAN + "/features/{key}"
TENANT_FEATURE = "/v1/tenants/{tenant_id}/features/{key}"
ADMIN_WRITE = (400, 403, 404, 409, 422)

ROUTES = [
    Endpoint("GET", "/v1/plans", list_plans, "List plans (inactive ones for platform admins only)",
             "plans", response=PlanList),
    Endpoint("POST", "/v1/plans", create_plan, "Create a plan (platform admins)", "plans",
             body=CreatePlanIn, response=PlanOut, status=201, errors=ADMIN_WRITE),
    Endpoint("GET", PLAN, get_plan, "Get a plan", "plans", response=PlanOut, errors=(404,)),
    Endpoint("PATCH", PLAN, update_plan, "Update or deactivate a plan (platform admins)", "plans",
             body=UpdatePlanIn, response=PlanOut, errors=ADMIN_WRITE),
    Endpoint("GET", PLAN + "/features", plan_features, "The values a plan gives its features",
             "plans", response=PlanFeatureList, errors=(404,)),
    Endpoint("GET", PLAN_FEATURE, get_plan_feature, "The value a plan gives one feature", "plans",
             response=PlanFeatureOut, errors=(404,)),
    Endpoint("PUT", PLAN_FEATURE, set_plan_feature, "Set a plan's feature value (platform admins)",
             "plans", body=FeatureValueIn, response=PlanFeatureOut, errors=ADMIN_WRITE),
    Endpoint("DELETE", PLAN_FEATURE, remove_plan_feature,
             "Remove a feature from a plan: tenants fall back to its default (platform admins)",
             "plans", status=204, errors=(403, 404)),
    Endpoint("GET", "/v1/features", list_features, "List the feature catalogue", "features",
             response=FeatureList),
    Endpoint("POST", "/v1/features", create_feature, "Add a feature (platform admins)", "features",
             body=CreateFeatureIn, response=FeatureOut, status=201, errors=ADMIN_WRITE),
    Endpoint("GET", "/v1/features/{key}", get_feature, "Get a feature by key or id", "features",
             response=FeatureOut, errors=(404,)),
    Endpoint("GET", "/v1/tenants/{tenant_id}/features", tenant_features,
             "The tenant's effective features: value, source, expiry and current usage",
             "entitlements", response=TenantFeatureList, errors=(404,)),
    Endpoint("GET", TENANT_FEATURE, check_tenant_feature, "Check one feature for the tenant",
             "entitlements", response=TenantFeatureOut, errors=(404,)),
    Endpoint("PUT", TENANT_FEATURE, set_override,
             "Override a feature for the tenant, optionally until expires_at (platform admins)",
             "entitlements", body=OverrideIn, response=TenantFeatureOut, errors=ADMIN_WRITE),
    Endpoint("DELETE", TENANT_FEATURE, remove_override,
             "Remove the tenant's override: back to the plan's value (platform admins)",
             "entitlements", response=TenantFeatureOut, errors=(403, 404)),
    Endpoint("PUT", "/v1/tenants/{tenant_id}/plan", change_plan,
             "Move the tenant to another plan (owners and platform admins)", "entitlements",
             body=ChangePlanIn, response=PlanOut, errors=ADMIN_WRITE),
]  # fmt: skip

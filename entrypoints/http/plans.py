"""/v1/plans, /v1/features and a tenant's features and plan."""

from __future__ import annotations

import msgspec
from aiohttp import web

from application.plans import CreateFeature, CreatePlan, SetOverride, UpdatePlan
from domain.ids import PlanId
from domain.plans import BillingCycle, FeatureType, off_value
from entrypoints.http.requests import body, page_request, path_id, principal, tenant_id
from entrypoints.http.routing import PAGE_PARAMS, Endpoint, created, reply, use_cases
from entrypoints.http.schemas import (
    ChangePlanIn,
    CreateFeatureIn,
    CreatePlanIn,
    FeatureOut,
    FeaturePage,
    FeatureValueIn,
    OverrideIn,
    PlanFeatureOut,
    PlanFeaturePage,
    PlanOut,
    PlanPage,
    TenantFeatureOut,
    TenantFeaturePage,
    UpdatePlanIn,
)


def _plan_id(request: web.Request) -> PlanId:
    return PlanId(path_id(request, "plan_id"))


async def list_plans(request: web.Request) -> web.Response:
    """The plans, oldest first, a page at a time: the active ones, and inactive ones too for
    platform admins."""
    page = await use_cases(request).plans.list_plans(principal(request), page_request(request))
    return reply(PlanPage([PlanOut.of(p) for p in page.items], page.next_cursor))


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
    return created(PlanOut.of(plan), f"/v1/plans/{plan.id}")


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
    plan_id = _plan_id(request)
    page = await use_cases(request).plans.plan_features(
        principal(request), plan_id, page_request(request)
    )
    items = [PlanFeatureOut.of(plan_id, pf) for pf in page.items]
    return reply(PlanFeaturePage(items, page.next_cursor))


async def get_plan_feature(request: web.Request) -> web.Response:
    """The value a plan gives one feature (by key); 404 when it gives none."""
    plan_id = _plan_id(request)
    found = await use_cases(request).plans.plan_feature(
        principal(request), plan_id, request.match_info["key"]
    )
    return reply(PlanFeatureOut.of(plan_id, found))


async def set_plan_feature(request: web.Request) -> web.Response:
    """Set the value a plan gives a feature (platform admins): true or false for a boolean or
    add-on, a number for a limit (null: unlimited). The value must fit the feature's type (422).
    """
    data = await body(request, FeatureValueIn)
    plan_id = _plan_id(request)
    set_ = await use_cases(request).plans.set_plan_feature(
        principal(request), plan_id, request.match_info["key"], data.value
    )
    return reply(PlanFeatureOut.of(plan_id, set_))


async def remove_plan_feature(request: web.Request) -> web.Response:
    """Stop a plan giving a feature (platform admins): tenants on it fall back to the feature's
    default."""
    await use_cases(request).plans.remove_plan_feature(
        principal(request), _plan_id(request), request.match_info["key"]
    )
    return reply(None, 204)


async def list_features(request: web.Request) -> web.Response:
    """The feature catalogue, oldest first, a page at a time."""
    page = await use_cases(request).features.list_features(
        principal(request), page_request(request)
    )
    return reply(FeaturePage([FeatureOut.of(f) for f in page.items], page.next_cursor))


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
    return created(FeatureOut.of(feature), f"/v1/features/{feature.key}")


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
    tenant = tenant_id(request)
    page = await use_cases(request).tenant_features.tenant_features(
        principal(request), tenant, page_request(request)
    )
    items = [TenantFeatureOut.of(tenant, tf) for tf in page.items]
    return reply(TenantFeaturePage(items, page.next_cursor))


async def check_tenant_feature(request: web.Request) -> web.Response:
    """One of the tenant's effective features (any role): whether it is enabled, its value and
    source, and current usage where something meters it."""
    tenant = tenant_id(request)
    found = await use_cases(request).tenant_features.check_feature(
        principal(request), tenant, request.match_info["key"]
    )
    return reply(TenantFeatureOut.of(tenant, found))


async def set_override(request: web.Request) -> web.Response:
    """Give the tenant its own value for a feature, whatever its plan says, optionally until
    `expires_at` (platform admins); `reason` is kept in the audit trail. The value must fit the
    feature's type (422)."""
    data = await body(request, OverrideIn)
    tenant = tenant_id(request)
    found = await use_cases(request).tenant_features.set_override(
        principal(request),
        SetOverride(
            tenant,
            request.match_info["key"],
            data.value,
            data.expires_at,
            data.reason,
        ),
    )
    return reply(TenantFeatureOut.of(tenant, found))


async def remove_override(request: web.Request) -> web.Response:
    """Remove the tenant's override of a feature (platform admins): its plan's value applies
    again."""
    tenant = tenant_id(request)
    found = await use_cases(request).tenant_features.remove_override(
        principal(request), tenant, request.match_info["key"]
    )
    return reply(TenantFeatureOut.of(tenant, found))


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
    Endpoint("GET", "/v1/plans", list_plans,
             "List plans, oldest first (inactive ones for platform admins only)", "plans",
             response=PlanPage, query=PAGE_PARAMS, errors=(422,)),
    Endpoint("POST", "/v1/plans", create_plan, "Create a plan (platform admins)", "plans",
             body=CreatePlanIn, response=PlanOut, status=201, errors=ADMIN_WRITE),
    Endpoint("GET", PLAN, get_plan, "Get a plan", "plans", response=PlanOut, errors=(404,)),
    Endpoint("PATCH", PLAN, update_plan, "Update or deactivate a plan (platform admins)", "plans",
             body=UpdatePlanIn, response=PlanOut, errors=ADMIN_WRITE),
    Endpoint("GET", PLAN + "/features", plan_features,
             "The values a plan gives its features, oldest feature first", "plans",
             response=PlanFeaturePage, query=PAGE_PARAMS, errors=(404, 422)),
    Endpoint("GET", PLAN_FEATURE, get_plan_feature, "The value a plan gives one feature", "plans",
             response=PlanFeatureOut, errors=(404,)),
    Endpoint("PUT", PLAN_FEATURE, set_plan_feature, "Set a plan's feature value (platform admins)",
             "plans", body=FeatureValueIn, response=PlanFeatureOut, errors=ADMIN_WRITE),
    Endpoint("DELETE", PLAN_FEATURE, remove_plan_feature,
             "Remove a feature from a plan: tenants fall back to its default (platform admins)",
             "plans", status=204, errors=(403, 404)),
    Endpoint("GET", "/v1/features", list_features, "List the feature catalogue, oldest first",
             "features", response=FeaturePage, query=PAGE_PARAMS, errors=(422,)),
    Endpoint("POST", "/v1/features", create_feature, "Add a feature (platform admins)", "features",
             body=CreateFeatureIn, response=FeatureOut, status=201, errors=ADMIN_WRITE),
    Endpoint("GET", "/v1/features/{key}", get_feature, "Get a feature by key or id", "features",
             response=FeatureOut, errors=(404,)),
    Endpoint("GET", "/v1/tenants/{tenant_id}/features", tenant_features,
             "The tenant's effective features, oldest feature first: value, source, expiry"
             " and current usage", "entitlements", response=TenantFeaturePage,
             query=PAGE_PARAMS, errors=(404, 422)),
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

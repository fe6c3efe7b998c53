"""The default catalogue: the features the product enforces and the free/pro/enterprise plans.

`sync_catalogue` installs what is missing and never changes what exists — values edited or
removed by platform admins stay so across restarts.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from application.context import UseCaseDeps
from domain.ids import FeatureId, PlanId
from domain.plans import BillingCycle, Feature, FeatureType, FeatureValue, Plan


@attrs.frozen
class FeatureSpec:
    key: str
    name: str
    type: FeatureType
    default: FeatureValue
    description: str


@attrs.frozen
class PlanSpec:
    name: str
    price: Decimal
    values: dict[str, FeatureValue]
    is_default: bool = False


L, B = FeatureType.LIMIT, FeatureType.BOOLEAN

FEATURES = (
    FeatureSpec("members.max", "Members", L, 3, "People in the tenant, owners included."),
    FeatureSpec("voice_agents.max", "Voice agents", L, 1, "Voice agents configured."),
    FeatureSpec("phone_numbers.max", "Phone numbers", L, 1, "Phone numbers in the inventory."),
    FeatureSpec("calls.outbound", "Outbound calls", B, False, "Place calls to leads."),
    FeatureSpec("calls.inbound", "Inbound calls", B, False, "Answer calls to our numbers."),
    FeatureSpec("calls.concurrent.max", "Concurrent calls", L, 1, "Calls in progress at once."),
    FeatureSpec("calls.minutes.monthly", "Call minutes a month", L, 0, "Minutes per month."),
    FeatureSpec("batch_calls", "Batch calls", B, False, "Campaigns over many leads."),
    FeatureSpec("batch.size.max", "Batch size", L, 0, "Leads in one batch."),
    FeatureSpec("recordings", "Call recordings", B, False, "Keep recordings of calls."),
    FeatureSpec("api_keys", "API keys", B, True, "Tenant API keys for integrations."),
    FeatureSpec("webhooks", "Webhooks", B, False, "Signed events to the tenant's own systems."),
    FeatureSpec("webhooks.endpoints.max", "Webhook endpoints", L, 0, "Webhook endpoints."),
    # Retention: the most a tenant may keep (it may choose less); null keeps with no end.
    FeatureSpec(
        "retention.transcripts.days", "Transcripts kept (days)", L, None,
        "Days transcripts, summaries and analyses are kept after a call ends.",
    ),
    FeatureSpec(
        "retention.recordings.days", "Recording links kept (days)", L, None,
        "Days links to call recordings are kept after a call ends.",
    ),
    FeatureSpec(
        "retention.provider_record.days", "Provider records kept (days)", L, None,
        "Days the provider's own record of a call is kept after it ends.",
    ),
    FeatureSpec(
        "retention.store_transcripts", "Store transcripts", B, True,
        "Keep what was said on calls; without it only outcome, cost, duration and usage are "
        "kept, and the provider keeps nothing either.",
    ),
)  # fmt: skip

# No plan ends retention by default: a new feature's value reaches plans already in use,
# and deleting content there is the tenant's choice, not an upgrade's.
_KEEP = {
    "retention.transcripts.days": None,
    "retention.recordings.days": None,
    "retention.provider_record.days": None,
    "retention.store_transcripts": True,
}

PLANS = (
    PlanSpec(
        "free",
        Decimal("0.00"),
        {
            "members.max": 3, "voice_agents.max": 1, "phone_numbers.max": 1,
            "calls.outbound": True, "calls.inbound": False, "calls.concurrent.max": 1,
            "calls.minutes.monthly": 60, "batch_calls": False, "batch.size.max": 0,
            "recordings": False, "api_keys": True, "webhooks": False,
            "webhooks.endpoints.max": 0, **_KEEP,
        },
        is_default=True,
    ),
    PlanSpec(
        "pro",
        Decimal("99.00"),
        {
            "members.max": 25, "voice_agents.max": 10, "phone_numbers.max": 10,
            "calls.outbound": True, "calls.inbound": True, "calls.concurrent.max": 10,
            "calls.minutes.monthly": 2000, "batch_calls": True, "batch.size.max": 1000,
            "recordings": True, "api_keys": True, "webhooks": True,
            "webhooks.endpoints.max": 5, **_KEEP,
        },
    ),
    PlanSpec(
        "enterprise",
        Decimal("999.00"),
        {
            "members.max": None, "voice_agents.max": None, "phone_numbers.max": None,
            "calls.outbound": True, "calls.inbound": True, "calls.concurrent.max": 50,
            "calls.minutes.monthly": None, "batch_calls": True, "batch.size.max": 100_000,
            "recordings": True, "api_keys": True, "webhooks": True,
            "webhooks.endpoints.max": 25, **_KEEP,
        },
    ),
)  # fmt: skip


async def sync_catalogue(deps: UseCaseDeps) -> int:
    """Add the missing features, plans and plan values; returns how many rows were added."""
    added = 0
    now = deps.clock.now()
    async with deps.uows() as tx:
        features = {f.key: f for f in await tx.features.list()}
        new_features: set[str] = set()
        for spec in FEATURES:
            if spec.key not in features:
                new_features.add(spec.key)
                feature = Feature(
                    FeatureId(deps.ids.new()),
                    spec.key,
                    spec.name,
                    spec.type,
                    spec.default,
                    created_at=now,
                    description=spec.description,
                )
                await tx.features.add(feature)
                features[spec.key] = feature
                added += 1
        plans = {p.name: p for p in await tx.plans.list()}
        has_default = any(p.is_default for p in plans.values())
        for plan_spec in PLANS:
            plan = plans.get(plan_spec.name)
            new_plan = plan is None
            if plan is None:
                plan = Plan(
                    PlanId(deps.ids.new()),
                    plan_spec.name,
                    created_at=now,
                    updated_at=now,
                    price=plan_spec.price,
                    billing_cycle=BillingCycle.MONTHLY,
                    is_default=plan_spec.is_default and not has_default,
                )
                await tx.plans.add(plan)
                added += 1
            values = await tx.plans.values(plan.id)
            for key, value in plan_spec.values.items():
                # A value an admin removed stays removed: only new plans and new features
                # get the catalogue's values.
                if (new_plan or key in new_features) and features[key].id not in values:
                    await tx.plans.set_value(plan.id, features[key].id, value)
                    added += 1
        await tx.commit()
    deps.entitlements.forget_all()
    return added

"""What a tenant may do, read fast and enforced where capacity is consumed.

Use cases call `require` / `require_capacity` inside the transaction of the write they
guard, after taking the tenant lock, and count usage in that same transaction: concurrent
requests at the limit cannot both get through.

The inputs (catalogue, plan values, the tenant's overrides) are cached per tenant in the
process for `ttl` seconds (renewed by one caller some time before, loaded by one caller at a
time: application.renewal) and dropped on every change made through this process; other
processes see a change within `ttl`. Expiry needs no job: effective values are computed from
the cached inputs at each read, so an expired override stops counting at once.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import attrs

from application.errors import NotFound
from application.events import record_event
from application.ports.ids import IdGenerator
from application.ports.unit_of_work import UnitOfWork
from application.renewal import Kept, LoadsUnderWay, keep, kept
from domain.calls import Keeping
from domain.ids import FeatureId, PlanId, TenantId
from domain.plans import Entitlement, Feature, FeatureValue, Override, effective
from domain.plans import require as require_enabled
from domain.plans import require_capacity as require_room
from domain.retention import tenant_policy
from domain.tenancy import Tenant
from domain.webhooks import EventType

DEFAULT_TTL_SECONDS = 10.0


@attrs.frozen
class TenantInputs:
    features: tuple[Feature, ...]
    plan_values: dict[FeatureId, FeatureValue]
    overrides: dict[FeatureId, Override]
    _by_key: dict[str, Feature] = attrs.field(init=False, repr=False, eq=False)

    @_by_key.default
    def _index(self) -> dict[str, Feature]:
        # A cached feature check asks for one key: found at once, not by walking the catalogue.
        return {f.key: f for f in self.features}

    def entitlements(self, at: datetime) -> dict[str, Entitlement]:
        return {
            f.key: effective(f, self.plan_values, self.overrides.get(f.id), at)
            for f in self.features
        }

    def entitlement(self, key: str, at: datetime) -> Entitlement | None:
        """One feature's entitlement, without working out the others'; None for a key the
        catalogue does not define."""
        f = self._by_key.get(key)
        if f is None:
            return None
        return effective(f, self.plan_values, self.overrides.get(f.id), at)


class EntitlementCache:
    """Per-process cache of each tenant's entitlement inputs."""

    def __init__(
        self,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self._now = monotonic
        # Each tenant's inputs, with the plan they were read for.
        self._tenants: dict[TenantId, Kept[tuple[PlanId | None, TenantInputs], float]] = {}
        # Bumped by every forget: a load that a change overtook is not stored.
        self._generation = 0
        self._tenant_generations: dict[TenantId, int] = {}
        self._loads = LoadsUnderWay()
        # Each tenant's talk time this month: (when read, the month's start, seconds).
        self._talk: dict[TenantId, tuple[float, datetime, int]] = {}
        self._talk_generations: dict[TenantId, int] = {}

    def known(self, tenant: Tenant, *, while_renewed: bool = True) -> TenantInputs | None:
        """The tenant's inputs if the cache holds them fresh and for its plan, else None (as
        when they are due for renewal by this caller: application.renewal)."""
        found = kept(self._tenants, tenant.id, self._now(), while_renewed=while_renewed)
        if found is None:
            return None
        plan_id, inputs = found
        return inputs if plan_id == tenant.plan_id else None

    async def inputs(self, tx: UnitOfWork, tenant: Tenant) -> TenantInputs:
        """The tenant's inputs, loaded through `tx` when absent, stale or of another plan."""
        # In a transaction, the caller loads what another is renewing: it may be the one
        # renewing them, told so by `known_entitlement` outside the transaction.
        known = self.known(tenant, while_renewed=False)
        if known is None and await self._loads.wait(tenant.id):
            known = self.known(tenant, while_renewed=False)
        if known is not None:
            return known
        before = (self._generation, self._tenant_generations.get(tenant.id, 0))
        loaded_at = self._now()
        with self._loads.loading(tenant.id):
            inputs = TenantInputs(
                features=tuple(await tx.features.list()),
                plan_values=await tx.plans.values(tenant.plan_id) if tenant.plan_id else {},
                overrides={o.feature_id: o for o in await tx.overrides.for_tenant(tenant.id)},
            )
            if (self._generation, self._tenant_generations.get(tenant.id, 0)) == before:
                keep(
                    self._tenants,
                    tenant.id,
                    (tenant.plan_id, inputs),
                    loaded_at,
                    loaded_at + self.ttl,
                )
        return inputs

    async def minutes_this_month(self, tx: UnitOfWork, tenant_id: TenantId, at: datetime) -> int:
        """`calls.minutes.monthly`'s usage from `seconds_this_month`: what a placement
        checks (the tenant is shown the exact sum)."""
        return _minutes(await self.seconds_this_month(tx, tenant_id, at))

    async def seconds_this_month(self, tx: UnitOfWork, tenant_id: TenantId, at: datetime) -> int:
        """The talk time of the tenant's calls created in `at`'s month, read through `tx` at
        most once per `ttl` (a sum over the month's calls, which grows with them: every
        placement checks it). A call whose talk time is recorded in this process clears it at
        once (`talk_time_changed`); one recorded by another process counts within `ttl`.
        Calls still on the line count only once they end, so the monthly limit was never
        exact to the second."""
        since = month_start(at)
        known = self._talk.get(tenant_id)
        if known is not None and known[1] == since and self._now() - known[0] < self.ttl:
            return known[2]
        before = self._talk_generations.get(tenant_id, 0)
        loaded_at = self._now()
        seconds = await tx.calls.seconds_since(tenant_id, since)
        if self._talk_generations.get(tenant_id, 0) == before:
            self._talk[tenant_id] = (loaded_at, since, seconds)
        return seconds

    def talk_time_changed(self, tx: UnitOfWork, tenant_id: TenantId) -> None:
        """A call of the tenant got (or changed) its talk time in `tx`: the month's figure is
        read again once `tx` commits (and not stored by a read under way meanwhile)."""

        def changed() -> None:
            self._talk.pop(tenant_id, None)
            self._talk_generations[tenant_id] = self._talk_generations.get(tenant_id, 0) + 1

        tx.after_commit(changed)

    def forget(self, tenant_id: TenantId) -> None:
        self._tenants.pop(tenant_id, None)
        self._tenant_generations[tenant_id] = self._tenant_generations.get(tenant_id, 0) + 1

    def forget_all(self) -> None:
        self._tenants.clear()
        self._talk.clear()
        self._generation += 1


async def entitlements_of(
    cache: EntitlementCache, tx: UnitOfWork, tenant: Tenant, at: datetime
) -> dict[str, Entitlement]:
    return (await cache.inputs(tx, tenant)).entitlements(at)


async def entitlement_of(
    cache: EntitlementCache, tx: UnitOfWork, tenant: Tenant, key: str, at: datetime
) -> Entitlement | None:
    """One feature's effective value, the others' not worked out (a placement checks two);
    None for a key the catalogue lacks."""
    return (await cache.inputs(tx, tenant)).entitlement(key, at)


async def entitlement(
    cache: EntitlementCache, tx: UnitOfWork, tenant: Tenant, key: str, at: datetime
) -> Entitlement:
    """The effective value of one feature; NotFound for a key the catalogue lacks."""
    return _one(await entitlements_of(cache, tx, tenant, at), key)


def known_entitlement(
    cache: EntitlementCache, tenant: Tenant, key: str, at: datetime
) -> Entitlement | None:
    """`entitlement` when the cache can answer without the database, else None."""
    inputs = cache.known(tenant)
    if inputs is None:
        return None
    found = inputs.entitlement(key, at)
    if found is None:
        raise NotFound("feature", key)
    return found


def _one(found: dict[str, Entitlement], key: str) -> Entitlement:
    if key not in found:
        raise NotFound("feature", key)
    return found[key]


def allowed(found: dict[str, Entitlement], key: str) -> bool:
    """Whether the tenant has the feature; a key the catalogue does not define is allowed
    (as `require` does not enforce it)."""
    entitlement = found.get(key)
    return entitlement is None or entitlement.enabled


def keeping_of(found: dict[str, Entitlement], tenant: Tenant) -> Keeping:
    """What the tenant's new calls may keep: recordings by its plan, what was said by its
    retention."""
    return Keeping(
        record=allowed(found, "recordings"),
        store=tenant_policy(tenant.retention, found).store_transcripts,
    )


async def require(
    cache: EntitlementCache, tx: UnitOfWork, tenant: Tenant, key: str, at: datetime
) -> None:
    """FeatureDisabled unless the tenant has the feature.

    A key the catalogue does not define is not enforced (a database whose catalogue was
    never installed); `serve` and `migrate` install it.
    """
    found = await entitlement_of(cache, tx, tenant, key, at)
    if found is not None:
        require_enabled(found)


UsageMeter = Callable[[UnitOfWork, TenantId, datetime], Awaitable[int]]


async def _members(tx: UnitOfWork, tenant_id: TenantId, at: datetime) -> int:
    """Members and the places held for them: pending invitations not yet expired."""
    return await tx.memberships.count(tenant_id) + await tx.invitations.count_pending(tenant_id, at)


async def _active_agents(tx: UnitOfWork, tenant_id: TenantId, _at: datetime) -> int:
    return await tx.agents.count_active(tenant_id)


async def _held_numbers(tx: UnitOfWork, tenant_id: TenantId, _at: datetime) -> int:
    """Numbers active and those being provisioned (each holds its place from the start)."""
    return await tx.phone_numbers.count_held(tenant_id)


async def _webhook_endpoints(tx: UnitOfWork, tenant_id: TenantId, _at: datetime) -> int:
    return await tx.webhook_endpoints.count(tenant_id)


async def _live_calls(tx: UnitOfWork, tenant_id: TenantId, _at: datetime) -> int:
    return await tx.live_calls.count(tenant_id)


def month_start(at: datetime) -> datetime:
    """The first instant of `at`'s calendar month, in UTC (the period monthly limits count)."""
    utc = at.astimezone(UTC)
    return utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


MONTHLY_MINUTES = "calls.minutes.monthly"


def _minutes(seconds: int) -> int:
    """Talk minutes, started minutes counted whole."""
    return -(-seconds // 60)


async def _minutes_this_month(tx: UnitOfWork, tenant_id: TenantId, at: datetime) -> int:
    """Talk minutes of the calls created this month (exact: what the tenant is shown; a
    placement's check reads them through the cache, `EntitlementCache.minutes_this_month`)."""
    return _minutes(await tx.calls.seconds_since(tenant_id, month_start(at)))


# How each metered limit counts what is in use: the same count refuses a write at the
# limit and shows the usage in the tenant's features. Later capabilities add theirs here.
USAGE_METERS: dict[str, UsageMeter] = {
    "members.max": _members,
    "voice_agents.max": _active_agents,
    "phone_numbers.max": _held_numbers,
    "calls.concurrent.max": _live_calls,
    MONTHLY_MINUTES: _minutes_this_month,
    "webhooks.endpoints.max": _webhook_endpoints,
}


async def usage(tx: UnitOfWork, tenant_id: TenantId, key: str, at: datetime) -> int | None:
    """What the tenant uses of a metered limit at `at`; None for a feature nothing meters."""
    meter = USAGE_METERS.get(key)
    return await meter(tx, tenant_id, at) if meter else None


async def require_capacity(
    cache: EntitlementCache,
    tx: UnitOfWork,
    tenant: Tenant,
    key: str,
    at: datetime,
    *,
    wanted: int = 1,
    ids: IdGenerator | None = None,
    used: int | None = None,
) -> None:
    """EntitlementExceeded (feature, limit, used) when the usage (counted by the key's meter,
    in `tx`, unless the caller gives what it counted as the meter does) plus `wanted` passes
    the limit.

    With `ids`, a count that this change brings to its limit exactly records the tenant's
    `entitlement.limit_reached` event in `tx` (so it is sent only if the change commits)."""
    found = await entitlement_of(cache, tx, tenant, key, at)
    if found is None:
        return
    if used is None:
        used = await USAGE_METERS[key](tx, tenant.id, at)
    require_room(found, used, wanted)
    if ids is not None and found.limit is not None and used + wanted == found.limit:
        await record_event(
            tx,
            ids,
            EventType.ENTITLEMENT_LIMIT_REACHED,
            tenant.id,
            at,
            details={"feature": key, "limit": found.limit, "used": used + wanted},
        )

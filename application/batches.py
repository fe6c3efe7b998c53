"""Batches (campaigns): creating them from the lead book, the preflight, their lifecycle and
the dispatcher that dials their leads through the same path as single calls.

A dial is claimed before it is made: one transaction marks the item `dialling`, queues its
call and registers it on the shared line pool; only then is the provider asked. A worker
that dies after that commit leaves a queued call the reconciler settles (and the item with
it), never a second dial of the same try.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

import attrs
import structlog

from application.access import Permission, Principal
from application.batch_tracking import finish_if_done
from application.call_tracking import CallPolicy
from application.calls import CallService, Dial, agent_in_service, line_in_service
from application.context import UseCaseDeps
from application.entitlements import entitlements_of, keeping_of, month_start, require
from application.errors import ConcurrencyConflict, DatabaseBusy, NotFound
from application.events import batch_event, calls_queued
from application.pagination import Page, PageRequest, Position
from application.ports.batches import (
    BatchFilter,
    BatchItemFilter,
    DueItem,
    LeadSelection,
    RunningBatch,
)
from application.ports.calls import LiveCall
from application.ports.telephony import OutboundCall
from application.ports.unit_of_work import UnitOfWork
from domain.agents import VoiceAgent
from domain.audit import SYSTEM
from domain.batches import (
    Batch,
    BatchCounts,
    BatchItem,
    BatchStatus,
    CallingWindow,
    PauseReason,
    RetryPolicy,
    SkipReason,
    WindowClosed,
    share_lines,
    zone_for,
)
from domain.calls import CallDirection, CallStatus, Keeping, VoiceCall
from domain.errors import InvalidValue
from domain.ids import AgentId, BatchId, CallId, LeadId, PhoneNumberId, TenantId
from domain.phones import PhoneLine, PhoneNumber
from domain.plans import EntitlementExceeded, FeatureDisabled, require_capacity
from domain.tenancy import Tenant
from domain.voices import Voice
from domain.webhooks import EventType

log = structlog.get_logger(__name__)

# The preflight's estimate takes a call to last as long as the tenant's calls did on average
# over AVERAGE_OVER, or DEFAULT_CALL_SECONDS before it has any.
DEFAULT_CALL_SECONDS = 90
AVERAGE_OVER = timedelta(days=30)
# The most lead ids one request may name; larger batches are made from a filter.
MAX_LEAD_IDS = 10_000
# Claims of one batch in one round at most, so that a batch of leads that are all put off
# cannot hold the pool's lock for long; the next round goes on.
_CLAIM_PASSES = 20
# Ids named in an error at most (the rest are counted).
_SHOWN_IDS = 10


@attrs.frozen
class CreateBatch:
    tenant_id: TenantId
    agent_id: AgentId
    name: str
    window: CallingWindow
    selection: LeadSelection
    from_number_id: PhoneNumberId | None = None
    """Defaults to the agent's default number."""
    concurrency: int = 1
    timezone: str | None = None
    max_attempts: int = 3
    retry_policy: RetryPolicy = attrs.field(factory=RetryPolicy)


@attrs.frozen
class Preflight:
    """What would happen if the batch ran now; nothing is dialled to find out."""

    leads: int
    """Items of the batch still waiting for a try."""
    callable_now: int
    """Of those, the ones that would be dialled at once: not do-not-call, zone known, inside
    the calling window now."""
    do_not_call: int
    unknown_time_zone: int
    outside_window_now: int
    invalid_number: int
    duplicate_leads: int
    """Lead ids named more than once when the batch was created (each is called once)."""
    concurrency: int
    """The batch's concurrency as the limits will let it run: at most the tenant's
    `calls.concurrent.max` and its share of the provider's lines."""
    estimated_seconds: int
    """How long the callable leads take at that concurrency, one try each, each as long as
    the tenant's calls of the last 30 days were on average (DEFAULT_CALL_SECONDS before it
    has any)."""
    problems: tuple[str, ...] = ()
    """What stops the batch from starting or running to its end (plan, limits)."""


class BatchService:
    def __init__(
        self,
        deps: UseCaseDeps,
        policy: CallPolicy | None = None,
        wake: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._deps = deps
        self._policy = policy or CallPolicy()
        self._wake = wake

    async def create_batch(self, principal: Principal, cmd: CreateBatch) -> tuple[Batch, Preflight]:
        """A draft batch of the selected leads, each once, with its preflight. Needs
        `batch_calls`; more leads than `batch.size.max` are refused, as are lead ids of no
        lead of the tenant."""
        selection, duplicates = _deduplicated(cmd.selection)
        async with self._deps.uows(tenant_id=cmd.tenant_id, bulk=True) as tx:
            access = await self._deps.authorize(
                principal, Permission.BATCHES_MANAGE, cmd.tenant_id, tx, lock=True
            )
            now = self._deps.clock.now()
            await require(self._deps.entitlements, tx, access.tenant, "batch_calls", now)
            agent = await agent_in_service(tx, cmd.tenant_id, cmd.agent_id)
            line = await line_in_service(tx, cmd.tenant_id, cmd.from_number_id, agent)
            if selection.lead_ids is not None:
                missing = await tx.batch_items.missing_leads(cmd.tenant_id, selection.lead_ids)
                if missing:
                    shown = ", ".join(str(i) for i in missing[:_SHOWN_IDS])
                    more = (
                        f" and {len(missing) - _SHOWN_IDS} more"
                        if len(missing) > _SHOWN_IDS
                        else ""
                    )
                    raise InvalidValue(
                        f"lead_ids: no lead {shown}{more} in this tenant", field="lead_ids"
                    )
            size = await tx.batch_items.count_selection(cmd.tenant_id, selection)
            if size == 0:
                raise InvalidValue("the selection names no lead of this tenant", field="leads")
            found = (await entitlements_of(self._deps.entitlements, tx, access.tenant, now)).get(
                "batch.size.max"
            )
            if found is not None:
                require_capacity(found, 0, size)
            batch = Batch(
                id=BatchId(self._deps.ids.new()),
                tenant_id=cmd.tenant_id,
                agent_id=agent.id,
                from_number_id=line.id,
                name=cmd.name,
                window=cmd.window,
                created_at=now,
                updated_at=now,
                concurrency=cmd.concurrency,
                timezone=cmd.timezone,
                max_attempts=cmd.max_attempts,
                retry_policy=cmd.retry_policy,
                created_by=principal.user_id,
            )
            await tx.batches.add(batch)
            added = await tx.batch_items.add_selection(batch, selection, now)
            batch.counts = BatchCounts(pending=added)
            await tx.batches.save(batch)
            await self._deps.audit(
                tx,
                principal,
                "batch.created",
                "batch",
                batch.id,
                tenant_id=cmd.tenant_id,
                changes={"name": batch.name, "leads": added, "agent_id": str(agent.id)},
            )
            report = await self._preflight(tx, batch, now, duplicates=duplicates)
            await tx.commit()
        return batch, report

    async def preflight(
        self, principal: Principal, tenant_id: TenantId, batch_id: BatchId
    ) -> Preflight:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.BATCHES_MANAGE, tenant_id, tx)
            batch = await _batch_of(tx, tenant_id, batch_id)
            return await self._preflight(tx, batch, self._deps.clock.now())

    async def _preflight(
        self, tx: UnitOfWork, batch: Batch, now: datetime, *, duplicates: int = 0
    ) -> Preflight:
        tenant = await tx.tenants.get(batch.tenant_id)
        if tenant is None:
            raise NotFound("tenant", batch.tenant_id)
        found = await entitlements_of(self._deps.entitlements, tx, tenant, now)
        problems: list[str] = []
        feature = found.get("batch_calls")
        if feature is not None and not feature.enabled:
            problems.append("the plan does not include batch_calls: the batch cannot start")
        concurrent = found.get("calls.concurrent.max")
        limit = concurrent.limit if concurrent is not None else None
        concurrency = min(
            batch.concurrency,
            self._policy.tenant_ceiling,
            limit if limit is not None else batch.concurrency,
        )
        if concurrency < batch.concurrency:
            problems.append(
                f"concurrency {batch.concurrency} is more than the tenant may have on the line"
                f" ({concurrency}: calls.concurrent.max and its share of the provider's lines)"
            )
        counts = {"dnc": 0, "zone": 0, "outside": 0, "invalid": 0, "ok": 0}
        for row in await tx.batch_items.survey(batch.tenant_id, batch.id):
            if row.do_not_call:
                counts["dnc"] += row.count
                continue
            number = None
            if row.phone is not None:
                try:
                    number = PhoneNumber.parse(row.phone)
                except InvalidValue:
                    counts["invalid"] += row.count
                    continue
            window = batch.window.for_lead(zone_for(row.timezone, number, batch.timezone))
            closed = window.closed_reason(now)
            key = {
                None: "ok",
                WindowClosed.UNKNOWN_TIME_ZONE: "zone",
                WindowClosed.OUTSIDE_WINDOW: "outside",
            }[closed]
            counts[key] += row.count
        callable_total = counts["ok"] + counts["outside"]
        talk = await tx.calls.average_talk_since(batch.tenant_id, now - AVERAGE_OVER)
        average = DEFAULT_CALL_SECONDS if talk is None else max(1, math.ceil(talk))
        estimated = math.ceil(callable_total / max(1, concurrency)) * average
        minutes = found.get("calls.minutes.monthly")
        if minutes is not None and minutes.limit is not None:
            used = -(-(await tx.calls.seconds_since(batch.tenant_id, month_start(now))) // 60)
            needed = math.ceil(callable_total * average / 60)
            if used + needed > minutes.limit:
                problems.append(
                    f"about {needed} minutes are needed and {max(0, minutes.limit - used)} are"
                    " left this month: the batch will pause when they run out"
                )
        return Preflight(
            leads=batch.counts.pending,
            callable_now=counts["ok"],
            do_not_call=counts["dnc"],
            unknown_time_zone=counts["zone"],
            outside_window_now=counts["outside"],
            invalid_number=counts["invalid"],
            duplicate_leads=duplicates,
            concurrency=concurrency,
            estimated_seconds=estimated,
            problems=tuple(problems),
        )

    async def get_batch(
        self, principal: Principal, tenant_id: TenantId, batch_id: BatchId
    ) -> Batch:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CALLS_READ, tenant_id, tx)
            return await _batch_of(tx, tenant_id, batch_id)

    async def list_batches(
        self, principal: Principal, tenant_id: TenantId, where: BatchFilter, page: PageRequest
    ) -> Page[Batch]:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CALLS_READ, tenant_id, tx)
            rows = await tx.batches.list(tenant_id, where, page)
        return Page.from_rows(rows, page, lambda b: Position(b.created_at, b.id))

    async def list_items(
        self,
        principal: Principal,
        tenant_id: TenantId,
        batch_id: BatchId,
        where: BatchItemFilter,
        page: PageRequest,
    ) -> Page[BatchItem]:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CALLS_READ, tenant_id, tx)
            await _batch_of(tx, tenant_id, batch_id)
            rows = await tx.batch_items.list(tenant_id, batch_id, where, page)
        return Page.from_rows(rows, page, lambda i: Position(i.created_at, i.id))

    async def start(self, principal: Principal, tenant_id: TenantId, batch_id: BatchId) -> Batch:
        return await self._change(principal, tenant_id, batch_id, "start")

    async def pause(self, principal: Principal, tenant_id: TenantId, batch_id: BatchId) -> Batch:
        return await self._change(principal, tenant_id, batch_id, "pause")

    async def resume(self, principal: Principal, tenant_id: TenantId, batch_id: BatchId) -> Batch:
        return await self._change(principal, tenant_id, batch_id, "resume")

    async def cancel(self, principal: Principal, tenant_id: TenantId, batch_id: BatchId) -> Batch:
        """No new dials; calls on the line finish (and are counted); every lead still
        waiting is cancelled."""
        return await self._change(principal, tenant_id, batch_id, "cancel")

    async def _change(
        self, principal: Principal, tenant_id: TenantId, batch_id: BatchId, action: str
    ) -> Batch:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            access = await self._deps.authorize(
                principal, Permission.BATCHES_MANAGE, tenant_id, tx, lock=True
            )
            batch = await tx.batches.get_for_update(tenant_id, batch_id)
            if batch is None:
                raise NotFound("batch", batch_id)
            now = self._deps.clock.now()
            if action in ("start", "resume"):
                await require(self._deps.entitlements, tx, access.tenant, "batch_calls", now)
                getattr(batch, action)(now)
                await tx.running_batches.enter(tenant_id, batch_id)
                if action == "start":
                    await batch_event(tx, self._deps.ids, EventType.BATCH_STARTED, batch, now)
            elif action == "pause":
                batch.pause(now)
                await tx.running_batches.leave(tenant_id, batch_id)
                await batch_event(tx, self._deps.ids, EventType.BATCH_PAUSED, batch, now)
            else:
                batch.cancel(now)
                batch.cancelled_waiting(
                    await tx.batch_items.cancel_pending(tenant_id, batch_id, now)
                )
                await tx.running_batches.leave(tenant_id, batch_id)
            await tx.batches.save(batch)
            await self._deps.audit(
                tx,
                principal,
                f"batch.{_PAST[action]}",
                "batch",
                batch.id,
                tenant_id=tenant_id,
                changes={"status": batch.status.value},
            )
            await tx.commit()
        if action in ("start", "resume") and self._wake is not None:
            try:
                await self._wake()
            except Exception as error:  # the minute's dispatch serves it anyway
                log.warning("batch_wake_failed", batch_id=str(batch_id), error=str(error))
        return batch


_PAST = {"start": "started", "pause": "paused", "resume": "resumed", "cancel": "cancelled"}


def _deduplicated(selection: LeadSelection) -> tuple[LeadSelection, int]:
    if selection.lead_ids is None:
        return selection, 0
    if not selection.lead_ids:
        raise InvalidValue("lead_ids: name at least one lead", field="lead_ids")
    if len(selection.lead_ids) > MAX_LEAD_IDS:
        raise InvalidValue(
            f"lead_ids: at most {MAX_LEAD_IDS}; select more leads with a filter",
            field="lead_ids",
        )
    unique = tuple(dict.fromkeys(selection.lead_ids))
    return attrs.evolve(selection, lead_ids=unique), len(selection.lead_ids) - len(unique)


async def _batch_of(tx: UnitOfWork, tenant_id: TenantId, batch_id: BatchId) -> Batch:
    batch = await tx.batches.get(tenant_id, batch_id)
    if batch is None:
        raise NotFound("batch", batch_id)
    return batch


# --- dispatch ---------------------------------------------------------------------------------


@attrs.define
class DispatchReport:
    running: int = 0
    """Running batches seen."""
    dialled: int = 0
    skipped: int = 0
    rescheduled: int = 0
    paused: int = 0
    completed: int = 0


@attrs.define
class _TenantPlan:
    batches: list[Batch]
    wants: dict[BatchId, int]
    keeping: Keeping
    """What the tenant's calls may keep (its plan's `recordings`, its retention)."""


class BatchDispatcher:
    """Hands the provider's free lines to running batches and dials their due leads."""

    def __init__(
        self, deps: UseCaseDeps, calls: CallService, policy: CallPolicy | None = None
    ) -> None:
        self._deps = deps
        self._calls = calls
        self._policy = policy or CallPolicy()

    async def tick(self) -> DispatchReport:
        """One round: claim what each running batch may dial now (one transaction, under the
        pool's lock), then dial it."""
        report = DispatchReport()
        async with self._deps.uows() as tx:
            running = await tx.running_batches.all()
        report.running = len(running)
        if not running:
            return report
        dials = await self._claim(running, report)
        await self._calls.dial_many(dials)
        report.dialled = len(dials)
        return report

    async def run(self, budget: timedelta, idle_pause: float = 0.5) -> DispatchReport:
        """Rounds until no batch runs or `budget` is spent; a round that dials nothing waits
        `idle_pause` seconds before the next."""
        total = DispatchReport()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + budget.total_seconds()
        while loop.time() < deadline:
            try:
                report = await self.tick()
            except (DatabaseBusy, ConcurrencyConflict) as error:
                # Rows held by other work (a lock or statement timed out): this round is
                # rolled back whole; the next one tries again.
                log.warning("batch_round_busy", error=str(error))
                await asyncio.sleep(idle_pause)
                continue
            for field in ("dialled", "skipped", "rescheduled", "paused", "completed"):
                setattr(total, field, getattr(total, field) + getattr(report, field))
            total.running = report.running
            if not report.running:
                break
            if not report.dialled:
                await asyncio.sleep(idle_pause)
        return total

    async def _claim(self, running: Sequence[RunningBatch], report: DispatchReport) -> list[Dial]:
        tenants: dict[TenantId, list[BatchId]] = defaultdict(list)
        for entry in running:
            tenants[entry.tenant_id].append(entry.batch_id)
        dials: list[Dial] = []
        async with self._deps.uows() as tx:
            await tx.live_calls.lock()
            now = self._deps.clock.now()
            held = {tenant: await tx.live_calls.count(tenant) for tenant in tenants}
            in_use = await tx.live_calls.count()
            plans: dict[TenantId, _TenantPlan] = {}
            for tenant_id, batch_ids in sorted(tenants.items()):
                await tx.switch_tenant(tenant_id)
                plan = await self._plan(tx, tenant_id, batch_ids, held[tenant_id], now, report)
                if plan is not None:
                    plans[tenant_id] = plan
            demand = {tenant: sum(plan.wants.values()) for tenant, plan in plans.items()}
            others = in_use - sum(held[tenant] for tenant in plans)
            grants = share_lines(
                # The lines of tenants that want none now are taken off the pool.
                self._policy.provider_max_concurrent - others,
                self._policy.tenant_ceiling,
                {tenant: held[tenant] for tenant in plans},
                demand,
            )
            for tenant_id, grant in sorted(grants.items()):
                if not grant:
                    continue
                await tx.switch_tenant(tenant_id)
                plan = plans[tenant_id]
                shares = _split(grant, plan)
                for batch in plan.batches:
                    count = shares.get(batch.id, 0)
                    if count:
                        dials += await self._claim_batch(
                            tx, batch, count, plan.keeping, now, report
                        )
            await tx.commit()
        return dials

    async def _plan(
        self,
        tx: UnitOfWork,
        tenant_id: TenantId,
        batch_ids: list[BatchId],
        held: int,
        now: datetime,
        report: DispatchReport,
    ) -> _TenantPlan | None:
        """What the tenant's running batches want now, after pausing those that may not go
        on and completing those that are done."""
        tenant = await tx.tenants.get(tenant_id)
        batches = []
        for batch_id in batch_ids:
            batch = await tx.batches.get_for_update(tenant_id, batch_id)
            if batch is None or batch.status is not BatchStatus.RUNNING:
                await tx.running_batches.leave(tenant_id, batch_id)
                continue
            batches.append(batch)
        if not batches:
            return None
        stop = await self._stop_reason(tx, tenant, now)
        if stop is not None or tenant is None:
            for batch in batches:
                await self._pause(tx, batch, stop or PauseReason.TENANT_SUSPENDED, now)
                report.paused += 1
            return None
        found = await entitlements_of(self._deps.entitlements, tx, tenant, now)
        concurrent = found.get("calls.concurrent.max")
        limit = concurrent.limit if concurrent is not None else None
        tenant_room = max(0, (limit - held) if limit is not None else self._policy.tenant_ceiling)
        wants: dict[BatchId, int] = {}
        kept = []
        for batch in batches:
            if batch.counts.open == 0:
                await finish_if_done(tx, self._deps.ids, batch, now)
                await tx.batches.save(batch)
                report.completed += 1
                continue
            room = batch.concurrency - batch.counts.dialling - batch.counts.live
            if room <= 0:
                continue
            due = await tx.batch_items.count_due(tenant_id, batch.id, now, room)
            if due:
                wants[batch.id] = min(room, due)
                kept.append(batch)
        if not kept or not tenant_room:
            return None
        # The tenant's own concurrent-call limit caps all its batches together.
        while sum(wants.values()) > tenant_room:
            largest = max(wants, key=lambda b: (wants[b], b))
            wants[largest] -= 1
        return _TenantPlan(
            [b for b in kept if wants[b.id]],
            {b: n for b, n in wants.items() if n},
            keeping_of(found, tenant),
        )

    async def _stop_reason(
        self, tx: UnitOfWork, tenant: Tenant | None, now: datetime
    ) -> PauseReason | None:
        if tenant is None or not tenant.is_active:
            return PauseReason.TENANT_SUSPENDED
        try:
            await require(self._deps.entitlements, tx, tenant, "batch_calls", now)
        except FeatureDisabled:
            return PauseReason.FEATURE_LOST
        found = (await entitlements_of(self._deps.entitlements, tx, tenant, now)).get(
            "calls.minutes.monthly"
        )
        if found is not None and found.limit is not None:
            seconds = await tx.calls.seconds_since(tenant.id, month_start(now))
            try:
                require_capacity(found, -(-seconds // 60), 1)
            except EntitlementExceeded:
                return PauseReason.MINUTES_EXHAUSTED
        return None

    async def _pause(
        self, tx: UnitOfWork, batch: Batch, reason: PauseReason, now: datetime
    ) -> None:
        batch.pause(now, reason)
        await tx.running_batches.leave(batch.tenant_id, batch.id)
        await tx.batches.save(batch)
        await batch_event(tx, self._deps.ids, EventType.BATCH_PAUSED, batch, now)
        await self._deps.audit(
            tx,
            SYSTEM,
            "batch.paused",
            "batch",
            batch.id,
            tenant_id=batch.tenant_id,
            changes={"status": batch.status.value, "reason": reason.value},
        )
        log.info("batch_paused", batch_id=str(batch.id), reason=reason.value)

    async def _claim_batch(
        self,
        tx: UnitOfWork,
        batch: Batch,
        count: int,
        keeping: Keeping,
        now: datetime,
        report: DispatchReport,
    ) -> list[Dial]:
        try:
            agent = await agent_in_service(tx, batch.tenant_id, batch.agent_id)
        except InvalidValue:
            await self._pause(tx, batch, PauseReason.AGENT_UNAVAILABLE, now)
            report.paused += 1
            return []
        try:
            line = await line_in_service(tx, batch.tenant_id, batch.from_number_id, agent)
        except InvalidValue:
            await self._pause(tx, batch, PauseReason.NUMBER_UNAVAILABLE, now)
            report.paused += 1
            return []
        voice = await tx.voices.get(batch.tenant_id, agent.voice_id) if agent.voice_id else None
        dials: list[Dial] = []
        # Leads skipped or put off take no line: claim on until the lines granted are used or
        # no lead is due (each pass leaves the leads it took no longer due now).
        for _ in range(_CLAIM_PASSES):
            wanted = count - len(dials)
            taken = await tx.batch_items.claim_due(batch.tenant_id, batch.id, now, wanted)
            queued = [
                dial
                for due in taken
                if (dial := self._claim_item(batch, due, agent, line, voice, keeping, now, report))
            ]
            # A pass's writes go in one flight each, whatever the number of leads: the calls
            # first (their lines and the items name them), then their lines, then the items.
            await tx.calls.add_many([dial.call for dial in queued])
            await calls_queued(tx, self._deps.ids, [dial.call for dial in queued], now)
            await tx.live_calls.hold_many(
                [
                    LiveCall(dial.call.id, batch.tenant_id, now + self._policy.reconcile_after)
                    for dial in queued
                ]
            )
            await tx.batch_items.save_many([due.item for due in taken])
            dials += queued
            if len(taken) < wanted or len(dials) >= count:
                break
        await finish_if_done(tx, self._deps.ids, batch, now)
        await tx.batches.save(batch)
        return dials

    def _claim_item(
        self,
        batch: Batch,
        due: DueItem,
        agent: VoiceAgent,
        line: PhoneLine,
        voice: Voice | None,
        keeping: Keeping,
        now: datetime,
        report: DispatchReport,
    ) -> Dial | None:
        item, lead = due.item, due.lead
        before = item.standing
        if lead is None or lead.do_not_call:
            item.skip(SkipReason.DO_NOT_CALL, now)
            report.skipped += 1
        else:
            window = batch.window.for_lead(zone_for(lead.timezone, lead.phone, batch.timezone))
            closed = window.closed_reason(now)
            if closed is WindowClosed.UNKNOWN_TIME_ZONE:
                item.skip(SkipReason.UNKNOWN_TIME_ZONE, now)
                report.skipped += 1
            elif closed is WindowClosed.OUTSIDE_WINDOW:
                opening = window.next_opening(now)
                # A window that never opens for this lead is looked at again in a day.
                item.next_attempt_at = opening or now + timedelta(days=1)
                item.updated_at = now
                report.rescheduled += 1
            else:
                call = _queued_call(self._deps, batch, item, lead.id, lead.phone, voice, now)
                keeping.apply(call)
                item.claim(now, call.id)
                batch.record_item_move(before, item.standing)
                outbound = OutboundCall(
                    call_id=call.id,
                    tenant_id=batch.tenant_id,
                    agent=agent,
                    from_number=line,
                    to=lead.phone,
                    lead_id=lead.id,
                    voice=voice if voice and voice.is_active else None,
                    customer_name=lead.name,
                    variables={k: str(v) for k, v in item.variables.items()},
                    record=keeping.record,
                    private=not keeping.store,
                )
                return Dial(call, outbound)
        batch.record_item_move(before, item.standing)
        return None


def _queued_call(
    deps: UseCaseDeps,
    batch: Batch,
    item: BatchItem,
    lead_id: LeadId,
    phone: PhoneNumber,
    voice: Voice | None,
    now: datetime,
) -> VoiceCall:
    return VoiceCall(
        id=CallId(deps.ids.new()),
        tenant_id=batch.tenant_id,
        direction=CallDirection.OUTBOUND,
        status=CallStatus.QUEUED,
        to_number=phone.e164,
        created_at=now,
        updated_at=now,
        agent_id=batch.agent_id,
        lead_id=lead_id,
        voice_id=voice.id if voice else None,
        from_number_id=batch.from_number_id,
        batch_id=batch.id,
        metadata={"batch_item_id": str(item.id), "attempt": item.attempts + 1},
    )


def _split(grant: int, plan: _TenantPlan) -> dict[BatchId, int]:
    """A tenant's lines over its batches, round-robin (oldest batch first), each up to what
    it wants."""
    shares: dict[BatchId, int] = dict.fromkeys(plan.wants, 0)
    while grant:
        gave = False
        for batch in plan.batches:
            if grant and shares[batch.id] < plan.wants[batch.id]:
                shares[batch.id] += 1
                grant -= 1
                gave = True
        if not gave:
            break
    return shares

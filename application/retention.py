"""How long a tenant keeps its calls' content, the purge of what is past its time, and the
erasure of one person's data (domain.retention).

Each tenant chooses within its plan how many days transcripts, recording links and the
provider's record are kept, or not to store what was said at all. The worker's purge goes
tenant by tenant and kind by kind, a batch of calls a transaction (no long locks, no table
rewrites), keeping each call's outcome, cost, duration and usage so reports stay exact, and
audits what went. A data subject's erasure removes a lead and everything held about them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

import attrs
import structlog

from application.access import Permission, Principal, authorize
from application.context import UseCaseDeps, every_tenant_id
from application.entitlements import EntitlementCache, entitlements_of
from application.leads import lead_of
from application.pagination import MAX_PAGE_SIZE, PageRequest
from application.ports.unit_of_work import UnitOfWork
from application.tenant_exports import export_position
from application.webhook_messages import InboxRetention
from domain.audit import SYSTEM
from domain.calls import ContentKind
from domain.errors import InvalidStateTransition, InvalidValue
from domain.ids import LeadId, TenantId
from domain.retention import (
    RetentionChoice,
    RetentionPolicy,
    check_within,
    effective,
)
from domain.tenancy import Tenant
from domain.tenant_exports import ExportStatus

log = structlog.get_logger(__name__)

CHOICE_FIELDS = tuple(attrs.fields_dict(RetentionChoice))

INBOX_KIND = "webhook_messages"
"""The provider's messages in the inbox hold transcripts too: they go with them."""


async def plan_retention(
    cache: EntitlementCache, tx: UnitOfWork, tenant: Tenant, at: datetime
) -> RetentionPolicy:
    """The most the tenant's plan (or an override) lets it keep now."""
    return RetentionPolicy.of_plan(await entitlements_of(cache, tx, tenant, at))


async def retention_of(
    cache: EntitlementCache, tx: UnitOfWork, tenant: Tenant, at: datetime
) -> RetentionPolicy:
    """What the tenant keeps now: its choices within its plan."""
    return effective(tenant.retention, await plan_retention(cache, tx, tenant, at))


@attrs.frozen
class RetentionView:
    tenant_id: TenantId
    chosen: RetentionChoice
    plan: RetentionPolicy
    effective: RetentionPolicy
    updated_at: datetime


@attrs.frozen
class Erasure:
    """What a data subject's erasure removed."""

    lead_id: LeadId
    at: datetime
    calls: int
    """Calls of the lead, to its number or from it: content deleted, the person unlinked."""
    messages: int
    """The provider's messages about those calls or naming the person."""
    audit_entries: int
    """Entries whose details were emptied (who did what, and when, stays)."""
    exports: int
    """The tenant's finished exports, which held the person."""


@attrs.frozen
class PurgeBatches:
    """How much one transaction of the purge deletes: no long lock, whatever piled up."""

    calls: int = 1_000


async def _purge_calls(
    tenant_id: TenantId,
    kind: ContentKind,
    ended_before: datetime,
    now: datetime,
    limit: int,
    tx: UnitOfWork,
) -> int:
    return await tx.calls.purge_expired(tenant_id, kind, ended_before, now, limit)


class Retention:
    def __init__(
        self,
        deps: UseCaseDeps,
        inbox: InboxRetention | None = None,
        batches: PurgeBatches | None = None,
    ) -> None:
        self._deps = deps
        self._inbox = inbox or InboxRetention()
        self._batches = batches or PurgeBatches()

    async def settings(self, principal: Principal, tenant_id: TenantId) -> RetentionView:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            access = await authorize(principal, Permission.TENANT_READ, tenant_id, tx)
            return await self._view(tx, access.tenant)

    async def change(
        self, principal: Principal, tenant_id: TenantId, changes: Mapping[str, Any]
    ) -> RetentionView:
        """Set some of the tenant's choices (owners and admins); a null one goes back to the
        plan's. More than the plan allows is an InvalidValue naming the setting. Turning
        storage off applies at once to the calls in progress. Audited."""
        unknown = sorted(set(changes) - set(CHOICE_FIELDS))
        if unknown:
            raise InvalidValue(f"unknown setting {unknown[0]}", field=unknown[0])
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            access = await authorize(
                principal, Permission.RETENTION_MANAGE, tenant_id, tx, lock=True
            )
            tenant = access.tenant
            now = self._deps.clock.now()
            choice = attrs.evolve(tenant.retention, **changes)
            plan = await plan_retention(self._deps.entitlements, tx, tenant, now)
            check_within(choice, plan)
            stored_before = effective(tenant.retention, plan).store_transcripts
            tenant.choose_retention(choice, now)
            await tx.tenants.save(tenant)
            stopped = 0
            if stored_before and not effective(choice, plan).store_transcripts:
                stopped = await tx.calls.stop_storing_content(tenant_id, now)
            await self._deps.audit(
                tx,
                principal,
                "tenant.retention_changed",
                "tenant",
                tenant_id,
                tenant_id=tenant_id,
                changes={**dict(changes), **({"calls_in_progress": stopped} if stopped else {})},
            )
            view = await self._view(tx, tenant)
            await tx.commit()
        return view

    async def _view(self, tx: UnitOfWork, tenant: Tenant) -> RetentionView:
        now = self._deps.clock.now()
        plan = await plan_retention(self._deps.entitlements, tx, tenant, now)
        return RetentionView(
            tenant.id, tenant.retention, plan, effective(tenant.retention, plan), tenant.updated_at
        )

    async def purge_due(self) -> dict[TenantId, dict[str, int]]:
        """One pass over every tenant: the content past its time goes, a batch of calls a
        transaction, and with transcripts the provider's messages that carried them; each
        tenant's counts are audited. The counts by tenant, where something went."""
        now = self._deps.clock.now()
        run = self._deps.ids.new()
        purged: dict[TenantId, dict[str, int]] = {}
        for tenant_id in await every_tenant_id(self._deps):
            counts = await self._purge(tenant_id, now, run)
            if counts:
                purged[tenant_id] = counts
        return purged

    async def _purge(self, tenant_id: TenantId, now: datetime, run: UUID) -> dict[str, int]:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            tenant = await tx.tenants.get(tenant_id)
            if tenant is None:  # purged since the list was read
                return {}
            policy = await retention_of(self._deps.entitlements, tx, tenant, now)
        counts: dict[str, int] = {}
        cutoffs: dict[str, str] = {}
        for kind, ended_before in policy.expiring(now):
            cutoffs[kind.value] = ended_before.isoformat()
            removed = await self._in_batches(
                partial(_purge_calls, tenant_id, kind, ended_before, now, self._batches.calls),
                tenant_id,
                self._batches.calls,
            )
            if removed:
                counts[kind.value] = removed
        transcripts_before = dict(policy.expiring(now)).get(ContentKind.TRANSCRIPT)
        if transcripts_before is not None and transcripts_before > now - self._inbox.settled:
            failed_before = now - self._inbox.failed
            removed = await self._in_batches(
                lambda tx: tx.inbox.purge(
                    tenant_id,
                    settled_before=transcripts_before,
                    failed_before=failed_before,
                    limit=self._inbox.batch,
                ),
                tenant_id,
                self._inbox.batch,
            )
            if removed:
                counts[INBOX_KIND] = removed
        if counts:
            async with self._deps.uows(tenant_id=tenant_id) as tx:
                await self._deps.audit(
                    tx,
                    SYSTEM,
                    "call_content.purged",
                    "call_content",
                    run,
                    tenant_id=tenant_id,
                    changes={"removed": counts, "ended_before": cutoffs},
                )
                await tx.commit()
        return counts

    async def _in_batches(
        self, purge: Callable[[UnitOfWork], Awaitable[int]], tenant_id: TenantId, batch: int
    ) -> int:
        """`purge(tx)` in transactions of their own until one removes less than `batch`."""
        total = 0
        while True:
            async with self._deps.uows(tenant_id=tenant_id) as tx:
                count = await purge(tx)
                await tx.commit()
            total += count
            if count < batch:
                return total

    async def erase_lead(
        self, principal: Principal, tenant_id: TenantId, lead_id: LeadId
    ) -> Erasure:
        """A data subject's erasure (owners and admins), in one transaction: the lead goes;
        its calls, and the tenant's calls to or from its number, lose their content and
        every trace of the person (the number called becomes `erased`, the caller's number,
        metadata and idempotency key go) but keep outcome, cost, duration and usage; the
        provider's messages about them or naming the person go; audit entries about them
        or naming the person keep who did what and when, without details; the tenant's
        finished exports, which held the person, go. A call of theirs still in progress
        is a conflict: erase once it has ended. Audited, with counts only."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.LEADS_ERASE, tenant_id, tx)
            lead = await lead_of(tx, tenant_id, lead_id)
            now = self._deps.clock.now()
            number = lead.phone.e164
            calls = await tx.calls.of_person(tenant_id, lead.id, number)
            busy = next((c for c in calls if not c.finished), None)
            if busy is not None:
                raise InvalidStateTransition(
                    f"call {busy.id} of this person is {busy.status.value}: erase once it "
                    "has ended",
                    field="status",
                )
            for call in calls:
                call.purge_content(now)
                call.forget_party(number, now)
            await tx.calls.save_many(calls)
            texts = [number, *([str(lead.email)] if lead.email else [])]
            messages = await tx.inbox.remove_mentioning(
                tenant_id, [c.vapi_call_id for c in calls if c.vapi_call_id], texts
            )
            subjects = [lead.id, *(c.id for c in calls)]
            redacted = await tx.audit.redact(tenant_id, subjects, texts)
            await tx.batch_items.forget_lead(tenant_id, lead.id)
            await tx.deliveries.forget_responses(tenant_id, subjects)
            exports = await self._remove_finished_exports(tx, tenant_id)
            await tx.leads.remove(lead)
            await self._deps.audit(
                tx,
                principal,
                "lead.erased",
                "lead",
                lead.id,
                tenant_id=tenant_id,
                changes={
                    "calls": len(calls),
                    "messages": messages,
                    "audit_entries": redacted,
                    "exports": exports,
                },
            )
            await tx.commit()
        log.info("lead erased", tenant_id=str(tenant_id), calls=len(calls), messages=messages)
        return Erasure(lead.id, now, len(calls), messages, redacted, exports)

    async def _remove_finished_exports(self, tx: UnitOfWork, tenant_id: TenantId) -> int:
        removed = 0
        page = PageRequest(limit=MAX_PAGE_SIZE)
        while True:
            found = await tx.exports.list(tenant_id, page)
            for export in found[: page.limit]:
                if export.status in (ExportStatus.READY, ExportStatus.FAILED):
                    await tx.exports.remove(export)
                    removed += 1
            if len(found) <= page.limit:
                return removed
            page = PageRequest(page.limit, export_position(found[page.limit - 1]))

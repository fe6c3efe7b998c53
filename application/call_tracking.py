"""The one path by which what the provider says about a call reaches it: the create
response, a webhook message and a polled call all end here, so they converge the same way."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from application.batch_tracking import follow_batch_call, follow_batch_calls
from application.entitlements import EntitlementCache
from application.events import call_progressed
from application.ports.ids import IdGenerator
from application.ports.unit_of_work import UnitOfWork
from domain.calls import (
    AiUsage,
    CallMilestones,
    EndOfCallReport,
    VoiceCall,
    advance,
    provider_status,
    record_provider_id,
    record_report,
    update_vapi_data,
)


@attrs.frozen
class CallPolicy:
    """How calls are rationed and watched (settings)."""

    provider_max_concurrent: int = 10
    """Calls on the line at once across every tenant: the provider account's limit."""
    tenant_max_concurrent: int | None = None
    """The most of those lines one tenant may hold at once, single calls and batches alike,
    so that one tenant never locks out the others; None: half the pool (at least one)."""
    reconcile_after: timedelta = timedelta(minutes=15)
    """A call not settled this long after it was placed is looked up at the provider."""
    report_grace: timedelta = timedelta(minutes=2)
    """How long after a call ended its report may take before the provider is asked."""
    recheck_every: timedelta = timedelta(minutes=5)
    """How often an unsettled call is looked up again."""

    @property
    def tenant_ceiling(self) -> int:
        if self.tenant_max_concurrent is not None:
            return min(self.tenant_max_concurrent, self.provider_max_concurrent)
        return max(1, self.provider_max_concurrent // 2)


@attrs.frozen
class ProviderNews:
    """What the provider said about one call, in any combination."""

    at: datetime
    provider_call_id: str | None = None
    status: str | None = None
    ended_reason: str | None = None
    report: EndOfCallReport | None = None
    data: dict[str, Any] | None = None
    """The provider's call record, kept as `vapi_data` (the seed's updateCallVAPIData)."""


@attrs.frozen
class _Absorbed:
    """What applying news to a call in memory changed, for the writes that follow."""

    call: VoiceCall
    at: datetime
    report: EndOfCallReport | None
    was_finished: bool
    first_report: bool
    before: CallMilestones
    """How far the call had gone when read (its tenant's webhooks announce the rest)."""

    @property
    def quiet(self) -> bool:
        """Nothing to write but the call and its batch item: no report, the call neither
        newly ended nor settled (a create's answer, most status updates)."""
        return not (self.first_report or self.call.settled or self.call.finished)


def _absorb(call: VoiceCall, news: ProviderNews) -> _Absorbed | None:
    """`news` applied to `call` in memory; None when it changed nothing."""
    was_finished, was_reported = call.finished, call.reported
    before = CallMilestones.of(call)
    changed = False
    if news.provider_call_id:
        changed |= record_provider_id(call, news.provider_call_id, news.at)
    status = provider_status(news.status) if news.status else None
    if status is not None:
        changed |= advance(call, status, news.at, ended_reason=news.ended_reason)
    reported_now = news.report is not None and record_report(call, news.report, news.at)
    changed |= reported_now
    if news.data is not None:
        changed |= update_vapi_data(call, news.data, news.at, final=reported_now)
    if not changed:
        return None
    first_report = reported_now and not was_reported
    return _Absorbed(call, news.at, news.report, was_finished, first_report, before)


async def apply_news(
    tx: UnitOfWork,
    ids: IdGenerator,
    policy: CallPolicy,
    call: VoiceCall,
    news: ProviderNews,
    *,
    usage: EntitlementCache,
) -> bool:
    """Apply `news` to `call` (read for update in `tx`); True when the call changed.

    The first report also writes the call's AI usage rows and marks its lead contacted;
    an ended call stops counting against concurrency, a settled one leaves the registry.
    """
    absorbed = _absorb(call, news)
    if absorbed is None:
        return False
    await tx.calls.save(call)
    await _after_save(tx, ids, policy, absorbed, usage)
    await call_moved(tx, ids, call, absorbed.before, news.at, reported_now=absorbed.first_report)
    return True


async def call_moved(
    tx: UnitOfWork,
    ids: IdGenerator,
    call: VoiceCall,
    before: CallMilestones,
    at: datetime,
    *,
    reported_now: bool = False,
) -> None:
    """What follows any saved change of `call` (locked in `tx`), whatever moved it: its batch
    item and batch move along, and the milestones it reached since `before` (as it was read)
    are announced to its tenant's webhooks."""
    await follow_batch_call(tx, ids, call, at, reported_now=reported_now)
    await call_progressed(tx, ids, call, before, at)


async def apply_news_many(
    tx: UnitOfWork,
    ids: IdGenerator,
    policy: CallPolicy,
    news_of_calls: Sequence[tuple[VoiceCall, ProviderNews]],
    *,
    usage: EntitlementCache,
) -> None:
    """`apply_news` of each (one tenant's calls, read for update in `tx`): the calls that
    need nothing but their own row and their batch item written (a round of a batch's
    create answers) are saved together, their items and batches too; the others one by
    one, as `apply_news` does."""
    quiet: list[_Absorbed] = []
    for call, news in news_of_calls:
        absorbed = _absorb(call, news)
        if absorbed is None:
            continue
        if absorbed.quiet:
            quiet.append(absorbed)
            continue
        await tx.calls.save(call)
        await _after_save(tx, ids, policy, absorbed, usage)
        await call_moved(
            tx, ids, call, absorbed.before, news.at, reported_now=absorbed.first_report
        )
    if quiet:
        await tx.calls.save_many([a.call for a in quiet])
        await follow_batch_calls(tx, ids, [a.call for a in quiet], max(a.at for a in quiet))
        for a in quiet:  # a create's answer may say the call is already on the line
            await call_progressed(tx, ids, a.call, a.before, a.at)


async def _after_save(
    tx: UnitOfWork,
    ids: IdGenerator,
    policy: CallPolicy,
    absorbed: _Absorbed,
    usage: EntitlementCache,
) -> None:
    call, at = absorbed.call, absorbed.at
    if absorbed.first_report and absorbed.report is not None:
        await _record_usage(tx, ids, call, absorbed.report, at)
        await _mark_lead_contacted(tx, call, at)
        usage.talk_time_changed(tx, call.tenant_id)  # the report brings the call's talk time
    if call.settled:
        await tx.live_calls.release(call.tenant_id, call.id)
    elif call.finished and not absorbed.was_finished:
        await tx.live_calls.hang_up(call.tenant_id, call.id, at + policy.report_grace)


async def _record_usage(
    tx: UnitOfWork, ids: IdGenerator, call: VoiceCall, report: EndOfCallReport, at: datetime
) -> None:
    occurred = call.ended_at or at
    await tx.ai_usage.add_many(
        [AiUsage(ids.new(), call.tenant_id, call.id, item, occurred) for item in report.usage]
    )


async def _mark_lead_contacted(tx: UnitOfWork, call: VoiceCall, at: datetime) -> None:
    if call.lead_id is None:
        return
    lead = await tx.leads.get(call.tenant_id, call.lead_id)
    if lead is not None:  # deleted meanwhile: the call keeps its history alone
        lead.mark_contacted(call.id, call.ended_at or at)
        await tx.leads.save(lead)

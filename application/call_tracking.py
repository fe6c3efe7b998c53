"""The one path by which what the provider says about a call reaches it: the create
response, a webhook message and a polled call all end here, so they converge the same way."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs

from application.batch_tracking import follow_batch_call
from application.ports.ids import IdGenerator
from application.ports.unit_of_work import UnitOfWork
from domain.calls import (
    AiUsage,
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


async def apply_news(
    tx: UnitOfWork, ids: IdGenerator, policy: CallPolicy, call: VoiceCall, news: ProviderNews
) -> bool:
    """Apply `news` to `call` (read for update in `tx`); True when the call changed.

    The first report also writes the call's AI usage rows and marks its lead contacted;
    an ended call stops counting against concurrency, a settled one leaves the registry.
    """
    was_finished, was_reported = call.finished, call.reported
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
        return False
    await tx.calls.save(call)
    if reported_now and not was_reported and news.report is not None:
        await _record_usage(tx, ids, call, news.report, news.at)
        await _mark_lead_contacted(tx, call, news.at)
    if call.settled:
        await tx.live_calls.release(call.tenant_id, call.id)
    elif call.finished and not was_finished:
        await tx.live_calls.hang_up(call.tenant_id, call.id, news.at + policy.report_grace)
    await follow_batch_call(tx, call, news.at, reported_now=reported_now and not was_reported)
    return True


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

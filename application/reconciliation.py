"""The reconciler: asks the provider about calls that should have settled by now.

Vapi sends its end-of-call report once, without retry, and a create may go unanswered: a
call not settled some time after it was placed is looked up (`GET /call/{id}`, or searched
by our id when its provider id was never learnt) and what is found is applied through the
same path as a webhook. Nothing stays "in progress" forever.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import attrs
import structlog

from application.call_tracking import CallPolicy, apply_news, call_moved
from application.calls import FIND_SLACK, news_of
from application.context import UseCaseDeps
from application.errors import (
    ConcurrencyConflict,
    DatabaseBusy,
    ProviderError,
    ServiceUnavailable,
)
from application.ports.calls import LiveCall
from application.ports.telephony import ProviderCall, TelephonyProvider
from domain.calls import CallDirection, CallMilestones, CallStatus, VoiceCall, advance, fail

log = structlog.get_logger(__name__)

SWEEP_PAGE = 100
# Calls looked up at once: each lookup is a round trip to the provider (0.1 to 0.5 s), and
# each check holds a pooled database connection for a moment. At 10 at once a sweep gets
# through thousands of calls a minute and leaves the pool to the API.
SWEEP_CONCURRENCY = 10
# Sweeps start every minute: one stops taking pages after this, so that they do not pile
# up; what is left is still due, and the next sweep takes it first.
SWEEP_BUDGET = timedelta(seconds=45)
GONE_AT_PROVIDER = "provider-has-no-record"


@attrs.define
class SweepReport:
    checked: int = 0
    settled: int = 0
    postponed: int = 0
    out_of_time: bool = False
    """The sweep stopped at its time budget with calls still due."""


class Reconciler:
    def __init__(
        self,
        deps: UseCaseDeps,
        provider: TelephonyProvider,
        policy: CallPolicy | None = None,
        *,
        concurrency: int = SWEEP_CONCURRENCY,
    ) -> None:
        self._deps = deps
        self._provider = provider
        self._policy = policy or CallPolicy()
        self._concurrency = concurrency

    async def sweep(
        self, page_size: int = SWEEP_PAGE, budget: timedelta = SWEEP_BUDGET
    ) -> SweepReport:
        """Check every call due when the sweep starts, whichever its tenant: the most overdue
        first, a page at a time, `concurrency` calls at once, until none is left or `budget`
        is spent (then `out_of_time`; the rest is still due). One call's failure never stops
        the others (it is postponed, and checked again `recheck_every` later): nor do rows of
        it that other work holds (DatabaseBusy). Only an unreachable database (any other
        ServiceUnavailable) ends the sweep, and the next one starts over."""
        report = SweepReport()
        started = self._deps.clock.now()
        slots = asyncio.Semaphore(self._concurrency)
        after: LiveCall | None = None
        while True:
            async with self._deps.uows() as tx:
                page = await tx.live_calls.due(started, page_size, after)
            await self._settle_all(page, slots, report)
            if len(page) < page_size:
                return report
            after = page[-1]
            if self._deps.clock.now() - started >= budget:
                report.out_of_time = True
                log.warning("reconcile_out_of_time", checked=report.checked, budget=str(budget))
                return report

    async def _settle_all(
        self, page: list[LiveCall], slots: asyncio.Semaphore, report: SweepReport
    ) -> None:
        checks = [asyncio.create_task(self._settle(live, slots, report)) for live in page]
        try:
            await asyncio.gather(*checks)
        except BaseException:
            # The database is gone (or the sweep is cancelled): the other checks stop too.
            for check in checks:
                check.cancel()
            await asyncio.gather(*checks, return_exceptions=True)
            raise

    async def _settle(self, live: LiveCall, slots: asyncio.Semaphore, report: SweepReport) -> None:
        async with slots:
            report.checked += 1
            try:
                settled = await self.check(live)
            except ProviderError as error:
                log.warning("reconcile_provider_error", call_id=str(live.call_id), error=str(error))
                settled = False
            except ConcurrencyConflict:
                settled = False  # a webhook got there first; look again next time
            except DatabaseBusy as error:
                # Other work holds this call's rows (a lead import, say): it waits for a
                # later sweep; the calls after it must not stall behind it.
                log.warning("reconcile_busy", call_id=str(live.call_id), error=error.message)
                settled = False
            except ServiceUnavailable:
                raise  # the database is unreachable: the next run starts over
            except Exception:
                # One call's bad data must not stop every other call from being checked.
                log.exception("reconcile_failed", call_id=str(live.call_id))
                settled = False
            if settled:
                report.settled += 1
            else:
                report.postponed += 1
                await self._postpone(live)

    async def _postpone(self, live: LiveCall) -> None:
        try:
            async with self._deps.uows(tenant_id=live.tenant_id) as tx:
                check_at = self._deps.clock.now() + self._policy.recheck_every
                await tx.live_calls.postpone(live.tenant_id, live.call_id, check_at)
                await tx.commit()
        except DatabaseBusy as error:
            # Its registry entry is held too: it stays due, and the next sweep takes it.
            log.warning("reconcile_postpone_busy", call_id=str(live.call_id), error=error.message)

    async def check(self, live: LiveCall) -> bool:
        """Look the call up at the provider and apply what it says; True once settled."""
        async with self._deps.uows(tenant_id=live.tenant_id) as tx:
            call = await tx.calls.get(live.tenant_id, live.call_id)
            line = (
                await tx.phone_numbers.get(live.tenant_id, call.from_number_id)
                if call is not None and call.from_number_id
                else None
            )
            if call is None or call.settled:
                await tx.live_calls.release(live.tenant_id, live.call_id)
                await tx.commit()
                return True
        found: ProviderCall | None
        if call.vapi_call_id is not None:
            found = await self._provider.get_call(call.vapi_call_id)
        elif call.direction is CallDirection.OUTBOUND and line is not None:
            found = await self._provider.find_call(call.id, line, call.created_at - FIND_SLACK)
        else:
            found = None
        return await self._record(call, found)

    async def _record(self, seen: VoiceCall, found: ProviderCall | None) -> bool:
        async with self._deps.uows(tenant_id=seen.tenant_id) as tx:
            call = await tx.calls.get_for_update(seen.tenant_id, seen.id)
            if call is None:
                return True
            now = self._deps.clock.now()
            before = CallMilestones.of(call)
            if found is not None:
                await apply_news(
                    tx,
                    self._deps.ids,
                    self._policy,
                    call,
                    news_of(found, now),
                    usage=self._deps.entitlements,
                )
            elif call.vapi_call_id is None and now - call.created_at < self._policy.reconcile_after:
                # Not found yet: the provider's list may lag its creates; look again later.
                await tx.commit()
                return False
            elif call.vapi_call_id is None:
                # Never reached the provider (or it kept nothing): it will never be placed.
                if fail(call, GONE_AT_PROVIDER, "the provider has no record of this call", now):
                    await tx.calls.save(call)
                    await call_moved(tx, self._deps.ids, call, before, now)
                await tx.live_calls.release(call.tenant_id, call.id)
            elif not call.finished and advance(
                call, CallStatus.ENDED, now, ended_reason=GONE_AT_PROVIDER
            ):
                # The provider forgot a call it had: it is over, with nothing to report.
                await tx.calls.save(call)
                await tx.live_calls.release(call.tenant_id, call.id)
                await call_moved(tx, self._deps.ids, call, before, now)
            else:
                await tx.live_calls.release(call.tenant_id, call.id)
            await tx.commit()
            settled = call.settled or found is None
        if not settled:
            log.info("reconcile_unsettled", call_id=str(call.id), status=call.status.value)
        return settled

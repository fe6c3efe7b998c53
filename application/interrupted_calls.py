"""Calls that end with the process carrying them (the sandbox's).

The sandbox plays its calls inside the serving process. When that process stops, its calls in
flight stop with it and no message about them will ever come: left alone, each would hold a
line of its tenant until the reconciler gave up on it. So every serving process holds a lease
while it runs; at start it ends the calls placed by instances whose lease no one holds, and at
a clean stop it ends its own. Calls of a process still running are never touched.
"""

from __future__ import annotations

from collections.abc import Collection

import structlog

from application.call_tracking import call_moved
from application.context import UseCaseDeps
from application.errors import ConcurrencyConflict, DatabaseBusy, ServiceUnavailable
from application.ports.calls import LiveCall
from application.ports.leases import ProcessLeases
from application.ports.telephony import ProcessBoundCalls
from domain.calls import CallMilestones, cut_off

log = structlog.get_logger(__name__)

SANDBOX_INTERRUPTED = "sandbox-interrupted"
INTERRUPTED_ERROR = (
    "the process playing this sandbox call stopped before the call ended; "
    "the sandbox keeps its calls only in the serving process"
)
_PAGE = 500


class InterruptedCalls:
    def __init__(
        self,
        deps: UseCaseDeps,
        calls: ProcessBoundCalls,
        leases: ProcessLeases,
    ) -> None:
        self._deps = deps
        self._calls = calls
        self._leases = leases

    async def start(self) -> int:
        """Take this process's lease (before it places any call), then settle the calls in
        flight of every instance proven gone, in their tenants' contexts; returns how many.

        Each is `ended` with `ended_reason` SANDBOX_INTERRUPTED and the reason in `error` (one
        never placed is `failed` alike), and leaves the registry: its line is free at once.
        One that had already ended only leaves the registry (its report will never come).
        """
        await self._leases.hold(self._calls.instance)
        placed = await self._placed_by_others()
        gone = await self._leases.gone({instance for _, instance in placed})
        ended = await self._end([live for live, instance in placed if instance in gone])
        if ended:
            log.warning(
                "sandbox calls of stopped processes ended",
                calls=ended,
                instances=sorted(gone),
                ended_reason=SANDBOX_INTERRUPTED,
            )
        return ended

    async def stop(self) -> int:
        """Settle this instance's own calls in flight as `start` settles those of a stopped
        one (call once the provider has stopped playing them), then let go of the lease;
        returns how many were settled."""
        try:
            own = [live for live, _ in await self._placed_by({self._calls.instance})]
            ended = await self._end(own)
        finally:
            await self._leases.release()
        if ended:
            log.info("sandbox calls ended on stop", calls=ended, ended_reason=SANDBOX_INTERRUPTED)
        return ended

    async def _placed_by_others(self) -> list[tuple[LiveCall, int]]:
        own = self._calls.instance
        return [(live, i) for live, i in await self._placed_by(None) if i != own]

    async def _placed_by(self, instances: Collection[int] | None) -> list[tuple[LiveCall, int]]:
        """The calls in flight placed by one of `instances` (None: by any instance)."""
        found: list[tuple[LiveCall, int]] = []
        after = None
        while True:
            async with self._deps.uows() as tx:  # the registry is readable in any context
                page = await tx.live_calls.in_flight(after, _PAGE)
            for live in page:
                async with self._deps.uows(tenant_id=live.tenant_id) as tx:
                    call = await tx.calls.get(live.tenant_id, live.call_id)
                if call is None or call.vapi_call_id is None:
                    continue  # not placed through a sandbox (yet): the reconciler's to settle
                instance = self._calls.placed_by(call.vapi_call_id)
                if instance is not None and (instances is None or instance in instances):
                    found.append((live, instance))
            if len(page) < _PAGE:
                return found
            after = page[-1].call_id

    async def _end(self, calls: list[LiveCall]) -> int:
        ended = 0
        for live in calls:
            try:
                ended += await self._end_one(live)
            except ConcurrencyConflict:
                continue  # a message changed it meanwhile: the reconciler will look again
            except DatabaseBusy as error:
                # Other work holds its rows: it stays in the registry for the next start (or
                # the reconciler); the other calls must not stay on the line behind it.
                log.warning("sandbox_call_busy", call_id=str(live.call_id), error=error.message)
            except ServiceUnavailable:
                raise  # the database is unreachable: nothing more can be ended now
            except Exception:
                # One call's bad data must not keep every other call on the line.
                log.exception("sandbox_call_not_ended", call_id=str(live.call_id))
        return ended

    async def _end_one(self, live: LiveCall) -> bool:
        async with self._deps.uows(tenant_id=live.tenant_id) as tx:
            call = await tx.calls.get_for_update(live.tenant_id, live.call_id)
            now = self._deps.clock.now()
            if call is not None:
                before = CallMilestones.of(call)
                if cut_off(call, SANDBOX_INTERRUPTED, INTERRUPTED_ERROR, now):
                    await tx.calls.save(call)
                    await call_moved(tx, self._deps.ids, call, before, now)
            await tx.live_calls.release(live.tenant_id, live.call_id)
            await tx.commit()
        return True

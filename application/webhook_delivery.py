"""Delivering a tenant's events to its webhook endpoints (the worker's part).

At least once: a delivery is taken for one attempt with a lease; a worker killed before it
records the outcome leaves it to be made again when the lease runs out, with the same
`webhook-id` for the receiver to deduplicate. One endpoint's deliveries about one call (or
batch) are made one after another, in the order the events happened; deliveries about
different subjects, and to different endpoints, go out side by side. An endpoint has at
most `per_endpoint` requests in flight in a worker, so a slow receiver holds that many of
the worker's slots and never the others'.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs
import structlog

from application.context import UseCaseDeps
from application.errors import ConcurrencyConflict, DatabaseBusy, ServiceUnavailable
from application.ports.unit_of_work import UnitOfWork
from application.ports.webhooks import (
    DueDelivery,
    EventPayloads,
    ReceiverAnswer,
    WebhookSender,
)
from domain.audit import SYSTEM
from domain.batches import Batch
from domain.calls import VoiceCall
from domain.ids import BatchId, CallId, WebhookDeliveryId, WebhookEndpointId
from domain.webhooks import (
    DeliveryAttempt,
    OutboundEvent,
    RetrySchedule,
    WebhookDelivery,
    failing_too_long,
    signature_header,
)

log = structlog.get_logger(__name__)

ENDPOINT_DISABLED = "the endpoint is disabled"
USER_AGENT = "voice-agent-webhooks/1"


@attrs.frozen
class DeliveryPolicy:
    schedule: RetrySchedule = attrs.field(factory=RetrySchedule)
    in_flight: int = 32
    """Requests in flight at once in one worker."""
    per_endpoint: int = 4
    """Of those, to one endpoint."""
    lease: timedelta = timedelta(seconds=60)
    """How long a delivery taken for an attempt stays with its worker: longer than the
    sender's time bound, so that it is made again only when that worker is gone."""


@attrs.define
class DeliveryReport:
    started: int = 0
    delivered: int = 0
    failed_attempts: int = 0


@attrs.frozen
class _Prepared:
    delivery: WebhookDelivery
    url: str
    headers: dict[str, str]
    body: bytes


class WebhookDeliverer:
    def __init__(
        self,
        deps: UseCaseDeps,
        sender: WebhookSender,
        payloads: EventPayloads,
        policy: DeliveryPolicy | None = None,
        spread: Callable[[], float] = random.random,
    ) -> None:
        self._deps = deps
        self._sender = sender
        self._payloads = payloads
        self._policy = policy or DeliveryPolicy()
        self._spread = spread
        # What this process has in flight, across runs: a run may end while its requests
        # are still out (their leases keep other workers off them).
        self._running: dict[WebhookDeliveryId, asyncio.Task[None]] = {}
        self._per_endpoint: Counter[WebhookEndpointId] = Counter()
        self.report = DeliveryReport()

    async def run(self, budget: timedelta, idle_pause: float = 0.5) -> DeliveryReport:
        """Start the deliveries due, as room allows, for `budget`; returns what was done
        meanwhile (requests still out finish on their own)."""
        self.report = DeliveryReport()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + budget.total_seconds()
        while loop.time() < deadline:
            try:
                started = await self.tick()
            except (DatabaseBusy, ConcurrencyConflict) as error:
                log.warning("webhook_round_busy", error=str(error))
                started = 0
            if not started:
                await asyncio.sleep(idle_pause)
        return self.report

    async def tick(self) -> int:
        """Start what is due and has room; how many deliveries were started."""
        room = self._policy.in_flight - len(self._running)
        if room <= 0:
            return 0
        full = [e for e, n in self._per_endpoint.items() if n >= self._policy.per_endpoint]
        async with self._deps.uows() as tx:
            due = await tx.deliveries.due(
                self._deps.clock.now(),
                room,
                per_endpoint=self._policy.per_endpoint,
                skip=full,
            )
        started = 0
        for item in due:
            if started >= room:
                break
            if item.delivery_id in self._running:
                continue
            if self._per_endpoint[item.endpoint_id] >= self._policy.per_endpoint:
                continue
            self._start(item)
            started += 1
        self.report.started += started
        return started

    async def drain(self) -> None:
        """Wait for the requests in flight (tests, and a worker stopping gently)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def stop(self) -> None:
        """Drop the requests in flight (the process is stopping): their leases bring them
        back to whichever worker runs next, with the same id."""
        for task in self._running.values():
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)

    def _start(self, item: DueDelivery) -> None:
        self._per_endpoint[item.endpoint_id] += 1
        task = asyncio.create_task(self._deliver(item))
        self._running[item.delivery_id] = task

        def done(_: asyncio.Task[None]) -> None:
            self._running.pop(item.delivery_id, None)
            self._per_endpoint[item.endpoint_id] -= 1
            if self._per_endpoint[item.endpoint_id] <= 0:
                del self._per_endpoint[item.endpoint_id]

        task.add_done_callback(done)

    async def _deliver(self, item: DueDelivery) -> None:
        try:
            prepared = await self._take(item)
            if prepared is None:
                return
            answer = await self._sender.send(prepared.url, prepared.headers, prepared.body)
            await self._record(item, prepared.delivery, answer)
        except ServiceUnavailable as error:
            # The lease brings it back once the database does.
            log.warning("webhook_delivery_unrecorded", error=error.message)
        except Exception:
            log.exception("webhook_delivery_crashed", delivery_id=str(item.delivery_id))

    async def _take(self, item: DueDelivery) -> _Prepared | None:
        """The delivery taken for one attempt, its request made ready; None when it is not
        due after all (another worker took it) or cannot be made (then it failed)."""
        async with self._deps.uows(tenant_id=item.tenant_id) as tx:
            now = self._deps.clock.now()
            if not await tx.deliveries.claim(
                item.tenant_id, item.delivery_id, now, now + self._policy.lease
            ):
                return None
            delivery = await tx.deliveries.get(item.tenant_id, item.delivery_id)
            endpoint = await tx.webhook_endpoints.get(item.tenant_id, item.endpoint_id)
            event = await tx.events.get(item.tenant_id, delivery.event_id) if delivery else None
            if delivery is None or event is None:
                await tx.commit()
                return None
            if endpoint is None or not endpoint.enabled:
                delivery.give_up(ENDPOINT_DISABLED)
                await tx.deliveries.save(delivery)
                await tx.commit()
                return None
            body = self._payloads.render(event, await _subject(tx, event))
            signing = endpoint.signing_secrets(now)
            await tx.commit()
        timestamp = int(now.timestamp())
        message_id = str(event.id)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(signing, message_id, timestamp, body),
        }
        return _Prepared(delivery, endpoint.url, headers, body)

    async def _record(
        self, item: DueDelivery, sent: WebhookDelivery, answer: ReceiverAnswer
    ) -> None:
        async with self._deps.uows(tenant_id=item.tenant_id) as tx:
            delivery = await tx.deliveries.get(item.tenant_id, item.delivery_id)
            if delivery is None:  # the endpoint was deleted meanwhile, its deliveries too
                return
            at = self._deps.clock.now()
            await tx.deliveries.add_attempt(
                DeliveryAttempt(
                    id=self._deps.ids.new(),
                    tenant_id=item.tenant_id,
                    delivery_id=delivery.id,
                    attempted_at=at,
                    latency_ms=answer.latency_ms,
                    status_code=answer.status_code,
                    response_excerpt=answer.excerpt,
                    error=answer.error,
                )
            )
            if answer.delivered:
                assert answer.status_code is not None
                delivery.succeeded(at, answer.status_code)
                await tx.deliveries.save(delivery)
                await tx.webhook_endpoints.note_delivered(item.tenant_id, item.endpoint_id)
                self.report.delivered += 1
            else:
                delivery.attempt_failed(
                    at,
                    answer.status_code,
                    answer.error or f"the receiver answered {answer.status_code}",
                    self._policy.schedule,
                    self._spread(),
                )
                await tx.deliveries.save(delivery)
                await self._note_failure(tx, item, at)
                self.report.failed_attempts += 1
            await tx.commit()
        log.info(
            "webhook_delivered" if answer.delivered else "webhook_attempt_failed",
            delivery_id=str(delivery.id),
            event_type=sent.event_type.value,
            status_code=answer.status_code,
            latency_ms=answer.latency_ms,
            attempts=delivery.attempts,
        )

    async def _note_failure(self, tx: UnitOfWork, item: DueDelivery, at: datetime) -> None:
        """An endpoint failing for longer than the schedule allows is turned off, its
        pending deliveries failed, and the tenant's audit log says so (once)."""
        since = await tx.webhook_endpoints.note_failed(item.tenant_id, item.endpoint_id, at)
        schedule = self._policy.schedule
        if not failing_too_long(since, at, schedule):
            return
        hours = schedule.disable_after.total_seconds() / 3600
        reason = f"every delivery failed for {hours:g} hours"
        if not await tx.webhook_endpoints.disable(item.tenant_id, item.endpoint_id, reason, at):
            return
        failed = await tx.deliveries.fail_pending(
            item.tenant_id, item.endpoint_id, ENDPOINT_DISABLED
        )
        await self._deps.audit(
            tx,
            SYSTEM,
            "endpoint.disabled",
            "webhook_endpoint",
            item.endpoint_id,
            tenant_id=item.tenant_id,
            changes={
                "reason": reason,
                "failing_since": since.isoformat() if since else None,
                "pending_failed": failed,
            },
        )
        log.warning("webhook_endpoint_disabled", endpoint_id=str(item.endpoint_id), reason=reason)


async def _subject(tx: UnitOfWork, event: OutboundEvent) -> VoiceCall | Batch | None:
    if event.subject_id is None:
        return None
    if event.type.value.startswith("call."):
        return await tx.calls.get(event.tenant_id, CallId(event.subject_id))
    if event.type.value.startswith("batch."):
        return await tx.batches.get(event.tenant_id, BatchId(event.subject_id))
    return None

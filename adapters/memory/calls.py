"""Calls, the calls in flight, their AI usage and the webhook inbox in memory."""

from __future__ import annotations

import asyncio
import builtins
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

import attrs

from adapters.memory.repositories import Overlay, owned, page_of, save_versioned
from application.entitlements import month_start
from application.errors import AlreadyExists
from application.pagination import PageRequest, Position
from application.ports.calls import (
    CallFilter,
    CallListItem,
    CallRoute,
    InboxEntry,
    InboxMessage,
    LiveCall,
    UsageGrouping,
    UsagePeriod,
    UsageQuery,
    UsageTotal,
)
from domain.calls import AiUsage, ContentKind, VoiceCall
from domain.ids import AgentId, CallId, LeadId, TenantId

if TYPE_CHECKING:
    from adapters.memory.unit_of_work import InMemoryUnitOfWork


def _call_matches(call: VoiceCall, where: CallFilter) -> bool:
    return (
        (where.agent_id is None or call.agent_id == where.agent_id)
        and (where.lead_id is None or call.lead_id == where.lead_id)
        and (where.status is None or call.status == where.status)
        and (where.batch_id is None or call.batch_id == where.batch_id)
        and (where.direction is None or call.direction == where.direction)
        and (where.created_from is None or call.created_at >= where.created_from)
        and (where.created_before is None or call.created_at < where.created_before)
        and (where.number is None or where.number.e164 in (call.to_number, call.caller_number))
    )


class InMemoryCallRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def add(self, call: VoiceCall) -> None:
        if call.idempotency_key is not None and await self.by_idempotency_key(
            call.tenant_id, call.idempotency_key
        ):
            raise AlreadyExists("call", "idempotency_key")
        self._o.put("calls", call.id, call)

    async def add_many(self, calls: Sequence[VoiceCall]) -> None:
        for call in calls:
            await self.add(call)

    async def get(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        return owned(self._o.get("calls", call_id), tenant_id)

    async def get_for_update(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        return await self.get(tenant_id, call_id)

    async def get_many_for_update(
        self, tenant_id: TenantId, call_ids: Sequence[CallId]
    ) -> list[VoiceCall]:
        found = [await self.get_for_update(tenant_id, call_id) for call_id in sorted(set(call_ids))]
        return [call for call in found if call is not None]

    async def save(self, call: VoiceCall) -> None:
        save_versioned(self._o, "calls", call, "call")

    async def save_many(self, calls: Sequence[VoiceCall]) -> None:
        for call in calls:
            await self.save(call)

    async def by_idempotency_key(self, tenant_id: TenantId, key: str) -> VoiceCall | None:
        return next(
            (
                c
                for c in self._o.rows("calls")
                if c.tenant_id == tenant_id and c.idempotency_key == key
            ),
            None,
        )

    async def of_lead(
        self, tenant_id: TenantId, lead_id: LeadId, page: PageRequest
    ) -> list[CallListItem]:
        return await self.list(tenant_id, CallFilter(lead_id=lead_id), page)

    async def exist_for_agent(self, tenant_id: TenantId, agent_id: AgentId) -> bool:
        return any(
            c.tenant_id == tenant_id and c.agent_id == agent_id for c in self._o.rows("calls")
        )

    async def seconds_since(self, tenant_id: TenantId, since: datetime) -> int:
        return sum(
            c.call_duration or 0
            for c in self._o.rows("calls")
            if c.tenant_id == tenant_id and c.created_at >= since
        )

    async def average_talk_since(self, tenant_id: TenantId, since: datetime) -> float | None:
        talks = [
            c.call_duration
            for c in self._o.rows("calls")
            if c.tenant_id == tenant_id and c.created_at >= since and (c.call_duration or 0) > 0
        ]
        return sum(talks) / len(talks) if talks else None

    async def route(self, route: CallRoute) -> tuple[TenantId, CallId] | None:
        calls: list[VoiceCall] = self._o.rows("calls")
        # Our id first, as in PostgreSQL.
        found = next((c for c in calls if route.call_id and c.id == route.call_id), None) or next(
            (
                c
                for c in calls
                if route.provider_call_id and c.vapi_call_id == route.provider_call_id
            ),
            None,
        )
        return (found.tenant_id, found.id) if found else None

    async def list(
        self, tenant_id: TenantId, where: CallFilter, page: PageRequest
    ) -> list[CallListItem]:
        rows = [
            c for c in self._o.rows("calls") if c.tenant_id == tenant_id and _call_matches(c, where)
        ]
        page_rows = page_of(rows, page, lambda c: Position(c.created_at, c.id), newest_first=True)
        return [CallListItem.of(c) for c in page_rows]

    async def purge_expired(
        self,
        tenant_id: TenantId,
        kind: ContentKind,
        ended_before: datetime,
        at: datetime,
        limit: int,
    ) -> int:
        def due(c: VoiceCall) -> bool:
            return (
                c.tenant_id == tenant_id
                and c.finished
                and (c.ended_at or c.created_at) < ended_before
                and c.holds(kind)
            )

        oldest_first = sorted(
            self._o.rows_where("calls", due), key=lambda c: c.ended_at or c.created_at
        )
        for call in oldest_first[:limit]:
            call.purge([kind], at)
            await self.save(call)
        return len(oldest_first[:limit])

    async def stop_storing_content(self, tenant_id: TenantId, at: datetime) -> int:
        found = self._o.rows_where(
            "calls", lambda c: c.tenant_id == tenant_id and not c.finished and c.content_stored
        )
        for call in found:
            call.stop_storing_content(at)
            await self.save(call)
        return len(found)

    async def of_person(
        self, tenant_id: TenantId, lead_id: LeadId, number: str
    ) -> builtins.list[VoiceCall]:
        found = self._o.rows_where(
            "calls",
            lambda c: (
                c.tenant_id == tenant_id
                and (c.lead_id == lead_id or number in (c.to_number, c.caller_number))
            ),
        )
        return sorted(found, key=lambda c: c.id)


class InMemoryLiveCallRegistry:
    def __init__(self, overlay: Overlay, unit: InMemoryUnitOfWork) -> None:
        self._o = overlay
        self._unit = unit

    async def lock(self) -> None:
        await self._unit.hold_lock(self._unit.db.placement_lock)

    async def hold(self, live: LiveCall) -> None:
        if self._o.get("live_calls", live.call_id) is None:
            self._o.put("live_calls", live.call_id, live)

    async def hold_many(self, lives: Sequence[LiveCall]) -> None:
        for live in lives:
            await self.hold(live)

    def _owned(self, tenant_id: TenantId, call_id: CallId) -> LiveCall | None:
        return owned(self._o.get("live_calls", call_id), tenant_id)

    async def hang_up(self, tenant_id: TenantId, call_id: CallId, check_at: datetime) -> None:
        live = self._owned(tenant_id, call_id)
        if live is not None:
            self._o.put(
                "live_calls",
                call_id,
                attrs.evolve(live, on_line=False, check_at=min(live.check_at, check_at)),
            )

    async def release(self, tenant_id: TenantId, call_id: CallId) -> None:
        if self._owned(tenant_id, call_id) is not None:
            self._o.delete("live_calls", call_id)

    async def postpone(self, tenant_id: TenantId, call_id: CallId, check_at: datetime) -> None:
        live = self._owned(tenant_id, call_id)
        if live is not None:
            self._o.put("live_calls", call_id, attrs.evolve(live, check_at=check_at))

    async def count(self, tenant_id: TenantId | None = None) -> int:
        return sum(
            1
            for live in self._o.rows("live_calls")
            if live.on_line and (tenant_id is None or live.tenant_id == tenant_id)
        )

    async def on_line(self, tenant_id: TenantId) -> tuple[int, int]:
        return await self.count(), await self.count(tenant_id)

    async def lock_and_count(self, tenant_id: TenantId) -> tuple[int, int]:
        await self.lock()
        return await self.on_line(tenant_id)

    async def due(self, at: datetime, limit: int, after: LiveCall | None = None) -> list[LiveCall]:
        def is_due(live: LiveCall) -> bool:
            return live.check_at <= at and (
                after is None or (live.check_at, live.call_id) > (after.check_at, after.call_id)
            )

        due = self._o.rows_where("live_calls", is_due)
        return sorted(due, key=lambda live: (live.check_at, live.call_id))[:limit]

    async def in_flight(self, after: CallId | None, limit: int) -> list[LiveCall]:
        rows = [r for r in self._o.rows("live_calls") if after is None or r.call_id > after]
        return sorted(rows, key=lambda live: live.call_id)[:limit]


class InMemoryAiUsageRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def add_many(self, rows: Sequence[AiUsage]) -> None:
        for row in rows:
            self._o.put("ai_usage", row.id, row)

    async def of_call(self, tenant_id: TenantId, call_id: CallId) -> list[AiUsage]:
        rows = [
            u for u in self._o.rows("ai_usage") if u.tenant_id == tenant_id and u.call_id == call_id
        ]
        return sorted(rows, key=lambda u: u.id)

    async def totals(self, tenant_id: TenantId, query: UsageQuery) -> list[UsageTotal]:
        cost_of: dict[CallId, Decimal] = {}
        for u in self._o.rows("ai_usage"):
            if u.tenant_id == tenant_id:
                cost_of[u.call_id] = cost_of.get(u.call_id, Decimal(0)) + u.item.cost
        groups: dict[tuple[Any, ...], list[VoiceCall]] = {}
        for c in self._o.rows("calls"):
            if c.tenant_id != tenant_id or not query.start <= c.created_at < query.end:
                continue
            key = (_period_start(c.created_at, query.period), *_usage_group(c, query.by))
            groups.setdefault(key, []).append(c)
        totals = [
            UsageTotal(
                period_start=key[0],
                calls=len(calls),
                seconds=sum(c.call_duration or 0 for c in calls),
                cost=sum((cost_of.get(c.id, Decimal(0)) for c in calls), Decimal(0)),
                agent_id=key[1] if query.by is UsageGrouping.AGENT else None,
                batch_id=key[1] if query.by is UsageGrouping.BATCH else None,
            )
            for key, calls in groups.items()
        ]
        return sorted(
            totals,
            key=lambda t: (
                t.period_start,
                (t.agent_id or t.batch_id) is None,
                str(t.agent_id or t.batch_id or ""),
            ),
        )


def _period_start(at: datetime, period: UsagePeriod) -> datetime:
    if period is UsagePeriod.MONTH:
        return month_start(at)
    return at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _usage_group(call: VoiceCall, by: UsageGrouping | None) -> tuple[Any, ...]:
    if by is UsageGrouping.AGENT:
        return (call.agent_id,)
    if by is UsageGrouping.BATCH:
        return (call.batch_id,)
    return ()


class InMemoryWebhookInbox:
    def __init__(self, overlay: Overlay, unit: InMemoryUnitOfWork) -> None:
        self._o = overlay
        self._unit = unit

    async def purge(
        self,
        tenant_id: TenantId | None,
        *,
        settled_before: datetime,
        failed_before: datetime,
        limit: int,
    ) -> int:
        def due(m: InboxMessage) -> bool:
            return (
                m.tenant_id == tenant_id
                and m.received_at < settled_before
                and (m.processed_at is not None or m.received_at < failed_before)
            )

        gone = self._o.rows_where("inbox", due)[:limit]
        for message in gone:
            self._o.delete("inbox", message.id)
        return len(gone)

    async def remove_mentioning(
        self, tenant_id: TenantId, provider_call_ids: Sequence[str], texts: Sequence[str]
    ) -> int:
        def mentions(m: InboxMessage) -> bool:
            if m.tenant_id != tenant_id:
                return False
            written = json.dumps(m.payload, ensure_ascii=False)
            return m.provider_call_id in provider_call_ids or any(t in written for t in texts)

        gone = self._o.rows_where("inbox", mentions)
        for message in gone:
            self._o.delete("inbox", message.id)
        return len(gone)

    async def add(self, message: InboxMessage) -> bool:
        # Like the unique index: a second delivery waits for the first to end.
        lock = self._unit.db.dedupe_locks.setdefault(message.dedupe_key, asyncio.Lock())
        await self._unit.hold_lock(lock)
        if any(m.dedupe_key == message.dedupe_key for m in self._o.rows("inbox")):
            return False
        self._o.put("inbox", message.id, message)
        return True

    async def recent(
        self,
        tenant_id: TenantId | None,
        page: PageRequest,
        *,
        failed: bool = False,
        since: datetime | None = None,
    ) -> list[InboxEntry]:
        def kept(m: InboxMessage) -> bool:
            return (
                m.tenant_id == tenant_id
                and (not failed or (m.processed_at is None and m.error is not None))
                and (since is None or m.received_at >= since)
            )

        rows = page_of(
            self._o.rows_where("inbox", kept),
            page,
            lambda m: Position(m.received_at, m.id),
            newest_first=True,
        )
        return [InboxEntry.of(m) for m in rows]

    async def get(self, tenant_id: TenantId | None, message_id: UUID) -> InboxMessage | None:
        message: InboxMessage | None = self._o.get("inbox", message_id)
        return message if message is not None and message.tenant_id == tenant_id else None

    async def get_for_update(
        self, tenant_id: TenantId | None, message_id: UUID
    ) -> InboxMessage | None:
        await self._unit.lock_row("inbox", message_id)
        return await self.get(tenant_id, message_id)

    async def save(self, message: InboxMessage) -> None:
        stored: InboxMessage | None = self._o.get("inbox", message.id)
        if stored is None or stored.tenant_id != message.tenant_id:
            return  # as an UPDATE of a row the context cannot see: nothing
        changed = attrs.evolve(stored, processed_at=message.processed_at, error=message.error)
        self._o.put("inbox", message.id, changed)

    async def remove(self, message: InboxMessage) -> None:
        stored: InboxMessage | None = self._o.get("inbox", message.id)
        if stored is not None and stored.tenant_id == message.tenant_id:
            self._o.delete("inbox", message.id)

    async def list(self, tenant_id: TenantId | None, page: PageRequest) -> list[InboxMessage]:
        rows = [m for m in self._o.rows("inbox") if m.tenant_id == tenant_id]
        return page_of(rows, page, lambda m: Position(m.received_at, m.id))

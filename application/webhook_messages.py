"""The provider's webhook messages kept in the inbox: listed, and replayed when they failed
to apply.

A message that could not be applied when it came (a bug, a busy database, a call that kept
changing) is kept with `error` set and no `processed_at` (application.call_events): Vapi does
not send it again. Once the cause is gone, a platform admin replays it: the stored payload is
read again by the provider's parser, routed to its call and applied through the same path as
a live message, and the message is marked processed in the same transaction.

The inbox is under row-level security, one tenant (or none) at a time: every read and write
here opens its unit of work in the message's tenant, or in no tenant's context for the
messages about no call of ours; "every tenant" is each tenant in turn, then none.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

import attrs
import structlog

from application.access import Principal, require_platform_admin
from application.call_events import (
    InboundCallRequest,
    ProviderEvents,
    ProviderMessage,
    ToolCallRequest,
    apply_or_keep,
)
from application.context import UseCaseDeps, every_tenant_id
from application.errors import ConcurrencyConflict, NotFound
from application.pagination import MAX_PAGE_SIZE, Page, PageRequest, Position
from application.ports.calls import InboxEntry, InboxMessage
from application.ports.unit_of_work import UnitOfWork
from domain.audit import SYSTEM
from domain.ids import CallId, TenantId

log = structlog.get_logger(__name__)

NO_CALL = "about no call of ours: nothing to apply it to"
ANSWERED_LIVE = "asks for an answer while the call rings: a replay cannot give it"
UNREADABLE = "the stored message cannot be read"


class MessageReader(Protocol):
    """The provider's parser (adapters.vapi.messages.read_message): a stored payload read
    again as a live message would be; ValueError when it is no message of the provider's."""

    def __call__(self, payload: Any, received_at: datetime) -> ProviderMessage: ...


class ReplayOutcome(enum.StrEnum):
    APPLIED = "applied"
    """Applied to its call and marked processed (the call may already have been ahead)."""
    STILL_FAILING = "still_failing"
    """Not applied: kept failed, with the new reason in `error`."""
    ALREADY_PROCESSED = "already_processed"
    """Processed before: nothing was done."""


@attrs.frozen
class Replay:
    """What one replay did, and the message as it stands after it."""

    message: InboxEntry
    outcome: ReplayOutcome
    call_changed: bool = False
    """The message moved its call (False when the call already knew what it says)."""


@attrs.frozen
class ReplayTally:
    """What replaying the failed messages since a time did."""

    replayed: int = 0
    applied: int = 0
    still_failing: int = 0

    def plus(self, replay: Replay) -> ReplayTally:
        if replay.outcome is ReplayOutcome.ALREADY_PROCESSED:
            return self  # processed by a replay running beside this one
        return ReplayTally(
            self.replayed + 1,
            self.applied + (replay.outcome is ReplayOutcome.APPLIED),
            self.still_failing + (replay.outcome is ReplayOutcome.STILL_FAILING),
        )


def inbox_position(entry: InboxEntry) -> Position:
    return Position(entry.received_at, entry.id)


class _Settled(Exception):
    """A replay's transaction found nothing left to do (rolled back; the replay is this)."""

    def __init__(self, replay: Replay) -> None:
        super().__init__(replay.outcome.value)
        self.replay = replay


@attrs.frozen
class InboxRetention:
    """How long the provider's messages are kept: those applied (or about no call of ours)
    for `settled`; those that failed to apply until they are replayed, or for `failed`."""

    settled: timedelta = timedelta(days=30)
    failed: timedelta = timedelta(days=90)
    batch: int = 5_000
    """Messages deleted a transaction: no long lock, whatever piled up."""


class WebhookMessages:
    def __init__(
        self,
        deps: UseCaseDeps,
        events: ProviderEvents,
        reader: MessageReader,
        retention: InboxRetention | None = None,
    ) -> None:
        self._deps = deps
        self._events = events
        self._read = reader
        self._retention = retention or InboxRetention()

    async def purge_kept(self) -> dict[TenantId | None, int]:
        """One pass over every tenant's kept messages and those of no tenant: the messages
        past their time go, a batch a transaction; each tenant's count is audited (a
        platform-level entry for those of no tenant). The counts by tenant, where some went."""
        now = self._deps.clock.now()
        run = self._deps.ids.new()
        removed: dict[TenantId | None, int] = {}
        tenants: list[TenantId | None] = [None, *await every_tenant_id(self._deps)]
        for tenant_id in tenants:
            count = await self._purge(tenant_id, now, run)
            if count:
                removed[tenant_id] = count
        return removed

    async def _purge(self, tenant_id: TenantId | None, now: datetime, run: UUID) -> int:
        keep = self._retention
        settled_before, failed_before = now - keep.settled, now - keep.failed
        total = 0
        while True:
            async with self._deps.uows(tenant_id=tenant_id) as tx:
                count = await tx.inbox.purge(
                    tenant_id,
                    settled_before=settled_before,
                    failed_before=failed_before,
                    limit=keep.batch,
                )
                total += count
                done = count < keep.batch
                if done and total:
                    await self._deps.audit(
                        tx,
                        SYSTEM,
                        "webhook_messages.purged",
                        "webhook_inbox",
                        run,
                        tenant_id=tenant_id,
                        changes={
                            "removed": total,
                            "settled_before": settled_before.isoformat(),
                            "failed_before": failed_before.isoformat(),
                        },
                    )
                await tx.commit()
            if done:
                return total

    async def list_messages(
        self,
        principal: Principal,
        tenant_id: TenantId | None,
        page: PageRequest,
        *,
        failed: bool = False,
    ) -> Page[InboxEntry]:
        """The tenant's kept messages (None: those about no call of ours), newest received
        first, without their payloads; `failed`: only those that failed to apply. Platform
        admins only; NotFound for an unknown tenant."""
        require_platform_admin(principal)
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await _known_tenant(tx, tenant_id)
            rows = await tx.inbox.recent(tenant_id, page, failed=failed)
        return Page.from_rows(rows, page, inbox_position)

    async def replay(
        self, principal: Principal, tenant_id: TenantId | None, message_id: UUID
    ) -> Replay:
        """Apply one kept message again, as if it had just come (platform admins only).

        A message already processed is left as it is (ALREADY_PROCESSED); so is one a
        concurrent replay processes first: a message is applied once however often it is
        replayed. Otherwise its stored payload is read by the provider's parser, routed to
        its call, the call locked and the news applied, and the message marked processed
        (`processed_at` set, `error` cleared) in the same transaction (APPLIED); a message of
        no tenant whose call is now found moves into the call's tenant. When it still cannot
        be applied (no call of ours, a message that only a live answer serves, the same
        failure again), it stays failed with the new reason (STILL_FAILING). Each replay
        that changes the message is audited, without the message's contents. NotFound for an
        unknown tenant or a message the tenant (None: no tenant) does not have;
        ServiceUnavailable when the database cannot be reached (nothing changed)."""
        require_platform_admin(principal)
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await _known_tenant(tx, tenant_id)
            stored = await tx.inbox.get(tenant_id, message_id)
        if stored is None:
            raise NotFound("webhook message", message_id)
        return await self._replay(principal, stored)

    async def replay_failed(
        self, principal: Principal, since: datetime, tenant_id: TenantId | None = None
    ) -> ReplayTally:
        """Replay (as `replay`) every message received at or after `since` that failed to
        apply: the tenant's, or (None) every tenant's and those of no tenant, newest first.
        Platform admins only; NotFound for an unknown tenant."""
        require_platform_admin(principal)
        if tenant_id is not None:
            async with self._deps.uows(tenant_id=tenant_id) as tx:
                await _known_tenant(tx, tenant_id)
            scopes: Sequence[TenantId | None] = [tenant_id]
        else:
            scopes = [*await self._tenant_ids(), None]
        tally = ReplayTally()
        for scope in scopes:
            tally = await self._replay_failed_of(principal, scope, since, tally)
        return tally

    async def _tenant_ids(self) -> list[TenantId]:
        ids: list[TenantId] = []
        page = PageRequest(MAX_PAGE_SIZE)
        while True:
            async with self._deps.uows() as tx:
                tenants = await tx.tenants.list(page)
            ids += [t.id for t in tenants[: page.limit]]
            if len(tenants) <= page.limit:
                return ids
            last = tenants[page.limit - 1]
            page = PageRequest(page.limit, Position(last.created_at, last.id))

    async def _replay_failed_of(
        self, principal: Principal, scope: TenantId | None, since: datetime, tally: ReplayTally
    ) -> ReplayTally:
        page = PageRequest(MAX_PAGE_SIZE)
        while True:
            # A page at a time, each message in a transaction of its own: the pages follow
            # the keyset, so messages processed meanwhile neither shift nor repeat them.
            async with self._deps.uows(tenant_id=scope) as tx:
                rows = await tx.inbox.recent(scope, page, failed=True, since=since)
            for entry in rows[: page.limit]:
                # Each read with its payload only when its turn comes: a page of reports
                # with their transcripts is never held in memory at once.
                async with self._deps.uows(tenant_id=scope) as tx:
                    stored = await tx.inbox.get(scope, entry.id)
                if stored is not None:
                    tally = tally.plus(await self._replay(principal, stored))
            if len(rows) <= page.limit:
                return tally
            page = PageRequest(page.limit, inbox_position(rows[page.limit - 1]))

    async def _replay(self, principal: Principal, stored: InboxMessage) -> Replay:
        if stored.processed_at is not None:
            return Replay(InboxEntry.of(stored), ReplayOutcome.ALREADY_PROCESSED)
        try:
            message = self._read(stored.payload, stored.received_at)
        except ValueError as error:
            return await self._fail(principal, stored, f"{UNREADABLE}: {error}")
        if isinstance(message.event, (InboundCallRequest, ToolCallRequest)):
            # Why it failed when it came (no room on the line, say) is kept beside why a
            # replay cannot help.
            reason = f"the {message.type} message {ANSWERED_LIVE}"
            if stored.error and reason in stored.error:
                reason = stored.error  # replayed before: said already
            elif stored.error:
                reason = f"{stored.error}; {reason}"
            return await self._fail(principal, stored, reason)

        async def apply() -> Replay:
            try:
                return await self._apply(principal, stored, message)
            except _Settled as settled:
                return settled.replay

        async def keep(error: str) -> Replay:
            return await self._fail(principal, stored, error)

        return await apply_or_keep(apply, keep, "webhook_replay_not_applied", stored.type)

    async def _apply(
        self, principal: Principal, stored: InboxMessage, message: ProviderMessage
    ) -> Replay:
        """Route, lock, apply and mark processed, in one transaction, as a live message is."""
        if stored.tenant_id is not None:
            async with self._deps.uows(tenant_id=stored.tenant_id) as tx:
                locked = await _locked(tx, stored)
                found = await tx.calls.route(message.route)
                if found is None or found[0] != stored.tenant_id:
                    return await self._keep_failed(tx, principal, locked, NO_CALL)
                return await self._applied(tx, principal, locked, found[1], message)
        # About no call of ours when it came, or failed before its call was found: routed as
        # a live message is, the routing context finding the call in whichever tenant.
        async with self._deps.uows(call_route=message.route, entering=True) as tx:
            found = await tx.enter_routed_call(message.route)
            await tx.switch_tenant(None)
            locked = await _locked(tx, stored)
            if found is None:
                return await self._keep_failed(tx, principal, locked, NO_CALL)
            tenant_id, call_id = found
            # Kept again in the call's tenant, where a live message about it is kept.
            await tx.inbox.remove(locked)
            await tx.switch_tenant(tenant_id)
            moved = attrs.evolve(locked, tenant_id=tenant_id)
            if not await tx.inbox.add(moved):
                raise ConcurrencyConflict("webhook message", stored.id)
            return await self._applied(tx, principal, moved, call_id, message)

    async def _applied(
        self,
        tx: UnitOfWork,
        principal: Principal,
        locked: InboxMessage,
        call_id: CallId,
        message: ProviderMessage,
    ) -> Replay:
        assert locked.tenant_id is not None
        changed = await self._events.apply_to_call(tx, locked.tenant_id, call_id, message)
        done = attrs.evolve(locked, processed_at=self._deps.clock.now(), error=None)
        await tx.inbox.save(done)
        await self._audit(tx, principal, done, ReplayOutcome.APPLIED, call_changed=changed)
        await tx.commit()
        return Replay(InboxEntry.of(done), ReplayOutcome.APPLIED, call_changed=changed)

    async def _keep_failed(
        self, tx: UnitOfWork, principal: Principal, locked: InboxMessage, error: str
    ) -> Replay:
        kept = attrs.evolve(locked, error=error)
        await tx.inbox.save(kept)
        await self._audit(tx, principal, kept, ReplayOutcome.STILL_FAILING)
        await tx.commit()
        return Replay(InboxEntry.of(kept), ReplayOutcome.STILL_FAILING)

    async def _fail(self, principal: Principal, stored: InboxMessage, error: str) -> Replay:
        """Keep the message failed with the new reason, in a transaction of its own."""
        try:
            async with self._deps.uows(tenant_id=stored.tenant_id) as tx:
                locked = await _locked(tx, stored)
                return await self._keep_failed(tx, principal, locked, error)
        except _Settled as settled:
            return settled.replay

    async def _audit(
        self,
        tx: UnitOfWork,
        principal: Principal,
        message: InboxMessage,
        outcome: ReplayOutcome,
        *,
        call_changed: bool = False,
    ) -> None:
        # What happened, never what the message says (transcripts, numbers) nor the error,
        # which may quote it: the message itself is kept in the inbox.
        await self._deps.audit(
            tx,
            principal,
            "webhook_message.replayed",
            "webhook_message",
            message.id,
            tenant_id=message.tenant_id,
            changes={"type": message.type, "outcome": outcome.value, "call_changed": call_changed},
        )


async def _known_tenant(tx: UnitOfWork, tenant_id: TenantId | None) -> None:
    if tenant_id is not None and await tx.tenants.get(tenant_id) is None:
        raise NotFound("tenant", tenant_id)


async def _locked(tx: UnitOfWork, stored: InboxMessage) -> InboxMessage:
    """The stored message, locked for this transaction; _Settled when another replay has
    processed it meanwhile (or moved it into its call's tenant)."""
    locked = await tx.inbox.get_for_update(stored.tenant_id, stored.id)
    if locked is None:
        raise _Settled(Replay(InboxEntry.of(stored), ReplayOutcome.ALREADY_PROCESSED))
    if locked.processed_at is not None:
        raise _Settled(Replay(InboxEntry.of(locked), ReplayOutcome.ALREADY_PROCESSED))
    return locked

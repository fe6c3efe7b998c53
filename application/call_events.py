"""What the telephony provider tells us (its webhook messages), stored and applied.

Every message is kept in the webhook inbox, once per dedupe key, in the same transaction
that applies it to its call; a message about no call of ours, of a type we do not handle,
that cannot be applied, or whose call's rows are busy past the database's bounds is kept too
(with the reason), and acknowledged. The provider's
wire format is parsed by its adapter into the types below.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import attrs
import structlog

from application.call_tracking import CallPolicy, ProviderNews, apply_news
from application.calls import require_line
from application.context import UseCaseDeps
from application.entitlements import entitlements_of, keeping_of
from application.errors import (
    ConcurrencyConflict,
    DatabaseBusy,
    ProviderBusy,
    ServiceUnavailable,
)
from application.phone_resolution import InboundRoute, PhoneResolver
from application.ports.calls import CallRoute, InboxMessage, LiveCall
from application.ports.unit_of_work import UnitOfWork
from domain.agents import VoiceAgent
from domain.calls import CallDirection, CallStatus, EndOfCallReport, Keeping, VoiceCall
from domain.errors import DomainError
from domain.ids import CallId, LeadId, TenantId
from domain.phones import PhoneNumber
from domain.plans import EntitlementExceeded
from domain.voices import Voice

log = structlog.get_logger(__name__)

PROVIDER = "vapi"
APPLY_ATTEMPTS = 3
T = TypeVar("T")


@attrs.define
class _Routed:
    """The tenant a message was found to be about, once known (for keeping it on failure)."""

    tenant_id: TenantId | None = None


@attrs.frozen
class StatusChanged:
    status: str
    ended_reason: str | None = None


@attrs.frozen
class CallReported:
    report: EndOfCallReport


@attrs.frozen
class InboundCallRequest:
    """The provider asks which assistant answers a call to one of our numbers."""

    called: str | None
    caller: str | None
    provider_number_id: str | None = None
    """The provider's id for the called line, used when the number is not given."""


@attrs.frozen
class ToolCall:
    id: str
    name: str


@attrs.frozen
class ToolCallRequest:
    calls: tuple[ToolCall, ...]


Event = StatusChanged | CallReported | InboundCallRequest | ToolCallRequest


@attrs.frozen
class ProviderMessage:
    """One webhook message, parsed: its type, what identifies it, and what it says."""

    type: str
    dedupe_key: str
    payload: dict[str, Any]
    """The message as it came, stored in the inbox."""
    at: datetime
    route: CallRoute
    event: Event | None = None
    """None for types that change nothing here (stored and acknowledged)."""
    call_data: dict[str, Any] | None = None
    """The provider's call record in the message, when it is final (the report's)."""


@attrs.frozen
class Acknowledged:
    stored: bool
    """False when the message was a duplicate (nothing stored or applied again)."""
    applied: bool = False


@attrs.frozen
class InboundAnswer:
    """The assistant that answers an inbound call."""

    call_id: CallId
    tenant_id: TenantId
    agent: VoiceAgent
    voice: Voice | None
    lead_id: LeadId | None
    record: bool = True
    """Whether the provider may record the call (the tenant's plan has `recordings`)."""
    private: bool = False
    """Whether the provider is to keep nothing of the call (the tenant stores no
    transcripts): Vapi's HIPAA mode."""


@attrs.frozen
class InboundRefusal:
    """What the caller is told when no assistant may answer."""

    message: str


@attrs.frozen
class ToolResults:
    results: tuple[tuple[ToolCall, str], ...]
    """Each tool call with the error returned for it (no tools are offered yet)."""


Answer = Acknowledged | InboundAnswer | InboundRefusal | ToolResults

NOT_IN_SERVICE = "Sorry, this number is not in service."
NOT_AVAILABLE = "Sorry, nobody can take your call right now. Please try again later."
NO_TOOLS = "no tools are available to this assistant"


async def apply_or_keep(
    apply: Callable[[], Awaitable[T]],
    keep: Callable[[str], Awaitable[T]],
    log_event: str,
    message_type: str,
) -> T:
    """`apply()`, the one policy for a provider's message, live or replayed: a conflict is
    tried again (APPLY_ATTEMPTS in all); what cannot be applied is kept, with why, by
    `keep(reason)` for a replay after a fix (Vapi does not send a message again). A busy
    database (other work holds the call's rows, a lead import say) is one such reason: the
    reconciler brings the call's final state from the provider later. Only an unreachable
    database is raised (ServiceUnavailable: nothing can be kept)."""
    for attempt in range(1, APPLY_ATTEMPTS + 1):
        try:
            return await apply()
        except DatabaseBusy as error:
            log.warning(f"{log_event}_busy", type=message_type, error=error.message)
            return await keep(f"not applied: {error.message}")
        except ServiceUnavailable:
            raise
        except ConcurrencyConflict:
            if attempt < APPLY_ATTEMPTS:
                continue
            return await keep("the call kept changing; retry it")
        except Exception as error:
            log.exception(log_event, type=message_type)
            return await keep(f"{type(error).__name__}: {error}")
    raise AssertionError("unreachable")


class ProviderEvents:
    def __init__(
        self, deps: UseCaseDeps, resolver: PhoneResolver, policy: CallPolicy | None = None
    ) -> None:
        self._deps = deps
        self._resolver = resolver
        self._policy = policy or CallPolicy()

    def now(self) -> datetime:
        """When a message is received (for messages that carry no time of their own)."""
        return self._deps.clock.now()

    async def receive(self, message: ProviderMessage) -> Answer:
        """Store and apply one message; the answer says what to reply to the provider."""
        event = message.event
        if isinstance(event, InboundCallRequest):
            return await self._inbound(message, event)
        stored = await self._store_and_apply(message)
        if isinstance(event, ToolCallRequest):
            return ToolResults(tuple((call, NO_TOOLS) for call in event.calls))
        return stored

    async def _store_and_apply(self, message: ProviderMessage) -> Acknowledged:
        if message.route.call_id is None and message.route.provider_call_id is None:
            return await self._keep(message, None, None)
        routed = _Routed()

        async def keep(error: str) -> Acknowledged:
            return await self._keep(message, routed.tenant_id, error)

        return await apply_or_keep(
            lambda: self._apply(message, routed), keep, "webhook_not_applied", message.type
        )

    async def _apply(self, message: ProviderMessage, routed: _Routed) -> Acknowledged:
        """Find the call's tenant, store the message and apply it, in one transaction: the
        routing context finds the call in whichever tenant it is, then the transaction moves
        into that tenant's context for the rest."""
        async with self._deps.uows(call_route=message.route, entering=True) as tx:
            found = await tx.enter_routed_call(message.route)
            now = self._deps.clock.now()
            if found is None:  # about no call of ours: kept, without a tenant
                # Routing may only read: the message is written outside every tenant.
                await tx.switch_tenant(None)
                stored = await tx.inbox.add(self._inbox_row(message, None, now, None))
                await tx.commit()
                return Acknowledged(stored=stored)
            routed.tenant_id, call_id = found  # and the transaction is in its tenant's context
            row = self._inbox_row(message, routed.tenant_id, now, None)
            stored, call = await tx.store_and_lock_call(row, call_id)
            if not stored:
                return Acknowledged(stored=False)
            applied = call is not None and await self._apply_news(tx, call, message)
            await tx.commit()
        return Acknowledged(stored=True, applied=applied)

    async def apply_to_call(
        self, tx: UnitOfWork, tenant_id: TenantId, call_id: CallId, message: ProviderMessage
    ) -> bool:
        """Lock the call and apply what the message says of it, in `tx` (in the call's
        tenant's context); True when the call changed. The one way a message moves a call,
        live or replayed (application.webhook_messages)."""
        call = await tx.calls.get_for_update(tenant_id, call_id)
        if call is None:
            return False
        return await self._apply_news(tx, call, message)

    async def _apply_news(self, tx: UnitOfWork, call: VoiceCall, message: ProviderMessage) -> bool:
        return await apply_news(
            tx,
            self._deps.ids,
            self._policy,
            call,
            self._news(message),
            usage=self._deps.entitlements,
        )

    def _news(self, message: ProviderMessage) -> ProviderNews:
        event = message.event
        return ProviderNews(
            at=message.at,
            provider_call_id=message.route.provider_call_id,
            status=event.status if isinstance(event, StatusChanged) else None,
            ended_reason=event.ended_reason if isinstance(event, StatusChanged) else None,
            report=event.report if isinstance(event, CallReported) else None,
            data=message.call_data if isinstance(event, CallReported) else None,
        )

    def _inbox_row(
        self, message: ProviderMessage, tenant_id: TenantId | None, now: datetime, error: str | None
    ) -> InboxMessage:
        return InboxMessage(
            id=self._deps.ids.new(),
            provider=PROVIDER,
            dedupe_key=message.dedupe_key,
            type=message.type,
            payload=message.payload,
            received_at=now,
            provider_call_id=message.route.provider_call_id,
            tenant_id=tenant_id,
            processed_at=now if error is None else None,
            error=error,
        )

    async def _keep(
        self, message: ProviderMessage, tenant_id: TenantId | None, error: str | None
    ) -> Acknowledged:
        """Store without applying: about no call of ours, or not applicable (with why)."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            now = self._deps.clock.now()
            stored = await tx.inbox.add(self._inbox_row(message, tenant_id, now, error))
            await tx.commit()
        return Acknowledged(stored=stored)

    async def _inbound(self, message: ProviderMessage, event: InboundCallRequest) -> Answer:
        """Which agent answers: the called number's tenant and inbound agent, if the tenant
        may take calls; the caller's lead is linked when the tenant knows the number."""
        called, caller = _phone(event.called), _phone(event.caller)
        route = None
        if message.route.provider_call_id is None:
            # Without the provider's call id, a repeat of the request could not be told from
            # a new call, and nothing later could be matched to this one.
            await self._keep(message, None, "an assistant request without a call id")
            return InboundRefusal(NOT_AVAILABLE)
        if called is not None:
            context: dict[str, Any] = {"called_number": called, "entering": True}
        elif event.provider_number_id:
            context = {"called_provider_number": event.provider_number_id}
        else:
            await self._keep(message, None, "no tenant has this number in service")
            return InboundRefusal(NOT_IN_SERVICE)
        # One transaction: the called line's context finds the tenant, then the same
        # transaction moves into that tenant to read the route and create the call.
        async with self._deps.uows(**context) as tx:
            if called is not None:
                route = await self._resolver.resolve_in(tx, called, caller)
            else:
                assert event.provider_number_id is not None
                route = await self._resolver.resolve_provider_line_in(
                    tx, event.provider_number_id, caller
                )
            refusal: str | None
            if route is None:
                refusal, answer = "no tenant has this number in service", NOT_IN_SERVICE
            else:
                refusal, answer = _refusal(route), NOT_AVAILABLE
            if route is not None and refusal is None:
                now = self._deps.clock.now()
                features = await entitlements_of(self._deps.entitlements, tx, route.tenant, now)
                inbound = features.get("calls.inbound")
                if inbound is not None and not inbound.enabled:
                    refusal = "calls.inbound is not in the tenant's plan"
                else:
                    agent, tenant_id, voice = route.agent, route.tenant.id, route.voice
                    assert agent is not None
                    try:
                        call = await self._inbound_call(
                            tx,
                            message,
                            route,
                            agent,
                            keeping_of(features, route.tenant),
                            now,
                            caller,
                        )
                    except (EntitlementExceeded, ProviderBusy) as error:
                        # No room on the line: nothing of the call is committed; the request
                        # is kept below with why, and the caller is told to call back.
                        refusal = f"no room for the call: {error}"
                        log.info("inbound_call_refused", reason=refusal)
                    else:
                        if call.voice_id != agent.voice_id:  # a repeat, from before a change
                            voice = (
                                await tx.voices.get(tenant_id, call.voice_id)
                                if call.voice_id
                                else None
                            )
                        await tx.commit()
                        return InboundAnswer(
                            call.id,
                            tenant_id,
                            agent,
                            voice if voice is not None and voice.is_active else None,
                            call.lead_id,
                            record=call.recording_enabled,
                            private=not call.content_stored,
                        )
        await self._keep(message, route.tenant.id if route else None, refusal)
        return InboundRefusal(answer)

    async def _inbound_call(
        self,
        tx: UnitOfWork,
        message: ProviderMessage,
        route: InboundRoute,
        agent: VoiceAgent,
        keeping: Keeping,
        now: datetime,
        caller: PhoneNumber | None,
    ) -> VoiceCall:
        """The inbound call's record, created once per provider call (a repeated request
        gets the same one), keeping what `keeping` allows;
        EntitlementExceeded or ProviderBusy when there is no room on the line for a new one
        (see `require_line`)."""
        tenant_id = route.tenant.id
        if not await tx.inbox.add(self._inbox_row(message, tenant_id, now, None)):
            known = await tx.calls.route(message.route)
            if known is not None:
                existing = await tx.calls.get(tenant_id, known[1])
                if existing is not None:
                    return existing
        call = VoiceCall(
            id=CallId(self._deps.ids.new()),
            tenant_id=tenant_id,
            direction=CallDirection.INBOUND,
            status=CallStatus.QUEUED,
            to_number=route.number.e164,
            created_at=now,
            updated_at=now,
            agent_id=agent.id,
            lead_id=route.lead.id if route.lead else None,
            voice_id=agent.voice_id,
            from_number_id=route.line.id,
            vapi_call_id=message.route.provider_call_id,
            caller_number=caller.e164 if caller else None,
        )
        keeping.apply(call)
        await tx.calls.add(call)
        # Room on the line, counted and taken under the pool's lock: the call is registered
        # in `live_calls`, so it counts against the tenant's plan and the shared account like
        # any placed call (and Vapi could not take it past the account's lines anyway). Last,
        # as the lock is held from here to the commit and every placement waits on it; a
        # refusal raises, and nothing of this transaction is committed.
        await require_line(self._deps.entitlements, self._policy, tx, route.tenant, now)
        await tx.live_calls.hold(LiveCall(call.id, tenant_id, now + self._policy.reconcile_after))
        return call


# Every inbound call names its line, and callers call again: parsing a number costs more
# than the rest of reading the request. A number is a value (frozen), so holders may share it.
@functools.lru_cache(maxsize=4096)
def _phone(raw: str | None) -> PhoneNumber | None:
    if not raw:
        return None
    try:
        return PhoneNumber.parse(raw)
    except DomainError:
        return None


def _refusal(route: InboundRoute) -> str | None:
    """Why the route cannot take the call (kept in the inbox, never told the caller)."""
    if not route.tenant.is_active:
        return "the tenant is suspended"
    if not route.line.in_service:
        return f"the number is not in service: {route.line.why_not_in_service}"
    if route.agent is None:
        return "the number routes inbound calls to no agent"
    if not route.agent.is_active:
        return "the number's inbound agent is not in service"
    return None

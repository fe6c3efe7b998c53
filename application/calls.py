"""Voice calls (the seed's VoiceCallModel, enhanced): placing them and reading them back.

A call is committed (queued) before the provider is asked, and whatever the provider does
next is recorded on it: the record is never lost, and a create whose outcome is unknown is
reconciled, never repeated.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
import structlog

from application.access import Access, Permission, Principal, authorize
from application.call_tracking import (
    CallPolicy,
    ProviderNews,
    apply_news,
    apply_news_many,
    call_moved,
)
from application.context import UseCaseDeps
from application.entitlements import (
    MONTHLY_MINUTES,
    EntitlementCache,
    entitlements_of,
    keeping_of,
    require,
    require_capacity,
)
from application.errors import (
    AlreadyExists,
    IdempotencyKeyReused,
    NotFound,
    ProviderBusy,
    ProviderError,
    ProviderOutcomeUnknown,
)
from application.events import calls_queued
from application.pagination import Page, PageRequest
from application.ports.calls import CallFilter, CallListItem, LiveCall, UsageQuery, UsageTotal
from application.ports.telephony import OutboundCall, ProviderCall, TelephonyProvider
from application.ports.unit_of_work import UnitOfWork
from domain.agents import VoiceAgent
from domain.calls import (
    AiUsage,
    CallDirection,
    CallMilestones,
    CallStatus,
    VoiceCall,
    fail,
    lose_track,
)
from domain.errors import InvalidValue
from domain.ids import AgentId, CallId, LeadId, PhoneNumberId, TenantId
from domain.leads import Lead
from domain.phones import PhoneLine, PhoneNumber
from domain.tenancy import Tenant

# How far before our record a provider's call may have been created (clock skew) when
# searching for one whose creation went unanswered.
FIND_SLACK = timedelta(minutes=2)
MAX_IDEMPOTENCY_KEY = 255
MAX_VARIABLES = 100
USAGE_DEFAULT_DAYS = 30

log = structlog.get_logger(__name__)


@attrs.frozen
class PlaceCall:
    tenant_id: TenantId
    agent_id: AgentId
    lead_id: LeadId | None = None
    to: PhoneNumber | None = None
    """The number to call when no lead is given; a lead with it is linked when one exists."""
    from_number_id: PhoneNumberId | None = None
    """Defaults to the agent's default number."""
    variables: dict[str, str] = attrs.field(factory=dict)
    """Values for the assistant's {{variables}}."""
    metadata: dict[str, Any] = attrs.field(factory=dict)
    idempotency_key: str | None = None


async def require_line(
    cache: EntitlementCache, policy: CallPolicy, tx: UnitOfWork, tenant: Tenant, now: datetime
) -> None:
    """Room for one more call of the tenant on the line, placed or answered: its plan's
    `calls.minutes.monthly` and `calls.concurrent.max` (EntitlementExceeded), then the shared
    provider account's lines and the tenant's share of them (ProviderBusy).

    The pool's lock is taken here and held until the transaction, which registers the call
    in `live_calls`, ends: every writer of `live_calls` takes it, so the tenant's calls on
    the line are counted under it, and two calls (placed, dialled by a batch or answered,
    which takes no tenant lock) cannot both take the last line."""
    minutes = await cache.minutes_this_month(tx, tenant.id, now)
    await require_capacity(cache, tx, tenant, MONTHLY_MINUTES, now, used=minutes)
    # One count of both once the lock is held (every placement waits on it): the tenant's
    # is what `calls.concurrent.max` meters.
    everyone, theirs = await tx.live_calls.lock_and_count(tenant.id)
    await require_capacity(cache, tx, tenant, "calls.concurrent.max", now, used=theirs)
    if everyone >= policy.provider_max_concurrent:
        raise ProviderBusy(policy.provider_max_concurrent)
    if theirs >= policy.tenant_ceiling:
        # The pool is shared: one tenant holding every line would lock out the others.
        raise ProviderBusy(policy.tenant_ceiling, share=True)


async def call_of(
    tx: UnitOfWork, tenant_id: TenantId, call_id: CallId, *, for_update: bool = False
) -> VoiceCall:
    """The tenant's call (NotFound otherwise); `for_update`: locked until `tx` ends, so that
    no provider message changes it meanwhile."""
    read = tx.calls.get_for_update if for_update else tx.calls.get
    call = await read(tenant_id, call_id)
    if call is None:
        raise NotFound("call", call_id)
    return call


def _same_request(call: VoiceCall, cmd: PlaceCall) -> bool:
    """Whether a repeat under the same Idempotency-Key asks for the same call."""
    return (
        call.agent_id == cmd.agent_id
        and (cmd.lead_id is None or call.lead_id == cmd.lead_id)
        and (cmd.to is None or call.to_number == cmd.to.e164)
        and (cmd.from_number_id is None or call.from_number_id == cmd.from_number_id)
        and call.metadata == cmd.metadata
    )


@attrs.frozen
class Dial:
    """A committed, queued call and what the provider is to be asked for it."""

    call: VoiceCall
    outbound: OutboundCall


@attrs.frozen
class _Answer:
    """What became of one create at the provider: placed, refused, or not known."""

    call: VoiceCall
    placed: ProviderCall | None = None
    failed: ProviderError | None = None
    lost: str | None = None


class CallService:
    def __init__(
        self, deps: UseCaseDeps, provider: TelephonyProvider, policy: CallPolicy | None = None
    ) -> None:
        self._deps = deps
        self._provider = provider
        self._policy = policy or CallPolicy()

    async def place_call(self, principal: Principal, cmd: PlaceCall) -> VoiceCall:
        """Queue the call (committed), then ask the provider and record its answer.

        Refused before anything is written when the tenant lacks `calls.outbound`, is at
        `calls.concurrent.max` or out of `calls.minutes.monthly`, when the shared provider
        account is at its concurrency, when the agent or number is not in service or the
        lead is do-not-call. A provider refusal leaves the call `failed` with the reason;
        an unknown outcome leaves it `unknown` for the reconciler. A repeat with the same
        Idempotency-Key returns the first call.
        """
        _check_command(cmd)
        try:
            queued = await self._queue(principal, cmd)
        except AlreadyExists as error:
            if error.field != "idempotency_key" or cmd.idempotency_key is None:
                raise
            # A concurrent request with the same key won: answer with its call.
            return await self._repeat(cmd)
        if isinstance(queued, VoiceCall):
            return queued
        return await self.dial(queued.call, queued.outbound)

    async def _repeat(self, cmd: PlaceCall) -> VoiceCall:
        assert cmd.idempotency_key is not None
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            first = await tx.calls.by_idempotency_key(cmd.tenant_id, cmd.idempotency_key)
        if first is None:
            raise AlreadyExists("call", "idempotency_key")
        if not _same_request(first, cmd):
            raise IdempotencyKeyReused()
        return first

    async def _queue(self, principal: Principal, cmd: PlaceCall) -> VoiceCall | Dial:
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            access = await authorize(
                principal, Permission.CALLS_PLACE, cmd.tenant_id, tx, lock=True
            )
            if cmd.idempotency_key is not None:
                first = await tx.calls.by_idempotency_key(cmd.tenant_id, cmd.idempotency_key)
                if first is not None:
                    if not _same_request(first, cmd):
                        raise IdempotencyKeyReused()
                    return first
            now = self._deps.clock.now()
            found = await entitlements_of(self._deps.entitlements, tx, access.tenant, now)
            await require(self._deps.entitlements, tx, access.tenant, "calls.outbound", now)
            agent = await agent_in_service(tx, cmd.tenant_id, cmd.agent_id)
            line = await line_in_service(tx, cmd.tenant_id, cmd.from_number_id, agent)
            lead, to = await _callee(tx, cmd)
            voice = await tx.voices.get(cmd.tenant_id, agent.voice_id) if agent.voice_id else None
            call = VoiceCall(
                id=CallId(self._deps.ids.new()),
                tenant_id=cmd.tenant_id,
                direction=CallDirection.OUTBOUND,
                status=CallStatus.QUEUED,
                to_number=to.e164,
                created_at=now,
                updated_at=now,
                agent_id=agent.id,
                lead_id=lead.id if lead else None,
                voice_id=voice.id if voice else None,
                from_number_id=line.id,
                idempotency_key=cmd.idempotency_key,
                metadata=dict(cmd.metadata),
            )
            keeping_of(found, access.tenant).apply(call)
            await tx.calls.add(call)
            await calls_queued(tx, self._deps.ids, [call], now)
            await self._deps.audit(
                tx,
                principal,
                "call.placed",
                "call",
                call.id,
                tenant_id=cmd.tenant_id,
                changes={"agent_id": str(agent.id), "to_number": call.to_number},
            )
            # Last: from here to the commit the pool's lock, which every placement waits on,
            # is held; a refusal raises, and nothing of this transaction is committed.
            await self._require_room(tx, access, now)
            await tx.live_calls.hold(
                LiveCall(call.id, cmd.tenant_id, now + self._policy.reconcile_after)
            )
            await tx.commit()
        outbound = OutboundCall(
            call_id=call.id,
            tenant_id=call.tenant_id,
            agent=agent,
            from_number=line,
            to=to,
            lead_id=call.lead_id,
            voice=voice if voice and voice.is_active else None,
            customer_name=lead.name if lead else None,
            variables=dict(cmd.variables),
            record=call.recording_enabled,
            private=not call.content_stored,
        )
        return Dial(call, outbound)

    async def _require_room(self, tx: UnitOfWork, access: Access, now: datetime) -> None:
        await require_line(self._deps.entitlements, self._policy, tx, access.tenant, now)

    async def dial(self, call: VoiceCall, outbound: OutboundCall) -> VoiceCall:
        """Ask the provider to place `call` (committed, queued) and record its answer."""
        return await self._settle(await self._ask(Dial(call, outbound)))

    async def dial_many(self, dials: Sequence[Dial]) -> None:
        """`dial` of each at once (a batch's round), the answers recorded as they arrive:
        those in by the time the previous recording is done are recorded together, one
        transaction per tenant, so a round costs a few transactions and not one a call,
        and a slow create holds back only its own record. An answer that cannot be
        recorded leaves its call queued for the reconciler, as a crash would."""
        waiting = {asyncio.ensure_future(self._ask(dial)) for dial in dials}
        try:
            while waiting:
                done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                answers = []
                for task in done:
                    if (error := task.exception()) is not None:
                        log.error("dial_failed", exc_info=error)
                    else:
                        answers.append(task.result())
                await self._record(answers)
        finally:
            for task in waiting:
                task.cancel()

    async def _ask(self, dial: Dial) -> _Answer:
        try:
            placed = await self._provider.place_call(dial.outbound)
        except ProviderOutcomeUnknown as error:
            found = await self._search(dial)
            if found is None:
                return _Answer(dial.call, lost=str(error))
            placed = found
        except ProviderError as error:
            return _Answer(dial.call, failed=error)
        return _Answer(dial.call, placed=placed)

    async def _search(self, dial: Dial) -> ProviderCall | None:
        """Right after an unanswered create, look once for the call it may have made."""
        try:
            return await self._provider.find_call(
                dial.call.id, dial.outbound.from_number, dial.call.created_at - FIND_SLACK
            )
        except ProviderError:
            return None

    async def _record(self, answers: Sequence[_Answer]) -> None:
        placed: dict[TenantId, list[_Answer]] = defaultdict(list)
        for answer in answers:
            if answer.placed is not None:
                placed[answer.call.tenant_id].append(answer)
                continue
            try:
                await self._settle(answer)
            except Exception:
                log.exception("dial_answer_not_recorded", call_id=str(answer.call.id))
        for tenant_id, group in placed.items():
            try:
                await self._record_placed(tenant_id, group)
            except Exception:
                log.exception("dial_answers_not_recorded", calls=len(group))

    async def _record_placed(self, tenant_id: TenantId, answers: Sequence[_Answer]) -> None:
        found = {answer.call.id: answer.placed for answer in answers}
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            calls = await tx.calls.get_many_for_update(tenant_id, list(found))
            now = self._deps.clock.now()
            news = [(call, news_of(placed, now)) for call in calls if (placed := found[call.id])]
            await apply_news_many(
                tx, self._deps.ids, self._policy, news, usage=self._deps.entitlements
            )
            await tx.commit()

    async def _settle(self, answer: _Answer) -> VoiceCall:
        """Record the provider's answer on the committed call."""
        tenant_id, call_id = answer.call.tenant_id, answer.call.id
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            call = await tx.calls.get_for_update(tenant_id, call_id)
            if call is None:  # the tenant was deleted meanwhile: nothing left to record on
                raise NotFound("call", call_id)
            now, before = self._deps.clock.now(), CallMilestones.of(call)
            if answer.placed is not None:
                await apply_news(
                    tx,
                    self._deps.ids,
                    self._policy,
                    call,
                    news_of(answer.placed, now),
                    usage=self._deps.entitlements,
                )
            elif answer.failed is not None:
                if fail(call, answer.failed.code, answer.failed.message, now):
                    await tx.calls.save(call)
                    await tx.live_calls.release(tenant_id, call_id)
                    await call_moved(tx, self._deps.ids, call, before, now)
            elif answer.lost is not None and lose_track(call, answer.lost, now):
                await tx.calls.save(call)
                await tx.live_calls.postpone(tenant_id, call_id, now)
                await call_moved(tx, self._deps.ids, call, before, now)
            await tx.commit()
        return call

    async def get_call(
        self, principal: Principal, tenant_id: TenantId, call_id: CallId
    ) -> VoiceCall:
        """The seed's getCallWithTranscription, getCallCost: the call holds both.

        A caller the process knows needs no transaction of its own: the call is read
        under the tenant's isolation in one go (QuickReads)."""
        if self._deps.authorized_from_cache(principal, Permission.CALLS_READ, tenant_id):
            call = await self._deps.reads.call(tenant_id, call_id)
            if call is None:
                raise NotFound("call", call_id)
            return call
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CALLS_READ, tenant_id, tx)
            return await call_of(tx, tenant_id, call_id)

    async def end_call(
        self, principal: Principal, tenant_id: TenantId, call_id: CallId
    ) -> VoiceCall:
        """Ask the provider to hang up a live call (members and up), and return the call as
        it stands once the provider has taken the request.

        The call must be live: placed with the provider and not ended (queued, ringing,
        in-progress or forwarding, with its provider id), else CallNotLive and nothing is
        written. The request is audited (`call.end_requested`) before the provider is asked;
        a provider failure (ProviderError) leaves that entry and nothing else. The call is
        not ended here: it moves to `ended` when the provider's status update and report
        arrive, as for any end. Asking again while the hang-up is under way asks the
        provider again (harmless) and answers the same; once the call has ended it is
        CallNotLive.
        """
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.CALLS_END, tenant_id, tx)
            call = await call_of(tx, tenant_id, call_id)
            provider_call_id = call.require_live()
            await self._deps.audit(
                tx,
                principal,
                "call.end_requested",
                "call",
                call.id,
                tenant_id=tenant_id,
                changes={"status": call.status.value, "vapi_call_id": provider_call_id},
            )
            await tx.commit()
        await self._provider.end_call(provider_call_id, dict(call.vapi_data))
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            return await call_of(tx, tenant_id, call_id)

    async def list_calls(
        self, principal: Principal, tenant_id: TenantId, where: CallFilter, page: PageRequest
    ) -> Page[CallListItem]:
        """The tenant's calls that match, newest first, as lists show them (`get_call` has
        the rest of each). A caller the process knows reads them in one go (QuickReads)."""
        if self._deps.authorized_from_cache(principal, Permission.CALLS_READ, tenant_id):
            rows = await self._deps.reads.calls(tenant_id, where, page)
        else:
            async with self._deps.uows(tenant_id=tenant_id) as tx:
                await self._deps.authorize(principal, Permission.CALLS_READ, tenant_id, tx)
                rows = await tx.calls.list(tenant_id, where, page)
        return Page.from_rows(rows, page, CallListItem.position)

    async def call_usage(
        self, principal: Principal, tenant_id: TenantId, call_id: CallId
    ) -> tuple[VoiceCall, list[AiUsage]]:
        """The seed's getCallAIUsage: one row per cost item of the call's report."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CALLS_READ, tenant_id, tx)
            call = await call_of(tx, tenant_id, call_id)
            return call, await tx.ai_usage.of_call(tenant_id, call_id)

    async def provider_record(
        self, principal: Principal, tenant_id: TenantId, call_id: CallId
    ) -> dict[str, Any] | None:
        """The provider's own record of the call, as it last sent it and in its format (not
        ours); None while it has sent none. Owners and admins only: it carries everything
        the provider knows of the call (prompts, numbers, recording URLs)."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(
                principal, Permission.CALLS_PROVIDER_RECORD_READ, tenant_id, tx
            )
            call = await call_of(tx, tenant_id, call_id)
        return call.vapi_data or None

    async def delete_content(
        self, principal: Principal, tenant_id: TenantId, call_id: CallId
    ) -> VoiceCall:
        """Delete what was said and recorded of a finished call (owners and admins): its
        transcript, recording link, summary, analysis, artifacts and the provider's record.
        Its outcome, cost, duration and AI usage stay, so reports are unchanged; it says when
        (`content_purged_at`). Audited with the kinds of content it held. Asking again
        deletes nothing more; a call not finished is refused (its content is yet to come)."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.CALLS_CONTENT_DELETE, tenant_id, tx)
            call = await call_of(tx, tenant_id, call_id, for_update=True)
            held = call.purge_content(self._deps.clock.now())
            await tx.calls.save(call)
            await self._deps.audit(
                tx,
                principal,
                "call.content_deleted",
                "call",
                call.id,
                tenant_id=tenant_id,
                changes={"deleted": held},
            )
            await tx.commit()
        return call

    def usage_window(
        self, start: datetime | None, end: datetime | None
    ) -> tuple[datetime, datetime]:
        """The report's window: `end` defaults to now, `start` to USAGE_DEFAULT_DAYS before."""
        end = end or self._deps.clock.now()
        return start or end - timedelta(days=USAGE_DEFAULT_DAYS), end

    async def usage_report(
        self, principal: Principal, tenant_id: TenantId, query: UsageQuery
    ) -> list[UsageTotal]:
        if query.end <= query.start:
            raise InvalidValue("to must be after from", field="to")
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.CALLS_READ, tenant_id, tx)
            return await tx.ai_usage.totals(tenant_id, query)


def news_of(found: ProviderCall, at: datetime) -> ProviderNews:
    return ProviderNews(
        at=at,
        provider_call_id=found.provider_call_id,
        status=found.status,
        ended_reason=found.ended_reason,
        report=found.report,
        data=found.data,
    )


def _check_command(cmd: PlaceCall) -> None:
    key = cmd.idempotency_key
    if key is not None and (not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY):
        raise InvalidValue(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters",
            field="Idempotency-Key",
        )
    if len(cmd.variables) > MAX_VARIABLES:
        raise InvalidValue(f"at most {MAX_VARIABLES} variables", field="variables")
    if any("\x00" in text for pair in cmd.variables.items() for text in pair):
        # Vapi echoes them in every message; PostgreSQL cannot store a NUL in JSON.
        raise InvalidValue("variables must not contain NUL characters", field="variables")


async def agent_in_service(tx: UnitOfWork, tenant_id: TenantId, agent_id: AgentId) -> VoiceAgent:
    agent = await tx.agents.get(tenant_id, agent_id)
    if agent is None:
        raise InvalidValue(f"agent_id: no agent {agent_id} in this tenant", field="agent_id")
    if not agent.is_active:
        raise InvalidValue(f"agent_id: agent {agent_id} is not in service", field="agent_id")
    return agent


async def line_in_service(
    tx: UnitOfWork, tenant_id: TenantId, number_id: PhoneNumberId | None, agent: VoiceAgent
) -> PhoneLine:
    number_id = number_id or agent.default_number_id
    if number_id is None:
        raise InvalidValue(
            "from_number_id: the agent has no default number; say which number to call from",
            field="from_number_id",
        )
    line = await tx.phone_numbers.get(tenant_id, number_id)
    if line is None:
        raise InvalidValue(
            f"from_number_id: no phone number {number_id} in this tenant", field="from_number_id"
        )
    if not line.in_service:
        raise InvalidValue(
            f"from_number_id: phone number {number_id} is not in service: "
            f"{line.why_not_in_service}",
            field="from_number_id",
        )
    return line


async def _callee(tx: UnitOfWork, cmd: PlaceCall) -> tuple[Lead | None, PhoneNumber]:
    """Who is called: the lead (its number), or the number (and its lead, if any)."""
    lead: Lead | None = None
    if cmd.lead_id is not None:
        lead = await tx.leads.get(cmd.tenant_id, cmd.lead_id)
        if lead is None:
            raise InvalidValue(f"lead_id: no lead {cmd.lead_id} in this tenant", field="lead_id")
        if cmd.to is not None and cmd.to != lead.phone:
            raise InvalidValue(
                "to: differs from the lead's phone; give one or the other", field="to"
            )
    elif cmd.to is not None:
        lead = await tx.leads.by_phone(cmd.tenant_id, cmd.to)
    else:
        raise InvalidValue("lead_id: give the lead to call, or the number (to)", field="lead_id")
    if lead is not None and lead.do_not_call:
        raise InvalidValue(f"lead_id: lead {lead.id} is on the do-not-call list", field="lead_id")
    return lead, lead.phone if lead is not None else cmd.to  # type: ignore[return-value]

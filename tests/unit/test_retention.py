"""Retention: a tenant's choices within its plan, what each kind of content is, calls that
store nothing, and the purge that removes exactly what is past its time, tenant by tenant."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.access import Principal
from application.errors import PermissionDenied
from application.ports.calls import InboxMessage
from application.retention import Retention
from application.tenancy import AddMember
from application.webhook_messages import InboxRetention
from domain.calls import (
    CallDirection,
    CallStatus,
    ContentKind,
    EndOfCallReport,
    VoiceCall,
    record_report,
    update_vapi_data,
)
from domain.errors import InvalidValue
from domain.ids import CallId, TenantId
from domain.retention import (
    DAYS_FIELDS,
    MAX_DAYS,
    RetentionChoice,
    RetentionPolicy,
    check_within,
    effective,
)
from domain.tenancy import Role
from tests.contract.test_retention_repositories import held_content, retention_choices
from tests.support import PLATFORM
from tests.unit.helpers import AuditTap, Fresh, as_user, fresh, run

days = st.one_of(st.none(), st.integers(0, 40))
choices = retention_choices(40)
plans = st.builds(
    RetentionPolicy,
    transcripts_days=days,
    recordings_days=days,
    provider_record_days=days,
    store_transcripts=st.booleans(),
)


# --- the tenant's choice within its plan ------------------------------------------------------


@given(choice=choices, plan=plans)
def test_the_effective_period_is_the_shorter_and_storing_needs_both(choice, plan) -> None:
    kept = effective(choice, plan)
    for kind in ContentKind:
        chosen, most = choice.days(kind), plan.days(kind)
        periods = [d for d in (chosen, most) if d is not None]
        assert kept.days(kind) == (min(periods) if periods else None)
    assert kept.store_transcripts == (
        plan.store_transcripts and choice.store_transcripts is not False
    )


@given(choice=choices, plan=plans)
def test_a_choice_past_the_plan_is_refused_naming_the_setting(choice, plan) -> None:
    over = [
        kind
        for kind in ContentKind
        if choice.days(kind) is not None
        and plan.days(kind) is not None
        and choice.days(kind) > plan.days(kind)
    ]
    wants_storage = choice.store_transcripts is True and not plan.store_transcripts
    if not over and not wants_storage:
        check_within(choice, plan)
        return
    with pytest.raises(InvalidValue) as refused:
        check_within(choice, plan)
    assert refused.value.field == (DAYS_FIELDS[over[0]] if over else "store_transcripts")


@pytest.mark.parametrize("bad", [-1, MAX_DAYS + 1, True, 1.5, "7"])
def test_a_period_is_a_whole_number_of_days_within_bounds(bad: Any) -> None:
    with pytest.raises(InvalidValue) as refused:
        RetentionChoice(recordings_days=bad)
    assert refused.value.field == "recordings_days"


def test_a_tenant_that_stores_nothing_keeps_no_kind_of_content_at_all() -> None:
    now = fresh().clock.now()
    policy = RetentionPolicy(None, 30, None, store_transcripts=False)
    assert dict(policy.expiring(now)) == dict.fromkeys(ContentKind, now)
    keep_all = RetentionPolicy()
    assert list(keep_all.expiring(now)) == []


# --- what each kind of content is -------------------------------------------------------------


def a_call(env_now: Any, **fields: Any) -> VoiceCall:
    return VoiceCall(
        CallId(uuid4()),
        TenantId(uuid4()),
        CallDirection.OUTBOUND,
        fields.pop("status", CallStatus.ENDED),
        "+14155550123",
        env_now,
        env_now,
        cost=Decimal("0.42"),
        call_duration=61,
        **fields,
    )


OVERLAPPING = {ContentKind.RECORDING, ContentKind.PROVIDER_RECORD}


@given(content=held_content(), kind=st.sampled_from(list(ContentKind)))
def test_a_kind_purged_is_gone_and_the_others_stay_as_they_were(content, kind) -> None:
    now = fresh().clock.now()
    call = a_call(now, **content)
    before = {other: call.holds(other) for other in ContentKind}
    reported = call.reported

    held = call.purge([kind], now + timedelta(days=1))

    assert held == ([kind] if before[kind] else [])
    assert not call.holds(kind)
    for other in ContentKind:
        # Links to the audio in the provider's record are both a recording and part of the
        # record: either purge takes them (and a record that held nothing else is empty).
        if other is not kind and {kind, other} != OVERLAPPING:
            assert call.holds(other) == before[other], other
    assert (call.cost, call.call_duration, call.status) == (Decimal("0.42"), 61, CallStatus.ENDED)
    # A transcript is only ever held once the report came: its purge keeps the call reported.
    assert call.reported == (reported or (kind is ContentKind.TRANSCRIPT and before[kind]))
    assert (call.content_purged_at is not None) == before[kind]
    assert call.purged_content == ([kind] if before[kind] else [])


def test_a_call_that_stores_nothing_keeps_its_outcome_and_cost_but_no_content() -> None:
    now = fresh().clock.now()
    call = a_call(now, status=CallStatus.IN_PROGRESS, content_stored=False)
    update_vapi_data(
        call,
        {"id": "v-1", "monitor": {"controlUrl": "https://x"}, "transcript": "hi"},
        now,
        final=False,
    )
    # While the call is live, only what reaching it needs.
    assert call.vapi_data == {"id": "v-1", "monitor": {"controlUrl": "https://x"}}
    report = EndOfCallReport(
        "customer-ended-call",
        transcript="AI: Your card number?",
        recording_url="https://storage.vapi.ai/a.wav",
        summary="Asked for a card",
        analysis={"success": True},
        cost=Decimal("0.12"),
        duration=42,
        artifacts={"log_url": "https://logs"},
    )

    assert record_report(call, report, now + timedelta(minutes=1)) is True
    update_vapi_data(call, {"id": "v-1", "transcript": "AI: Your card number?"}, now, final=True)

    assert not any(call.holds(kind) for kind in ContentKind)
    assert (call.status, call.cost, call.call_duration) == (CallStatus.ENDED, Decimal("0.12"), 42)
    assert call.reported
    assert call.purged_content == list(ContentKind)
    assert call.content_purged_at == now + timedelta(minutes=1)
    assert record_report(call, report, now + timedelta(minutes=2)) is False
    assert call.transcription is None


# --- the settings, as a tenant's people see and change them -----------------------------------


@attrs.frozen
class Desk:
    env: Fresh
    retention: Retention
    owner: Any
    tenant: Any

    def as_(self, user: Any) -> Principal:
        return as_user(user)


async def a_desk() -> Desk:
    env = fresh()
    owner = await env.world.user("owner@acme.example")
    tenant = await env.world.tenant(owner, "Acme")
    return Desk(env, Retention(env.deps), owner, tenant)


async def a_member(desk: Desk, role: Role) -> Any:
    user = await desk.env.world.user(f"{role.value}@acme.example")
    await desk.env.svc.members.add_member(PLATFORM, AddMember(desk.tenant.id, role, user.id))
    return user


def test_admins_choose_and_everyone_reads_and_each_change_is_audited() -> None:
    async def scenario() -> None:
        desk = await a_desk()
        admin, viewer = await a_member(desk, Role.ADMIN), await a_member(desk, Role.VIEWER)
        member = await a_member(desk, Role.MEMBER)
        tap = AuditTap(desk.env.db)

        view = await desk.retention.change(
            as_user(admin), desk.tenant.id, {"transcripts_days": 7, "store_transcripts": None}
        )

        assert view.chosen == RetentionChoice(transcripts_days=7)
        assert view.effective.transcripts_days == 7
        assert (await desk.retention.settings(as_user(viewer), desk.tenant.id)) == view
        with pytest.raises(PermissionDenied):
            await desk.retention.change(as_user(member), desk.tenant.id, {"recordings_days": 1})
        with pytest.raises(InvalidValue) as unknown:
            await desk.retention.change(as_user(admin), desk.tenant.id, {"forever": True})
        assert unknown.value.field == "forever"
        back = await desk.retention.change(
            as_user(admin), desk.tenant.id, {"transcripts_days": None}
        )
        assert back.chosen == RetentionChoice()
        assert [(e.action, e.changes) for e in tap.new()] == [
            ("tenant.retention_changed", {"transcripts_days": 7, "store_transcripts": None}),
            ("tenant.retention_changed", {"transcripts_days": None}),
        ]

    run(scenario())


def test_turning_storage_off_reaches_the_calls_in_progress_and_not_the_ended_ones() -> None:
    async def scenario() -> None:
        desk = await a_desk()
        now = desk.env.clock.now()
        live = attrs.evolve(a_call(now, status=CallStatus.RINGING), tenant_id=desk.tenant.id)
        ended = attrs.evolve(a_call(now), tenant_id=desk.tenant.id)
        async with desk.env.deps.uows(tenant_id=desk.tenant.id) as tx:
            await tx.calls.add_many([live, ended])
            await tx.commit()

        await desk.retention.change(
            as_user(desk.owner), desk.tenant.id, {"store_transcripts": False}
        )

        async with desk.env.deps.uows(tenant_id=desk.tenant.id) as tx:
            assert (await tx.calls.get(desk.tenant.id, live.id)).content_stored is False
            assert (await tx.calls.get(desk.tenant.id, ended.id)).content_stored is True

    run(scenario())


# --- the purge: exactly what is past its time, tenant by tenant -------------------------------


def test_messages_carrying_transcripts_go_with_them_failed_ones_stay_for_replay() -> None:
    async def scenario() -> None:
        desk = await a_desk()
        retention = Retention(desk.env.deps, InboxRetention(batch=1))
        now = desk.env.clock.now()

        def message(days_ago: int, *, failed: bool) -> InboxMessage:
            received = now - timedelta(days=days_ago)
            return InboxMessage(
                id=desk.env.deps.ids.new(),
                provider="vapi",
                dedupe_key=f"key-{desk.env.deps.ids.new()}",
                type="end-of-call-report",
                payload={"message": {"artifact": {"transcript": "AI: hello"}}},
                received_at=received,
                tenant_id=desk.tenant.id,
                processed_at=None if failed else received,
                error="a bug" if failed else None,
            )

        old, older, recent = (
            message(3, failed=False),
            message(5, failed=False),
            message(1, failed=False),
        )
        failing = message(4, failed=True)
        for m in (old, older, recent, failing):
            async with desk.env.deps.uows(tenant_id=desk.tenant.id) as tx:
                await tx.inbox.add(m)
                await tx.commit()
        await retention.change(as_user(desk.owner), desk.tenant.id, {"transcripts_days": 2})

        purged = await retention.purge_due()

        assert purged == {desk.tenant.id: {"webhook_messages": 2}}
        assert set(desk.env.db.tables["inbox"]) == {recent.id, failing.id}

    run(scenario())

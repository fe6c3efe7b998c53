"""Replaying the provider's messages that failed to apply (application.webhook_messages), on
the in-memory adapters: a failed message, replayed once its cause is gone, moves its call
and is marked processed, once however often it is replayed; one that fails again stays
failed with the new reason; one about no call of ours, or one only a live answer serves,
stays failed saying why. Lists are a tenant's (or no tenant's) own, newest first."""

from __future__ import annotations

import asyncio
import copy
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.vapi.messages import read_message
from application.access import Principal
from application.call_events import Acknowledged
from application.errors import NotFound, PermissionDenied
from application.pagination import PageRequest
from application.ports.calls import InboxMessage
from application.webhook_messages import (
    ANSWERED_LIVE,
    NO_CALL,
    ReplayOutcome,
    ReplayTally,
    WebhookMessages,
)
from domain.calls import CallStatus
from domain.ids import TenantId
from tests.fakes.vapi_messages import VapiCall
from tests.support import PLATFORM
from tests.unit.helpers import AuditTap
from tests.unit.test_webhook_convergence import (
    Placed,
    a_world,
    expected_state,
    expected_usage,
    final_state,
    inbox_of,
    place,
    usage_of,
)

CALL_TABLES = ("calls", "leads", "ai_usage", "live_calls", "batch_items")


def replays(placed: Placed) -> WebhookMessages:
    return WebhookMessages(placed.f.deps, placed.events, read_message)


def broken(monkeypatch: pytest.MonkeyPatch, error: str = "a bug in applying news") -> None:
    """Applying news to a call fails, live and replayed alike, until `monkeypatch.undo()`."""

    async def fails(*_: Any, **__: Any) -> bool:
        raise RuntimeError(error)

    monkeypatch.setattr("application.call_events.apply_news", fails)


def unroutable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding a message's call fails: the message is kept before its tenant is known."""

    async def fails(*_: Any, **__: Any) -> None:
        raise RuntimeError("the route failed")

    monkeypatch.setattr(InMemoryUnitOfWork, "enter_routed_call", fails)


def stored(placed: Placed, message_id: Any) -> InboxMessage:
    message: InboxMessage = placed.f.db.tables["inbox"][message_id]
    return message


async def a_failed_report(placed: Placed, monkeypatch: pytest.MonkeyPatch) -> InboxMessage:
    broken(monkeypatch)
    assert await placed.deliver(placed.vapi.end_of_call_report()) == Acknowledged(stored=True)
    monkeypatch.undo()
    [kept] = inbox_of(placed)
    assert (kept.processed_at, kept.error) == (None, "RuntimeError: a bug in applying news")
    return kept


# --- replaying one --------------------------------------------------------------------------


async def test_a_failed_message_replayed_after_the_fix_moves_its_call_once(monkeypatch):
    placed = await place(await a_world())
    kept = await a_failed_report(placed, monkeypatch)
    assert placed.stored_call().status is CallStatus.QUEUED
    lead_version = placed.stored_lead().version
    audit = AuditTap(placed.f.db)
    placed.f.clock.advance(minutes=5)

    replay = await replays(placed).replay(PLATFORM, placed.tenant.id, kept.id)

    assert (replay.outcome, replay.call_changed) == (ReplayOutcome.APPLIED, True)
    assert final_state(placed.stored_call()) == expected_state(placed.vapi)
    assert usage_of(placed) == expected_usage(placed.vapi)
    assert placed.stored_lead().version == lead_version + 1, "marked contacted once"
    after = stored(placed, kept.id)
    assert (after.processed_at, after.error) == (placed.f.clock.now(), None)
    assert (after.tenant_id, after.payload, after.dedupe_key) == (
        kept.tenant_id,
        kept.payload,
        kept.dedupe_key,
    )
    assert replay.message.processed_at == after.processed_at
    [entry] = audit.new()
    assert (entry.action, entry.entity, entry.entity_id, entry.tenant_id) == (
        "webhook_message.replayed",
        "webhook_message",
        kept.id,
        placed.tenant.id,
    )
    assert entry.changes == {
        "type": "end-of-call-report",
        "outcome": "applied",
        "call_changed": True,
    }
    # Replayed again: nothing changes, and the answer says it was processed already.
    tables = copy.deepcopy(placed.f.db.tables)

    again = await replays(placed).replay(PLATFORM, placed.tenant.id, kept.id)

    assert again.outcome is ReplayOutcome.ALREADY_PROCESSED
    assert placed.f.db.tables == tables


async def test_two_replays_at_once_apply_the_message_once(monkeypatch):
    placed = await place(await a_world())
    kept = await a_failed_report(placed, monkeypatch)
    audit = AuditTap(placed.f.db)
    service = replays(placed)

    both = await asyncio.gather(
        service.replay(PLATFORM, placed.tenant.id, kept.id),
        service.replay(PLATFORM, placed.tenant.id, kept.id),
    )

    assert sorted(r.outcome for r in both) == [
        ReplayOutcome.ALREADY_PROCESSED,
        ReplayOutcome.APPLIED,
    ]
    assert [e.action for e in audit.new()] == ["webhook_message.replayed"]
    assert placed.stored_call().status is CallStatus.ENDED


async def test_a_replay_that_fails_again_keeps_the_message_failed_with_the_new_error(
    monkeypatch,
):
    placed = await place(await a_world())
    kept = await a_failed_report(placed, monkeypatch)
    before = copy.deepcopy(placed.f.db.tables)
    audit = AuditTap(placed.f.db)
    broken(monkeypatch, "still broken")

    replay = await replays(placed).replay(PLATFORM, placed.tenant.id, kept.id)

    assert replay.outcome is ReplayOutcome.STILL_FAILING
    after = stored(placed, kept.id)
    assert (after.processed_at, after.error) == (None, "RuntimeError: still broken")
    assert replay.message.error == after.error
    for name in CALL_TABLES:
        assert placed.f.db.tables[name] == before[name], name
    [entry] = audit.new()
    assert entry.changes["outcome"] == "still_failing"
    assert "still broken" not in str(entry.changes), "the audit does not quote the error"
    # Fixed at last: the next replay applies it.
    monkeypatch.undo()
    replay = await replays(placed).replay(PLATFORM, placed.tenant.id, kept.id)
    assert replay.outcome is ReplayOutcome.APPLIED
    assert placed.stored_call().status is CallStatus.ENDED


async def test_a_message_kept_before_its_call_was_found_is_replayed_into_the_calls_tenant(
    monkeypatch,
):
    placed = await place(await a_world())
    unroutable(monkeypatch)
    await placed.deliver(placed.vapi.status_update("in-progress"))
    monkeypatch.undo()
    [kept] = inbox_of(placed)
    assert (kept.tenant_id, kept.processed_at) == (None, None)
    assert kept.error == "RuntimeError: the route failed"
    service = replays(placed)

    replay = await service.replay(PLATFORM, None, kept.id)

    assert (replay.outcome, replay.message.tenant_id) == (ReplayOutcome.APPLIED, placed.tenant.id)
    assert placed.stored_call().status is CallStatus.IN_PROGRESS
    moved = stored(placed, kept.id)
    assert (moved.tenant_id, moved.error, moved.payload) == (placed.tenant.id, None, kept.payload)
    assert moved.processed_at is not None
    assert (await service.list_messages(PLATFORM, None, PageRequest())).items == []
    # Asked again where it was: it is there no more, and nothing is done twice.
    with pytest.raises(NotFound):
        await service.replay(PLATFORM, None, kept.id)
    again = await service.replay(PLATFORM, placed.tenant.id, kept.id)
    assert again.outcome is ReplayOutcome.ALREADY_PROCESSED


async def test_a_message_about_no_call_of_ours_stays_unapplied_saying_so(monkeypatch):
    placed = await place(await a_world())
    stranger = VapiCall(name=str(uuid4()))
    unroutable(monkeypatch)
    await placed.deliver(stranger.status_update("ringing"))
    monkeypatch.undo()
    [kept] = inbox_of(placed, stranger.id)
    before = copy.deepcopy(placed.f.db.tables)

    replay = await replays(placed).replay(PLATFORM, None, kept.id)

    assert replay.outcome is ReplayOutcome.STILL_FAILING
    after = stored(placed, kept.id)
    assert (after.tenant_id, after.processed_at, after.error) == (None, None, NO_CALL)
    for name in CALL_TABLES:
        assert placed.f.db.tables[name] == before[name], name


async def test_an_assistant_request_is_not_replayed_and_says_why():
    placed = await place(await a_world())
    request = VapiCall().assistant_request(called="+12025550199", caller="+14155550123")
    request["message"]["call"].pop("id")  # kept failed: no call id to answer for
    await placed.deliver(request)
    [kept] = [m for m in placed.f.db.tables["inbox"].values() if m.type == "assistant-request"]
    assert kept.error is not None
    assert kept.processed_at is None

    replay = await replays(placed).replay(PLATFORM, None, kept.id)
    again = await replays(placed).replay(PLATFORM, None, kept.id)

    assert replay.outcome is again.outcome is ReplayOutcome.STILL_FAILING
    after = stored(placed, kept.id)
    assert after.error == f"{kept.error}; the assistant-request message {ANSWERED_LIVE}"
    assert after.processed_at is None


async def test_only_platform_admins_replay_or_list_and_ids_are_per_tenant(monkeypatch):
    placed = await place(await a_world())
    kept = await a_failed_report(placed, monkeypatch)
    other = await place(placed.f, "Globex", "+12025550144")
    service = replays(placed)
    member = next(iter(placed.f.db.tables["memberships"].values()))
    owner = Principal.user(member.user_id)
    before = copy.deepcopy(placed.f.db.tables)

    with pytest.raises(PermissionDenied):
        await service.replay(owner, placed.tenant.id, kept.id)
    with pytest.raises(PermissionDenied):
        await service.list_messages(owner, placed.tenant.id, PageRequest())
    with pytest.raises(PermissionDenied):
        await service.replay_failed(owner, placed.f.clock.now() - timedelta(days=1))
    with pytest.raises(NotFound):  # another tenant's id for it
        await service.replay(PLATFORM, other.tenant.id, kept.id)
    with pytest.raises(NotFound):
        await service.replay(PLATFORM, None, kept.id)
    with pytest.raises(NotFound):
        await service.list_messages(PLATFORM, TenantId(uuid4()), PageRequest())
    assert stored(placed, kept.id).processed_at is None
    assert placed.f.db.tables["inbox"] == before["inbox"]


# --- lists ----------------------------------------------------------------------------------


async def test_a_tenants_failed_messages_are_listed_newest_first_a_page_at_a_time(monkeypatch):
    placed = await place(await a_world())
    other = await place(placed.f, "Globex", "+12025550144")
    broken(monkeypatch)
    for status in ("ringing", "in-progress", "forwarding"):
        placed.f.clock.advance(seconds=1)
        await placed.deliver(placed.vapi.status_update(status))
    await other.deliver(other.vapi.status_update("ringing"))
    monkeypatch.undo()
    placed.f.clock.advance(seconds=1)
    await placed.deliver(placed.vapi.speech_update())  # applied: not failed
    service = replays(placed)

    first = await service.list_messages(PLATFORM, placed.tenant.id, PageRequest(2), failed=True)
    assert first.next_cursor is not None
    rest = await service.list_messages(
        PLATFORM, placed.tenant.id, PageRequest.parse(2, first.next_cursor), failed=True
    )
    everything = await service.list_messages(PLATFORM, placed.tenant.id, PageRequest())

    failed = [*first.items, *rest.items]
    assert rest.next_cursor is None
    assert [m.dedupe_key.split(":")[2] for m in failed] == ["forwarding", "in-progress", "ringing"]
    assert all(m.failed and m.tenant_id == placed.tenant.id for m in failed)
    assert [m.type for m in everything.items] == ["speech-update"] + ["status-update"] * 3
    theirs = await service.list_messages(PLATFORM, other.tenant.id, PageRequest(), failed=True)
    assert [m.tenant_id for m in theirs.items] == [other.tenant.id]


# --- replaying every failed message since a time ---------------------------------------------


async def test_every_failed_message_since_a_time_is_replayed_in_every_tenant_and_none(
    monkeypatch,
):
    placed = await place(await a_world())
    other = await place(placed.f, "Globex", "+12025550144")
    stranger = VapiCall(name=str(uuid4()))
    broken(monkeypatch)
    await placed.deliver(placed.vapi.status_update("ringing"))  # before `since`: left
    placed.f.clock.advance(minutes=10)
    since = placed.f.clock.now()
    await placed.deliver(placed.vapi.status_update("in-progress"))
    await other.deliver(other.vapi.end_of_call_report())
    monkeypatch.undo()
    unroutable(monkeypatch)
    await placed.deliver(stranger.status_update("ringing"))
    monkeypatch.undo()
    service = replays(placed)

    tally = await service.replay_failed(PLATFORM, since)

    assert tally == ReplayTally(replayed=3, applied=2, still_failing=1)
    assert placed.stored_call().status is CallStatus.IN_PROGRESS
    assert other.stored_call().status is CallStatus.ENDED
    left = [m for m in inbox_of(placed) if m.processed_at is None]
    assert [m.dedupe_key.split(":")[2] for m in left] == ["ringing"]
    assert (await service.replay_failed(PLATFORM, since)) == ReplayTally(1, 0, 1)


async def test_replaying_one_tenants_failed_messages_leaves_the_others():
    placed = await place(await a_world())
    other = await place(placed.f, "Globex", "+12025550144")
    with pytest.MonkeyPatch.context() as patch:
        broken(patch)
        await placed.deliver(placed.vapi.status_update("ringing"))
        await other.deliver(other.vapi.status_update("ringing"))
    service = replays(placed)

    tally = await service.replay_failed(
        PLATFORM, placed.f.clock.now() - timedelta(hours=1), placed.tenant.id
    )

    assert tally == ReplayTally(1, 1, 0)
    assert placed.stored_call().status is CallStatus.RINGING
    assert other.stored_call().status is CallStatus.QUEUED
    assert [m.processed_at for m in inbox_of(other)] == [None]
    with pytest.raises(NotFound):
        await service.replay_failed(PLATFORM, placed.f.clock.now(), TenantId(uuid4()))

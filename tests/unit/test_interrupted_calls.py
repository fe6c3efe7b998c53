"""Sandbox calls end with the process that plays them, on the in-memory adapters.

Each "process" here is what one `serve` holds: a sandbox instance placing calls through the
use cases, its lease, and the settler. A killed process lets go of its lease and nothing
else; the next start ends its calls and frees their lines. Calls of live processes, and
calls no sandbox placed, are left alone.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import attrs
import pytest
from structlog.testing import capture_logs

from adapters.memory.leases import InMemoryProcessLeases
from adapters.memory.unit_of_work import InMemoryDatabase
from adapters.sandbox import SandboxScript, SandboxTelephonyProvider
from adapters.vapi.messages import read_message
from application.call_events import StatusChanged
from application.call_tracking import CallPolicy
from application.calls import CallService
from application.catalogue import sync_catalogue
from application.context import UseCaseDeps
from application.interrupted_calls import INTERRUPTED_ERROR, SANDBOX_INTERRUPTED, InterruptedCalls
from domain.calls import CallDirection, CallStatus, VoiceCall, cut_off
from domain.ids import CallId, TenantId
from domain.plans import EntitlementExceeded
from tests.fakes.busy_rows import hold_calls
from tests.fakes.telephony import FakeTelephony
from tests.unit.test_calls_use_cases import Desk, open_desk

POLICY = CallPolicy()
# Answered at once, then on the line for an hour: in progress for the whole test.
LONG_CALL = SandboxScript(ring_seconds=0, talk_seconds=3600)
WAIT_SECONDS = 5


class Process:
    """One `serve` process on the shared (in-memory) database."""

    def __init__(self, desk: Desk, leases_held: set[int], instance: int) -> None:
        self.desk = desk
        self.sandbox = SandboxTelephonyProvider(LONG_CALL, instance=instance)
        self.leases = InMemoryProcessLeases(leases_held)
        self.settler = InterruptedCalls(desk.deps, self.sandbox, self.leases)
        self.calls = attrs.evolve(desk, calls=CallService(desk.deps, self.sandbox, POLICY))

        self.answered: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)

        async def deliver(payload: dict[str, Any]) -> None:
            await desk.events.receive(read_message(payload, desk.deps.clock.now()))
            message = payload["message"]
            if message.get("status") == "in-progress":
                self.answered[message["call"]["id"]].set()

        self.sandbox.connect(deliver)

    async def start(self) -> int:
        return await self.settler.start()

    async def place(self) -> VoiceCall:
        """A call, waited for until it is answered (in progress)."""
        call = await self.calls.place()
        assert call.vapi_call_id is not None
        await asyncio.wait_for(self.answered[call.vapi_call_id].wait(), WAIT_SECONDS)
        return call

    async def kill(self) -> None:
        """What a SIGKILL leaves: the calls stop playing, the lease goes with the connection."""
        await self.sandbox.close()
        await self.leases.release()

    async def stop(self) -> int:
        await self.sandbox.close()
        return await self.settler.stop()


def live(db: InMemoryDatabase, call: VoiceCall) -> bool:
    return call.id in db.tables["live_calls"]


@pytest.fixture
async def acme(deps: UseCaseDeps, memory_db: InMemoryDatabase) -> Desk:
    await sync_catalogue(deps)
    return await open_desk(deps, memory_db, FakeTelephony(memory_db), POLICY)


@pytest.fixture
def leases_held() -> set[int]:
    """The leases held on the shared database (by every process of a test)."""
    return set()


@pytest.fixture
async def processes() -> Any:
    """Make processes by appending; every sandbox still playing is closed at the end."""
    made: list[Process] = []
    yield made
    for process in made:
        await process.sandbox.close()


@pytest.fixture
def spawn(acme: Desk, leases_held: set[int], processes: list[Process]) -> Any:
    def new(instance: int) -> Process:
        process = Process(acme, leases_held, instance)
        processes.append(process)
        return process

    return new


async def test_a_killed_process_calls_are_ended_at_the_next_start_and_free_the_line(
    acme: Desk, memory_db: InMemoryDatabase, spawn: Any
) -> None:
    await acme.limit("calls.concurrent.max", 1)
    killed = spawn(1)
    await killed.start()
    call = await killed.place()
    with pytest.raises(EntitlementExceeded):
        await killed.calls.place()  # its one line is taken
    await killed.kill()
    assert (await acme.stored(call)).status is CallStatus.IN_PROGRESS
    assert live(memory_db, call)

    restarted = spawn(2)
    assert await restarted.start() == 1

    ended = await acme.stored(call)
    assert (ended.status, ended.ended_reason, ended.error) == (
        CallStatus.ENDED,
        SANDBOX_INTERRUPTED,
        INTERRUPTED_ERROR,
    )
    assert not live(memory_db, call)
    assert await acme.live_count(acme.tenant) == 0
    another = await restarted.place()  # at once: the line is free
    assert (await acme.stored(another)).status is CallStatus.IN_PROGRESS


async def test_calls_of_processes_still_running_are_untouched(
    acme: Desk, memory_db: InMemoryDatabase, spawn: Any
) -> None:
    await acme.limit("calls.concurrent.max", 3)
    running = spawn(1)
    await running.start()
    theirs = await running.place()
    starting = spawn(2)
    assert await starting.start() == 0
    own = await starting.place()
    assert await spawn(3).start() == 0

    for call in (theirs, own):
        stored = await acme.stored(call)
        assert (stored.status, stored.ended_reason) == (CallStatus.IN_PROGRESS, None)
        assert live(memory_db, call)


async def test_a_clean_stop_ends_its_own_calls_and_lets_go_of_its_lease(
    acme: Desk, memory_db: InMemoryDatabase, leases_held: set[int], spawn: Any
) -> None:
    await acme.limit("calls.concurrent.max", 2)
    stopping, staying = spawn(1), spawn(2)
    await stopping.start()
    await staying.start()
    mine, theirs = await stopping.place(), await staying.place()

    assert await stopping.stop() == 1

    ended = await acme.stored(mine)
    assert (ended.status, ended.ended_reason) == (CallStatus.ENDED, SANDBOX_INTERRUPTED)
    assert not live(memory_db, mine)
    assert (await acme.stored(theirs)).status is CallStatus.IN_PROGRESS
    assert live(memory_db, theirs)
    assert leases_held == {2}


async def test_an_ended_call_still_waiting_for_its_report_only_leaves_the_registry(
    acme: Desk, memory_db: InMemoryDatabase, spawn: Any
) -> None:
    killed = spawn(1)
    await killed.start()
    call = await killed.place()
    await acme.end(call)  # hung up; the report would have come a moment later
    await killed.kill()

    assert await spawn(2).start() == 1

    stored = await acme.stored(call)
    assert (stored.status, stored.ended_reason, stored.error) == (
        CallStatus.ENDED,
        "customer-ended-call",
        None,
    )
    assert not live(memory_db, call)


async def test_calls_no_sandbox_placed_are_left_to_the_reconciler(
    acme: Desk, memory_db: InMemoryDatabase, spawn: Any
) -> None:
    """A call placed through Vapi before the switch to the sandbox is no process's."""
    await acme.limit("calls.concurrent.max", 2)
    through_vapi = await acme.place()  # the scripted provider gives it a Vapi-like id
    await acme.say(through_vapi, StatusChanged("in-progress"), "answered")

    assert await spawn(1).start() == 0

    assert (await acme.stored(through_vapi)).status is CallStatus.IN_PROGRESS
    assert live(memory_db, through_vapi)


def test_cutting_off_fails_a_call_never_placed_and_spares_a_finished_one() -> None:
    now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    queued = VoiceCall(
        CallId(uuid4()),
        TenantId(uuid4()),
        CallDirection.OUTBOUND,
        CallStatus.QUEUED,
        "+14155550123",
        now,
        now,
    )
    assert cut_off(queued, SANDBOX_INTERRUPTED, INTERRUPTED_ERROR, now)
    assert (queued.status, queued.ended_reason, queued.error, queued.ended_at) == (
        CallStatus.FAILED,
        SANDBOX_INTERRUPTED,
        INTERRUPTED_ERROR,
        now,
    )
    assert not cut_off(queued, "other", "other", now)  # finished: kept as it is
    assert queued.ended_reason == SANDBOX_INTERRUPTED


async def test_a_call_whose_rows_are_busy_does_not_keep_the_others_on_the_line(
    acme: Desk, memory_db: InMemoryDatabase, spawn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other work holding one call's rows past the lock bound is no outage: the other calls
    are still ended; the busy one stays in the registry for the next start or the
    reconciler."""
    await acme.limit("calls.concurrent.max", 2)
    killed = spawn(1)
    await killed.start()
    busy, other = await killed.place(), await killed.place()
    await killed.kill()
    held = {busy.id}
    hold_calls(monkeypatch, held)

    with capture_logs() as logs:
        assert await spawn(2).start() == 1

    assert (await acme.stored(other)).ended_reason == SANDBOX_INTERRUPTED
    assert not live(memory_db, other)
    assert (await acme.stored(busy)).status is CallStatus.IN_PROGRESS
    assert live(memory_db, busy)
    [logged] = [e for e in logs if e["event"] == "sandbox_call_busy"]
    assert (logged["call_id"], logged["log_level"]) == (str(busy.id), "warning")
    held.clear()
    assert await spawn(3).start() == 1
    assert (await acme.stored(busy)).ended_reason == SANDBOX_INTERRUPTED

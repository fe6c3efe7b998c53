"""Vapi for processes under test: the fake of Vapi's API (tests.fakes.vapi) served from a
thread of its own on loopback, so that `voice-agent` processes dial it, and whose calls are
picked up and end by themselves, as Vapi reports them to the Server URL.

Each call created stays on the line for a while (drawn per call from `talk`, by a seeded
generator); then the fake shows it ended with its report (`GET /call/{id}` and the list
answer it so), and posts Vapi's messages about it to the Server URL: the `ended` status
update, then the end-of-call report. Calls end whether or not the process that made them is
still alive, as on a real line.

A call is open at the fake from the moment its create is stored until it ends there;
`max_open` is the most that were open at once. Every create is kept with the private key it
came with, so that a test can tell which process dialled (one key per process).

The test reads and scripts the fake only through the methods here: they run in its loop.
"""

from __future__ import annotations

import asyncio
import copy
import os
import random
import signal
import threading
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

import aiohttp
import attrs

from tests.fakes.vapi import FakeVapi, RecordedRequest, parse_iso
from tests.fakes.vapi_messages import VapiCall

T = TypeVar("T")

# How long the test thread waits for the fake's loop to answer.
ANSWER_SECONDS = 10.0
# A message the Server URL did not take is sent again this many times, this far apart.
DELIVERY_TRIES = 40
DELIVERY_PAUSE_SECONDS = 0.25
CLOSE_GRACE_SECONDS = 0.1
# Fields of an ended call's record that its end adds or changes.
_ENDED_FIELDS = (
    "status",
    "startedAt",
    "endedAt",
    "endedReason",
    "cost",
    "costBreakdown",
    "costs",
    "artifact",
    "analysis",
)


@attrs.frozen
class Create:
    """A call the fake stored on a create."""

    key: str
    """The private key the create was made with: which process dialled."""
    number: str
    """`customer.number`: whom it dialled."""
    name: str | None
    """`name`: our call id."""
    provider_call_id: str


class VapiLine:
    """`with VapiLine(keys, server_url=…, server_secret=…) as vapi:`; `vapi.base_url`."""

    def __init__(
        self,
        keys: Sequence[str],
        *,
        server_url: str,
        server_secret: str,
        talk: tuple[float, float] = (1.0, 2.0),
        seed: int = 0,
    ) -> None:
        self._keys = list(keys)
        self._server_url = server_url
        self._server_secret = server_secret
        self._talk = talk
        self._random = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="vapi", daemon=True)
        self._fake: FakeVapi | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ending: set[asyncio.Task[None]] = set()
        self._creates: list[Create] = []
        self._open: set[str] = set()
        self._max_open = 0
        self._problems: list[str] = []
        self._kill_at_create: dict[str, int] = {}

    # --- serving ------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self._thread.start()
        self._run(self._start())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._run(self._stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(ANSWER_SECONDS)
            self._loop.close()

    async def _start(self) -> None:
        self._fake = FakeVapi(self._keys[0], other_keys=self._keys[1:])
        self._fake.on_create.append(self._created)
        await self._fake.__aenter__()
        self._session = aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {self._server_secret}"},
            timeout=aiohttp.ClientTimeout(total=10),
        )

    async def _stop(self) -> None:
        for task in self._ending:
            task.cancel()
        await asyncio.gather(*self._ending, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._fake is not None:
            await self._fake.close()
        # Closed transports let go of their sockets in the loop's next callbacks: run them
        # before the loop is closed, or the sockets are left to the garbage collector (a
        # ResourceWarning in whichever test happens to run then).
        await asyncio.sleep(CLOSE_GRACE_SECONDS)

    def _run(self, work: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await work

        return asyncio.run_coroutine_threadsafe(wrapped(), self._loop).result(ANSWER_SECONDS)

    def _read(self, read: Callable[[], T]) -> T:
        async def in_loop() -> T:
            return read()

        return self._run(in_loop())

    @property
    def base_url(self) -> str:
        assert self._fake is not None, "use `with VapiLine(…)`"
        return self._fake.base_url

    # --- what the test reads and scripts --------------------------------------------------

    def creates(self) -> list[Create]:
        """Every call stored on a create, in order."""
        return self._read(lambda: list(self._creates))

    def max_open(self) -> int:
        """The most calls that were open at once at the fake."""
        return self._read(lambda: self._max_open)

    def open_calls(self) -> int:
        return self._read(lambda: len(self._open))

    def problems(self) -> list[str]:
        """Messages the Server URL refused or never took."""
        return self._read(lambda: list(self._problems))

    def kill_at_next_create(self, key: str, pid: int) -> None:
        """The next create made with `key` kills process `pid` (SIGKILL) once the call is
        stored, before it is answered: the process dies with the call made, unaware of it."""

        def arm() -> None:
            self._kill_at_create[key] = pid

        self._read(arm)

    def cancel_kill(self, key: str) -> bool:
        """Call off the kill asked for `key`; True when it had not come yet."""
        return self._read(lambda: self._kill_at_create.pop(key, None) is not None)

    # --- the line -------------------------------------------------------------------------

    def _created(self, call: dict[str, Any], request: RecordedRequest) -> None:
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        customer = call.get("customer") or {}
        self._creates.append(Create(key, str(customer.get("number")), call.get("name"), call["id"]))
        self._open.add(call["id"])
        self._max_open = max(self._max_open, len(self._open))
        pid = self._kill_at_create.pop(key, None)
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
        task = asyncio.get_running_loop().create_task(self._end(call["id"]))
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)

    async def _end(self, provider_call_id: str) -> None:
        await asyncio.sleep(self._random.uniform(*self._talk))
        assert self._fake is not None
        stored = self._fake.calls[provider_call_id]
        customer = stored.get("customer") or {}
        metadata = (stored.get("assistantOverrides") or {}).get("metadata") or {}
        spoken = VapiCall(
            id=provider_call_id,
            name=stored.get("name"),
            metadata={str(k): str(v) for k, v in metadata.items()},
            phone_number_id=stored.get("phoneNumberId") or "",
            customer_number=str(customer.get("number")),
            customer_external_id=customer.get("externalId"),
            created_at=parse_iso(stored["createdAt"]),
        )
        ended = spoken.record("ended")
        record = self._fake.update_call(
            provider_call_id, **{k: ended[k] for k in _ENDED_FIELDS if k in ended}
        )
        self._open.discard(provider_call_id)
        now = datetime.now(UTC)
        for message in (spoken.status_update("ended", at=now), spoken.end_of_call_report(at=now)):
            message["message"]["call"] = copy.deepcopy(record)
            await self._deliver(provider_call_id, message)

    async def _deliver(self, provider_call_id: str, message: dict[str, Any]) -> None:
        assert self._session is not None
        kind = message["message"]["type"]
        for _ in range(DELIVERY_TRIES):
            try:
                async with self._session.post(self._server_url, json=message) as answer:
                    if answer.status == 200:
                        return
                    text = await answer.text()
                    if answer.status < 500:
                        self._problems.append(
                            f"{kind} of {provider_call_id}: {answer.status} {text}"
                        )
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(DELIVERY_PAUSE_SECONDS)
        self._problems.append(f"{kind} of {provider_call_id}: never taken")

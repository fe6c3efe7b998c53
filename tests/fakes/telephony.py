"""`FakeTelephony`: an in-process, scriptable TelephonyProvider for use-case tests.

Every request is recorded. `place_call` answers from a queue of scripted outcomes (a
ProviderCall, an exception to raise, or a function of the OutboundCall), else with a new
queued call; `find_call` likewise (default: nothing found); `get_call` answers from the
calls it placed, updated by `set_call`, or from a per-id queue of scripted answers;
`end_call` records each hang-up asked for and raises the next scripted error, if any. Given
the in-memory database, it copies the committed state at each `place_call`, to prove what
was written before the provider was asked.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from adapters.memory.unit_of_work import InMemoryDatabase
from application.ports.telephony import NumberOrder, OutboundCall, ProviderCall, ProviderLine
from domain.ids import CallId, PhoneNumberId
from domain.phones import PhoneLine, PhoneNumber

Answer = ProviderCall | BaseException | Callable[[OutboundCall], ProviderCall]
Made = ProviderLine | BaseException | Callable[[NumberOrder], ProviderLine]
Found = ProviderCall | BaseException | None


@attrs.frozen
class Find:
    call_id: CallId
    from_number: PhoneLine
    created_after: datetime


@attrs.frozen
class EndRequest:
    """A hang-up asked for: the provider's call id and the record it was given."""

    provider_call_id: str
    record: dict[str, Any]


@attrs.frozen
class Observation:
    """The committed state when the provider was asked to place `call`."""

    call: OutboundCall
    tables: dict[str, dict[Any, Any]]


class FakeTelephony:
    def __init__(self, db: InMemoryDatabase | None = None) -> None:
        self._db = db
        self._ids = (f"vapi-call-{n}" for n in itertools.count(1))
        self._place: deque[Answer] = deque()
        self._find: deque[Found] = deque()
        self._get: dict[str, deque[Found]] = defaultdict(deque)
        self.calls: dict[str, ProviderCall] = {}
        """The provider's records: what `get_call` answers when nothing is scripted."""
        self.placed: list[OutboundCall] = []
        self.observed: list[Observation] = []
        self.finds: list[Find] = []
        self.gets: list[str] = []
        self.ends: list[EndRequest] = []
        self._end: deque[BaseException | None] = deque()
        self.gate: asyncio.Event | None = None
        """When set, `place_call` waits for it (after recording the request)."""
        self._number_ids = (f"vapi-number-{n}" for n in itertools.count(1))
        self._fictional = itertools.count(100)
        self._provision: deque[Made] = deque()
        self._release: deque[BaseException | None] = deque()
        self.numbers: dict[str, ProviderLine] = {}
        """The provider's numbers: what `get_number` and `find_number` answer."""
        self.orders: list[NumberOrder] = []
        self.released: list[str] = []

    # --- scripting ---------------------------------------------------------------------

    def answer_next(self, *answers: Answer) -> None:
        """The outcomes of the next place_call requests, in order."""
        self._place.extend(answers)

    def find_next(self, *answers: Found) -> None:
        """The outcomes of the next find_call requests, in order."""
        self._find.extend(answers)

    def get_next(self, provider_call_id: str, *answers: Found) -> None:
        """The outcomes of the next get_call requests for that id, in order."""
        self._get[provider_call_id].extend(answers)

    def end_next(self, *answers: BaseException | None) -> None:
        """The outcomes of the next end_call requests, in order (None: taken)."""
        self._end.extend(answers)

    def provision_next(self, *answers: Made) -> None:
        """The outcomes of the next provision_number requests, in order."""
        self._provision.extend(answers)

    def release_next(self, *answers: BaseException | None) -> None:
        """The outcomes of the next release_number requests, in order (None: released)."""
        self._release.extend(answers)

    def made(self, order: NumberOrder) -> ProviderLine:
        """The number the provider makes for `order`: the imported number, or a fictional one
        (+1 415 555 01xx) for a purchase."""
        number = order.number or PhoneNumber.parse(f"+1415555{next(self._fictional):04d}")
        return ProviderLine(next(self._number_ids), number, order.provider, str(order.number_id))

    def set_call(self, call: ProviderCall) -> None:
        """What the provider now holds for the call (answered by every later get_call)."""
        self.calls[call.provider_call_id] = call

    def queued(self, call: OutboundCall) -> ProviderCall:
        """A fresh provider call for `call`, as Vapi answers a create."""
        provider_id = next(self._ids)
        return ProviderCall(
            provider_call_id=provider_id,
            status="queued",
            name=str(call.call_id),
            data={"id": provider_id, "status": "queued", "name": str(call.call_id)},
        )

    # --- the port ----------------------------------------------------------------------

    async def place_call(self, call: OutboundCall) -> ProviderCall:
        self.placed.append(call)
        if self._db is not None:
            self.observed.append(Observation(call, copy.deepcopy(self._db.tables)))
        if self.gate is not None:
            await self.gate.wait()
        await asyncio.sleep(0)  # let concurrent requests interleave here
        answer = self._place.popleft() if self._place else self.queued
        if isinstance(answer, BaseException):
            raise answer
        placed = answer if isinstance(answer, ProviderCall) else answer(call)
        self.calls[placed.provider_call_id] = placed
        return placed

    async def get_call(self, provider_call_id: str) -> ProviderCall | None:
        self.gets.append(provider_call_id)
        scripted = self._get.get(provider_call_id)
        answer = scripted.popleft() if scripted else self.calls.get(provider_call_id)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def find_call(
        self, call_id: CallId, from_number: PhoneLine, created_after: datetime
    ) -> ProviderCall | None:
        self.finds.append(Find(call_id, from_number, created_after))
        answer = self._find.popleft() if self._find else None
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def end_call(self, provider_call_id: str, record: dict[str, Any]) -> None:
        self.ends.append(EndRequest(provider_call_id, copy.deepcopy(record)))
        answer = self._end.popleft() if self._end else None
        if answer is not None:
            raise answer

    async def provision_number(self, order: NumberOrder) -> ProviderLine:
        self.orders.append(order)
        await asyncio.sleep(0)
        answer = self._provision.popleft() if self._provision else self.made
        if isinstance(answer, BaseException):
            raise answer
        made = answer if isinstance(answer, ProviderLine) else answer(order)
        self.numbers[made.provider_number_id] = made
        return made

    async def get_number(self, provider_number_id: str) -> ProviderLine | None:
        return self.numbers.get(provider_number_id)

    async def find_number(
        self, number_id: PhoneNumberId, created_after: datetime
    ) -> ProviderLine | None:
        return next((n for n in self.numbers.values() if n.name == str(number_id)), None)

    async def release_number(self, provider_number_id: str) -> None:
        answer = self._release.popleft() if self._release else None
        if answer is not None:
            raise answer
        self.released.append(provider_number_id)
        self.numbers.pop(provider_number_id, None)

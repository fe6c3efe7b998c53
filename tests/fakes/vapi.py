"""A fake of Vapi's REST API (calls only), speaking its wire format on loopback.

What it does like Vapi (see the project's Vapi reference):

- `Authorization: Bearer <key>` (any of the org's keys) on every request, else 401;
- `POST /call` refuses properties Vapi does not document, at the top level and in `customer`
  (400, `"property X should not exist"`, every offence listed), and `name`,
  `customer.name`, `customer.email`, `customer.externalId` longer than 40 characters;
  answers 201 with a Call (plus `subscriptionLimits`, as the create response does);
- `GET /call/{id}` answers the Call or 404;
- every call it stores has `monitor.listenUrl` and `monitor.controlUrl` (Live Call Control,
  served by the fake at `/{id}/control`, without the API key, as Vapi's docs show it):
  `POST {"type": "end-call"}` there ends the call (`status` ended, `endedReason`
  "manually-canceled") and answers 200; other documented control types are accepted and do
  nothing, anything else is a 400; an unknown call is a 404;
- `GET /call` answers a bare JSON array, newest first, filtered by `id`, `assistantId`,
  `phoneNumberId`, `createdAt*` and `updatedAt*` (strict ISO 8601), at most `limit` (default
  100, at most 1000), and refuses unknown query parameters.

What a test scripts: the next request of a kind (`create`, `get`, `list`, `control`) answers
an error status (or any JSON), hangs until the server closes (past any client timeout), or
drops the connection; a create may be stored before it fails, as a real Vapi might have
done. A create Vapi would refuse (auth, unknown properties, lengths) is refused before the
script is consulted. Every request is recorded, accepted or not. There is no global state: one
`FakeVapi` is one Vapi org, served once.

Unverified on a live account: the list order, the exact texts of errors other than
"property X should not exist", the 404 body, and what the control URL answers (its body,
and its answer for a call that has already ended: here 200, changing nothing).
"""

from __future__ import annotations

import asyncio
import copy
import enum
import itertools
import json
import uuid
from collections import deque
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import attrs
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.support import TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN

DEFAULT_API_KEY = "test-vapi-private-key"
MAX_SHORT_TEXT = 40
DEFAULT_LIST_LIMIT = 100
MAX_LIST_LIMIT = 1000
# The message types Live Call Control documents; `end-call` hangs up.
CONTROL_TYPES = frozenset(
    {"say", "add-message", "mute-assistant", "unmute-assistant", "end-call", "transfer"}
)
ENDED_BY_CONTROL = "manually-canceled"

# The top-level properties of `POST /call` (CreateOutboundCallDto); anything else is a 400.
CREATE_CALL_FIELDS = frozenset(
    {
        "assistantVersion",
        "squadVersion",
        "transport",
        "customers",
        "name",
        "schedulePlan",
        "assistantId",
        "assistant",
        "assistantOverrides",
        "squadId",
        "squad",
        "squadOverrides",
        "workflowId",
        "workflow",
        "workflowOverrides",
        "phoneNumberId",
        "phoneNumber",
        "customerId",
        "customer",
    }
)
# The properties of `customer` (CreateCustomerDto).
CUSTOMER_FIELDS = frozenset(
    {
        "numberE164CheckEnabled",
        "extension",
        "assistantOverrides",
        "squadOverrides",
        "number",
        "sipUri",
        "name",
        "email",
        "externalId",
    }
)
LIST_FILTERS = frozenset(
    {
        "id",
        "assistantId",
        "phoneNumberId",
        "limit",
        "createdAtGt",
        "createdAtLt",
        "createdAtGe",
        "createdAtLe",
        "updatedAtGt",
        "updatedAtLt",
        "updatedAtGe",
        "updatedAtLe",
    }
)
_COMPARISONS: dict[str, Callable[[datetime, datetime], bool]] = {
    "Gt": lambda value, bound: value > bound,
    "Lt": lambda value, bound: value < bound,
    "Ge": lambda value, bound: value >= bound,
    "Le": lambda value, bound: value <= bound,
}


class Op(enum.StrEnum):
    """The kinds of request a failure can be scripted for."""

    CREATE = "create"  # POST /call
    GET = "get"  # GET /call/{id}
    LIST = "list"  # GET /call
    CONTROL = "control"  # POST {monitor.controlUrl}
    NUMBER_CREATE = "number-create"  # POST /phone-number
    NUMBER_GET = "number-get"  # GET /phone-number/{id}
    NUMBER_LIST = "number-list"  # GET /phone-number
    NUMBER_DELETE = "number-delete"  # DELETE /phone-number/{id}


class Mode(enum.Enum):
    ANSWER = "answer"  # answer `status` with Vapi's error body
    HANG = "hang"  # answer nothing until the server closes
    DROP = "drop"  # close the connection without an answer


@attrs.frozen
class Failure:
    mode: Mode
    status: int = 500
    body: Any = None
    """The JSON answered (Mode.ANSWER)."""
    created: bool = False
    """For a create: store the call before failing (the outcome a client cannot know)."""


@attrs.frozen
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    """The decoded JSON body; the raw text when it is not JSON; None when empty."""


ERROR_NAMES = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def error_body(status: int, message: str | list[str]) -> dict[str, Any]:
    """Vapi's error payload (NestJS): `message` is a string or a list of strings."""
    return {"message": message, "error": ERROR_NAMES.get(status, "Error"), "statusCode": status}


def iso(at: datetime) -> str:
    """A timestamp as Vapi writes it (JavaScript's toISOString: milliseconds, `Z`)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """An ISO 8601 instant (a `Z` or an offset; naive means UTC), at millisecond precision."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000).astimezone(UTC)


def _too_long(value: Any) -> bool:
    return isinstance(value, str) and len(value) > MAX_SHORT_TEXT


class FakeVapi:
    """One fake Vapi org: the aiohttp app, its calls, the requests it saw and its script.

    Serve it with `async with FakeVapi() as vapi:` (a loopback server; `vapi.base_url`), or
    hand `vapi.app` to pytest-aiohttp's `aiohttp_server`.
    """

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        *,
        org_id: str | None = None,
        now: Callable[[], datetime] | None = None,
        other_keys: Collection[str] = (),
    ) -> None:
        self.api_key = api_key
        # An org may have several private keys (one per service, say): each is accepted.
        self._keys = {api_key, *other_keys}
        self.org_id = org_id or str(uuid.uuid4())
        self._now = now or (lambda: datetime.now(UTC))
        self.calls: dict[str, dict[str, Any]] = {}
        """The org's calls by id, in creation order, as `GET /call/{id}` answers them."""
        self.requests: list[RecordedRequest] = []
        self._script: dict[Op, deque[Failure]] = {op: deque() for op in Op}
        self.on_create: list[Callable[[dict[str, Any], RecordedRequest], None]] = []
        """Called with each call a create stores, and its request, before it is answered."""
        self.on_end: list[Callable[[dict[str, Any]], None]] = []
        """Called with each call the control URL ends, before it is answered."""
        self._closing = asyncio.Event()
        self._server: TestServer | None = None
        self.app = web.Application()
        self.app.router.add_post("/call", self._create)
        self.app.router.add_get("/call", self._list)
        self.app.router.add_get("/call/{id}", self._get)
        self.app.router.add_post("/{id}/control", self._control)
        self.app.router.add_post("/phone-number", self._create_number)
        self.app.router.add_get("/phone-number", self._list_numbers)
        self.app.router.add_get("/phone-number/{id}", self._get_number)
        self.app.router.add_delete("/phone-number/{id}", self._delete_number)
        self.phone_numbers: dict[str, dict[str, Any]] = {}
        """The org's phone numbers by id, as `GET /phone-number/{id}` answers them."""
        self.twilio_accounts: dict[str, str] = {TWILIO_ACCOUNT_SID: TWILIO_AUTH_TOKEN}
        """Twilio accounts (SID: auth token or API secret) whose numbers may be imported:
        the tests' own account, by default."""
        self._fictional = itertools.count(100)
        self.app.on_shutdown.append(self._release)

    # --- serving ------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._server = TestServer(self.app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            await self._server.close()
            self._server = None

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`, the client's base URL (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("the fake is not served: use `async with FakeVapi()`")
        return str(self._server.make_url("")).rstrip("/")

    async def _release(self, _app: web.Application) -> None:
        """On shutdown, hung handlers return so that the server closes at once."""
        self._closing.set()

    # --- scripting ----------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        message: str | list[str] | None = None,
        *,
        op: Op = Op.CREATE,
        created: bool = False,
    ) -> None:
        """The next `op` request answers `status` with Vapi's error body."""
        text = message if message is not None else ERROR_NAMES.get(status, "Error")
        self.answer_next(status, error_body(status, text), op=op, created=created)

    def answer_next(
        self, status: int, body: Any, *, op: Op = Op.CREATE, created: bool = False
    ) -> None:
        """The next `op` request answers `status` with this JSON, whatever it is."""
        self._script[op].append(Failure(Mode.ANSWER, status, body, created))

    def hang_next(self, *, op: Op = Op.CREATE, created: bool = True) -> None:
        """The next `op` request gets no answer (until the server closes)."""
        self._script[op].append(Failure(Mode.HANG, created=created))

    def drop_next(self, *, op: Op = Op.CREATE, created: bool = True) -> None:
        """The next `op` request has its connection closed without an answer."""
        self._script[op].append(Failure(Mode.DROP, created=created))

    # --- state --------------------------------------------------------------------------

    @property
    def create_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/call"]

    @property
    def control_requests(self) -> list[RecordedRequest]:
        """Every request to a control URL, accepted or not, in order."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/control")]

    def control_url(self, call_id: str) -> str:
        """Where the fake serves Live Call Control for the call (its `monitor.controlUrl`)."""
        return f"{self.base_url}/{call_id}/control"

    @property
    def create_bodies(self) -> list[Any]:
        """Every body sent to `POST /call`, accepted or not, in order."""
        return [r.body for r in self.create_requests]

    def add_call(self, **fields: Any) -> dict[str, Any]:
        """Store a call as if placed earlier (e.g. from another number); camelCase fields,
        `createdAt`/`updatedAt` may be datetimes."""
        now = iso(self._now())
        call: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "orgId": self.org_id,
            "type": "outboundPhoneCall",
            "status": "queued",
            "createdAt": now,
            "updatedAt": now,
        }
        if self._server is not None:
            call["monitor"] = {
                "listenUrl": "ws" + self.base_url.removeprefix("http") + f"/{call['id']}/listen",
                "controlUrl": self.control_url(call["id"]),
            }
        call.update({k: iso(v) if isinstance(v, datetime) else v for k, v in fields.items()})
        self.calls[call["id"]] = call
        return call

    def update_call(self, call_id: str, **fields: Any) -> dict[str, Any]:
        """Move a stored call on (status, endedReason, artifact, …); bumps `updatedAt`."""
        call = self.calls[call_id]
        call.update({k: iso(v) if isinstance(v, datetime) else v for k, v in fields.items()})
        if "updatedAt" not in fields:
            call["updatedAt"] = iso(self._now())
        return call

    @property
    def number_create_bodies(self) -> list[Any]:
        """Every body sent to `POST /phone-number`, accepted or not, in order."""
        return [r.body for r in self.requests if r.method == "POST" and r.path == "/phone-number"]

    def numbers_named(self, name: str) -> list[dict[str, Any]]:
        return [n for n in self.phone_numbers.values() if n.get("name") == name]

    def add_number(self, **fields: Any) -> dict[str, Any]:
        """Store a phone number of the org as if made earlier; camelCase fields."""
        now = iso(self._now())
        number: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "orgId": self.org_id,
            "provider": "vapi",
            "status": "active",
            "createdAt": now,
            "updatedAt": now,
            **fields,
        }
        self.phone_numbers[number["id"]] = number
        return number

    def calls_named(self, name: str) -> list[dict[str, Any]]:
        return [c for c in self.calls.values() if c.get("name") == name]

    # --- handlers -----------------------------------------------------------------------

    async def _record(self, request: web.Request) -> RecordedRequest:
        text = await request.text()
        body: Any = None
        if text:
            try:
                body = json.loads(text)
            except ValueError:
                body = text
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            body=body,
        )
        self.requests.append(recorded)
        return recorded

    def _refuse_unauthenticated(self, request: web.Request) -> web.Response | None:
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and given.removeprefix("Bearer ") in self._keys:
            return None
        return web.json_response(
            error_body(
                401,
                "Invalid Key. Hot tip, you may be using the private key instead of the public "
                "key, or vice versa.",
            ),
            status=401,
        )

    async def _scripted(self, op: Op, request: web.Request) -> web.StreamResponse | None:
        """The scripted failure of this request, if one is due (after any side effect)."""
        if not self._script[op]:
            return None
        failure = self._script[op].popleft()
        if failure.mode is Mode.ANSWER:
            return web.json_response(failure.body, status=failure.status)
        if failure.mode is Mode.HANG:
            await self._closing.wait()
            return web.json_response(error_body(503, "the fake is closing"), status=503)
        # DROP: close the socket; the client sees the connection end without an answer.
        # Leaving the handler by cancellation is what aiohttp does for a peer that went away
        # (it logs "Ignored premature client disconnection" and writes nothing).
        if request.transport is not None:
            request.transport.close()
        raise asyncio.CancelledError

    async def _create(self, request: web.Request) -> web.StreamResponse:
        recorded = await self._record(request)
        refused = self._refuse_unauthenticated(request)
        if refused is not None:
            return refused
        body = recorded.body
        if not isinstance(body, dict):
            return web.json_response(error_body(400, ["body must be a JSON object"]), status=400)
        problems = create_problems(body)
        if problems:
            return web.json_response(error_body(400, problems), status=400)
        due = self._script[Op.CREATE][0] if self._script[Op.CREATE] else None
        call = self._store(body) if due is None or due.created else None
        if call is not None:
            for listener in self.on_create:
                listener(call, recorded)
        failure = await self._scripted(Op.CREATE, request)
        if failure is not None:
            return failure
        assert call is not None
        answer = {
            **call,
            "subscriptionLimits": {
                "concurrencyBlocked": False,
                "concurrencyLimit": 10,
                "remainingConcurrentCalls": 9,
            },
        }
        return web.json_response(answer, status=201)

    def _store(self, body: Mapping[str, Any]) -> dict[str, Any]:
        kept = (
            "name",
            "customer",
            "phoneNumberId",
            "assistantId",
            "assistant",
            "assistantOverrides",
        )
        fields = {key: copy.deepcopy(body[key]) for key in kept if key in body}
        return self.add_call(phoneCallProvider="twilio", phoneCallTransport="pstn", **fields)

    async def _get(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        refused = self._refuse_unauthenticated(request)
        if refused is not None:
            return refused
        failure = await self._scripted(Op.GET, request)
        if failure is not None:
            return failure
        call = self.calls.get(request.match_info["id"])
        if call is None:
            return web.json_response(error_body(404, "Not Found"), status=404)
        return web.json_response(call)

    async def _control(self, request: web.Request) -> web.StreamResponse:
        """Live Call Control: no API key (the URL is the call's own); `end-call` ends it."""
        recorded = await self._record(request)
        failure = await self._scripted(Op.CONTROL, request)
        if failure is not None:
            return failure
        call = self.calls.get(request.match_info["id"])
        if call is None:
            return web.json_response(error_body(404, "Not Found"), status=404)
        body = recorded.body
        kind = body.get("type") if isinstance(body, dict) else None
        if kind not in CONTROL_TYPES:
            return web.json_response(
                error_body(400, [f"type must be one of {sorted(CONTROL_TYPES)}"]), status=400
            )
        if kind == "end-call" and call.get("status") != "ended":
            self.update_call(
                call["id"],
                status="ended",
                endedReason=ENDED_BY_CONTROL,
                endedAt=self._now(),
            )
            for listener in self.on_end:
                listener(call)
        return web.Response(status=200)

    async def _list(self, request: web.Request) -> web.StreamResponse:
        recorded = await self._record(request)
        refused = self._refuse_unauthenticated(request)
        if refused is not None:
            return refused
        failure = await self._scripted(Op.LIST, request)
        if failure is not None:
            return failure
        query = recorded.query
        problems = [f"property {key} should not exist" for key in query if key not in LIST_FILTERS]
        limit = DEFAULT_LIST_LIMIT
        if "limit" in query:
            try:
                limit = int(float(query["limit"]))
            except ValueError:
                problems.append("limit must be a number conforming to the specified constraints")
            else:
                if limit > MAX_LIST_LIMIT:
                    problems.append(f"limit must not be greater than {MAX_LIST_LIMIT}")
                if limit < 0:
                    problems.append("limit must not be less than 0")
        bounds: list[tuple[str, Callable[[datetime, datetime], bool], datetime]] = []
        for key, value in query.items():
            if key.startswith(("createdAt", "updatedAt")) and key in LIST_FILTERS:
                try:
                    bound = parse_iso(value)
                except ValueError:
                    problems.append(f"{key} must be a valid ISO 8601 date string")
                    continue
                bounds.append((key[:9], _COMPARISONS[key[9:]], bound))
        if problems:
            return web.json_response(error_body(400, problems), status=400)
        found = [
            call
            for call in reversed(self.calls.values())
            if all(
                call.get(key) == query[key]
                for key in ("id", "assistantId", "phoneNumberId")
                if key in query
            )
            and all(test(parse_iso(call[field]), bound) for field, test, bound in bounds)
        ]
        return web.json_response(found[:limit])

    # --- phone numbers ------------------------------------------------------------------

    async def _create_number(self, request: web.Request) -> web.StreamResponse:
        recorded = await self._record(request)
        refused = self._refuse_unauthenticated(request)
        if refused is not None:
            return refused
        body = recorded.body
        if not isinstance(body, dict):
            return web.json_response(error_body(400, ["body must be a JSON object"]), status=400)
        problems = number_problems(body)
        if problems:
            return web.json_response(error_body(400, problems), status=400)
        refusal = self._number_refusal(body)
        if refusal is not None:
            return web.json_response(error_body(400, refusal), status=400)
        due = self._script[Op.NUMBER_CREATE][0] if self._script[Op.NUMBER_CREATE] else None
        made = self._store_number(body) if due is None or due.created else None
        failure = await self._scripted(Op.NUMBER_CREATE, request)
        if failure is not None:
            return failure
        assert made is not None
        return web.json_response(made, status=201)

    def _number_refusal(self, body: Mapping[str, Any]) -> str | None:
        """Why Vapi would refuse to make this number, beyond the body's form."""
        number = body.get("number")
        if number is not None and any(
            n.get("number") == number for n in self.phone_numbers.values()
        ):
            return f"Number {number} already exists in your organization."
        if body["provider"] == "twilio":
            sid = body.get("twilioAccountSid")
            secret = body.get("twilioAuthToken") or body.get("twilioApiSecret")
            if self.twilio_accounts.get(sid) != secret:
                return (
                    "Twilio Error: Authentication Error - invalid username. Please check your "
                    "Twilio credentials."
                )
        return None

    def _store_number(self, body: Mapping[str, Any]) -> dict[str, Any]:
        number = body.get("number")
        if body["provider"] == "vapi":
            area = body.get("numberDesiredAreaCode") or "415"
            number = f"+1{area}555{next(self._fictional):04d}"
        kept = {k: copy.deepcopy(body[k]) for k in ("provider", "name", "server") if k in body}
        if "credentialId" in body:
            kept["credentialId"] = body["credentialId"]
        return self.add_number(number=number, **kept)

    async def _get_number(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        refused = self._refuse_unauthenticated(request)
        if refused is not None:
            return refused
        failure = await self._scripted(Op.NUMBER_GET, request)
        if failure is not None:
            return failure
        found = self.phone_numbers.get(request.match_info["id"])
        if found is None:
            return web.json_response(error_body(404, "Not Found"), status=404)
        return web.json_response(found)

    async def _list_numbers(self, request: web.Request) -> web.StreamResponse:
        recorded = await self._record(request)
        refused = self._refuse_unauthenticated(request)
        if refused is not None:
            return refused
        failure = await self._scripted(Op.NUMBER_LIST, request)
        if failure is not None:
            return failure
        query = recorded.query
        problems = [f"property {key} should not exist" for key in query if key not in LIST_FILTERS]
        if problems:
            return web.json_response(error_body(400, problems), status=400)
        bounds = [
            (key[:9], _COMPARISONS[key[9:]], parse_iso(value))
            for key, value in query.items()
            if key.startswith(("createdAt", "updatedAt"))
        ]
        found = [
            n
            for n in reversed(self.phone_numbers.values())
            if all(test(parse_iso(n[field]), bound) for field, test, bound in bounds)
        ]
        return web.json_response(found[: int(float(query.get("limit", DEFAULT_LIST_LIMIT)))])

    async def _delete_number(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        refused = self._refuse_unauthenticated(request)
        if refused is not None:
            return refused
        failure = await self._scripted(Op.NUMBER_DELETE, request)
        if failure is not None:
            return failure
        found = self.phone_numbers.pop(request.match_info["id"], None)
        if found is None:
            return web.json_response(error_body(404, "Not Found"), status=404)
        return web.json_response(found)


# What each provider's `POST /phone-number` takes (the SDK's Create*PhoneNumberDto), and needs.
NUMBER_COMMON_FIELDS = frozenset(
    {"provider", "name", "server", "fallbackDestination", "hooks", "assistantId", "workflowId",
     "squadId"}
)  # fmt: skip
NUMBER_FIELDS = {
    "vapi": NUMBER_COMMON_FIELDS | {"numberDesiredAreaCode", "sipUri", "authentication"},
    "twilio": NUMBER_COMMON_FIELDS
    | {"number", "twilioAccountSid", "twilioAuthToken", "twilioApiKey", "twilioApiSecret",
       "smsEnabled"},
    "vonage": NUMBER_COMMON_FIELDS | {"number", "credentialId"},
    "telnyx": NUMBER_COMMON_FIELDS | {"number", "credentialId"},
    "byo-phone-number": NUMBER_COMMON_FIELDS | {"number", "credentialId", "numberE164CheckEnabled"},
}  # fmt: skip
NUMBER_REQUIRED = {
    "vapi": (),
    "twilio": ("number", "twilioAccountSid"),
    "vonage": ("number", "credentialId"),
    "telnyx": ("number", "credentialId"),
    "byo-phone-number": ("credentialId",),
}


def number_problems(body: Mapping[str, Any]) -> list[str]:
    """Why Vapi would refuse this `POST /phone-number` body with 400 (empty when it would not)."""
    provider = body.get("provider")
    if provider not in NUMBER_FIELDS:
        return [f"provider must be one of {sorted(NUMBER_FIELDS)}"]
    problems = [
        f"property {key} should not exist" for key in body if key not in NUMBER_FIELDS[provider]
    ]
    problems += [
        f"{key} should not be empty" for key in NUMBER_REQUIRED[provider] if not body.get(key)
    ]
    if _too_long(body.get("name")):
        problems.append(f"name must be shorter than or equal to {MAX_SHORT_TEXT} characters")
    return problems


def create_problems(body: Mapping[str, Any]) -> list[str]:
    """Why Vapi would refuse this `POST /call` body with 400 (empty when it would not)."""
    problems = [f"property {key} should not exist" for key in body if key not in CREATE_CALL_FIELDS]
    customer = body.get("customer")
    if customer is not None and not isinstance(customer, dict):
        problems.append("customer must be an object")
    elif isinstance(customer, dict):
        problems += [
            f"customer.property {key} should not exist"
            for key in customer
            if key not in CUSTOMER_FIELDS
        ]
        problems += [
            f"customer.{key} must be shorter than or equal to {MAX_SHORT_TEXT} characters"
            for key in ("name", "email", "externalId")
            if _too_long(customer.get(key))
        ]
    if _too_long(body.get("name")):
        problems.append(f"name must be shorter than or equal to {MAX_SHORT_TEXT} characters")
    return problems

"""Reading requests: bodies through msgspec, ids from the path, page parameters."""

from __future__ import annotations

import enum
import io
import re
from collections.abc import Awaitable, Callable
from typing import IO, Any, TypeVar
from uuid import UUID

import msgspec
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from application.access import Principal
from application.errors import NotFound
from application.pagination import MAX_PAGE_SIZE, PageRequest
from domain.ids import TenantId, UserId
from entrypoints.http.problems import BadRequest, RequestInvalid

T = TypeVar("T")

PRINCIPAL = web.RequestKey("principal", Principal)
REQUEST_ID = web.RequestKey("request_id", str)

_AT = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
_LIMIT = re.compile(r"[0-9]{1,4}")
_NAMED = re.compile(r"(?:unknown|required) field `(?P<name>[^`]+)`")


def _field_of(message: str) -> str | None:
    at = _AT.search(message)
    path = at["path"] if at else ""
    named = _NAMED.search(message)
    if named:
        path = f"{path}.{named['name']}" if path else named["name"]
    return path or None


def decode_json(raw: bytes, kind: type[T]) -> T:
    """Decode and validate in one pass: malformed JSON is 400, a bad field 422."""
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as error:
        message = str(error)
        raise RequestInvalid(_AT.sub("", message), field=_field_of(message)) from None
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise BadRequest(f"the body is not valid JSON: {error}") from None
    except RecursionError:
        raise BadRequest("the body's JSON is nested too deeply") from None


async def body(request: web.Request, kind: type[T]) -> T:
    if request.content_type not in ("application/json", "application/merge-patch+json"):
        raise BadRequest("send the body as application/json")
    try:
        raw = await request.read()
    except (HttpProcessingError, RequestPayloadError) as error:
        # e.g. a body that is not the gzip its Content-Encoding claims
        raise BadRequest(f"the body cannot be read: {error}") from None
    return decode_json(raw, kind)


async def receive_limited(
    chunks: Callable[[], Awaitable[bytes]], limit: int, into: IO[bytes]
) -> None:
    """Write a body into `into` as it arrives, refusing it (413) once it passes `limit`.

    For the routes whose bodies may be larger than the app's client_max_size (uploads,
    Vapi's reports): that limit caps `request.read()` only, so these read the stream, and
    a body without a Content-Length (chunked) is bounded here, by what has been read.
    """
    size = 0
    try:
        while chunk := await chunks():
            size += len(chunk)
            if size > limit:
                raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)
            into.write(chunk)
    except (HttpProcessingError, RequestPayloadError) as error:
        # e.g. a body that is not the gzip its Content-Encoding claims
        raise BadRequest(f"the body cannot be read: {error}") from None


async def large_body(request: web.Request, limit: int) -> bytes:
    """The whole body of a request whose route takes large bodies, up to `limit` bytes."""
    received = io.BytesIO()
    await receive_limited(lambda: request.content.read(1 << 16), limit, received)
    return received.getvalue()


def path_id(request: web.Request, name: str) -> UUID:
    """An id from the path; one that is not a UUID cannot exist, so it is a 404."""
    raw = request.match_info[name]
    try:
        return UUID(raw)
    except ValueError:
        raise NotFound(name.removesuffix("_id").replace("_", " "), raw) from None


def tenant_id(request: web.Request) -> TenantId:
    return TenantId(path_id(request, "tenant_id"))


def user_id(request: web.Request) -> UserId:
    return UserId(path_id(request, "user_id"))


def page_request(request: web.Request) -> PageRequest:
    raw_limit = request.query.get("limit")
    limit = None
    if raw_limit is not None:
        if not _LIMIT.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= MAX_PAGE_SIZE:
            raise RequestInvalid(
                f"limit must be an integer from 1 to {MAX_PAGE_SIZE}", field="limit"
            )
        limit = int(raw_limit)
    return PageRequest.parse(limit, request.query.get("cursor") or None)


def principal(request: web.Request) -> Principal:
    return request[PRINCIPAL]


def changes(data: msgspec.Struct, **convert: Callable[[Any], Any]) -> dict[str, Any]:
    """The fields a PATCH body sets (absent ones are UNSET), without `version`, each passed
    through its converter when one is given (None stays None: it clears the field)."""
    found: dict[str, Any] = {}
    for name in data.__struct_fields__:
        value = getattr(data, name)
        if value is msgspec.UNSET or name == "version":
            continue
        found[name] = convert[name](value) if name in convert and value is not None else value
    return found


_BOOLEANS = {"true": True, "false": False}


def query_bool(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if raw not in _BOOLEANS:
        raise RequestInvalid(f"{name} must be true or false", field=name)
    return _BOOLEANS[raw]


E = TypeVar("E", bound=enum.Enum)


def query_enum(request: web.Request, name: str, kind: type[E]) -> E | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        raise RequestInvalid(f"{name} must be one of: {allowed}", field=name) from None


def query_text(request: web.Request, name: str, *, max_len: int = 255) -> str | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) > max_len or "\x00" in raw:
        raise RequestInvalid(
            f"{name} must be at most {max_len} characters, without NUL", field=name
        )
    return raw

"""Reading requests: bodies through msgspec, ids from the path, page parameters."""

from __future__ import annotations

import enum
import functools
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
from entrypoints.http.problems import (
    BadRequest,
    FieldError,
    RequestInvalid,
    UnsupportedMediaType,
)
from entrypoints.http.routing import JSON_TYPES
from entrypoints.http.validation import body_errors

S = TypeVar("S", bound=msgspec.Struct)

PRINCIPAL = web.RequestKey("principal", Principal)
REQUEST_ID = web.RequestKey("request_id", str)

_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_LIMIT = re.compile(r"[0-9]{1,4}")


IDEMPOTENCY_HEADER = "Idempotency-Key"
"""A client's key for a create it may retry: the retry gets the first answer."""


def decode_json(raw: bytes, kind: type[S]) -> S:
    """Decode and validate in one pass: malformed JSON is 400; a body msgspec refuses is
    422, naming every invalid field (read again, as plain JSON, to find them all)."""
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as error:
        try:
            plain = msgspec.json.decode(raw)
        except (msgspec.DecodeError, UnicodeDecodeError) as malformed:
            # Validated before it was read to its end: `2` then garbage is an int to the typed
            # decoder, and malformed JSON to the plain one.
            raise BadRequest(f"the body is not valid JSON: {malformed}") from None
        except RecursionError:
            raise BadRequest("the body's JSON is nested too deeply") from None
        raise RequestInvalid.of(_field_errors(plain, kind, error)) from None
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise BadRequest(f"the body is not valid JSON: {error}") from None
    except RecursionError:
        raise BadRequest("the body's JSON is nested too deeply") from None


def _field_errors(plain: Any, kind: type[msgspec.Struct], error: Exception) -> list[FieldError]:
    try:
        errors = body_errors(plain, kind)
    except RecursionError:
        errors = []
    if errors:
        return errors
    # A rule the field walk does not model (none today): msgspec's own account of the first.
    message = str(error)
    at = _AT.search(message)
    path = "body" + (at["path"] if at else "")
    return [FieldError(path, "is not valid: " + _AT.sub("", message))]


async def body(request: web.Request, kind: type[S]) -> S:
    if request.content_type not in JSON_TYPES:
        raise UnsupportedMediaType("send the body as application/json")
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


# A tenant's id is in the path of nearly every request, and the same few ids come again and
# again: parsing one costs some 1.2 us, finding it here 0.05. UUIDs are immutable, so one may
# be shared; only valid ids are kept (a ValueError is not cached), and at most 4,096 of them.
_parsed_uuid = functools.lru_cache(maxsize=4096)(UUID)


def path_id(request: web.Request, name: str) -> UUID:
    """An id from the path; one that is not a UUID cannot exist, so it is a 404."""
    raw = request.match_info[name]
    try:
        return _parsed_uuid(raw)
    except ValueError:
        raise NotFound(name.removesuffix("_id").replace("_", " "), raw) from None


def tenant_id(request: web.Request) -> TenantId:
    return TenantId(path_id(request, "tenant_id"))


def user_id(request: web.Request) -> UserId:
    return UserId(path_id(request, "user_id"))


def invalid_query(name: str, message: str, **bounds: Any) -> RequestInvalid:
    """A 422 for one query parameter."""
    return RequestInvalid.of([FieldError("query." + name, message, **bounds)])


def page_request(request: web.Request) -> PageRequest:
    raw_limit = request.query.get("limit")
    limit = None
    if raw_limit is not None:
        if not _LIMIT.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= MAX_PAGE_SIZE:
            raise invalid_query(
                "limit",
                f"must be an integer from 1 to {MAX_PAGE_SIZE}",
                minimum=1,
                maximum=MAX_PAGE_SIZE,
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
        raise invalid_query(name, "must be true or false", allowed=list(_BOOLEANS))
    return _BOOLEANS[raw]


E = TypeVar("E", bound=enum.Enum)


def query_enum(request: web.Request, name: str, kind: type[E]) -> E | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return kind(raw)
    except ValueError:
        allowed = [member.value for member in kind]
        raise invalid_query(
            name, "must be one of: " + ", ".join(map(str, allowed)), allowed=allowed
        ) from None


def query_text(request: web.Request, name: str, *, max_len: int = 255) -> str | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) > max_len:
        raise invalid_query(name, f"must be at most {max_len} characters", max_length=max_len)
    if "\x00" in raw:
        raise invalid_query(name, "must not contain NUL characters")
    return raw

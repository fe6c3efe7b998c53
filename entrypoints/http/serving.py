"""How every request is served around its handler (`serving`): the request's id, admission
(body limit, authentication, the request's media type and query parameters, in that order),
its errors as problem+json, its figures and its access line; and what no route took
(`unrouted`)."""

from __future__ import annotations

import random
import re
import time

import msgspec
import structlog
from aiohttp import web

from application.access import Principal
from application.errors import ProviderBusy, RateLimited, ServiceUnavailable, Unauthenticated
from entrypoints.http.metrics import UNMATCHED, record_answer
from entrypoints.http.problems import (
    PROBLEM_BASE,
    FieldError,
    Problem,
    RequestInvalid,
    TooManyRequests,
    UnsupportedMediaType,
    problem_for,
    problem_response,
)
from entrypoints.http.requests import PRINCIPAL, REQUEST_ID
from entrypoints.http.routing import Endpoint, Handler, endpoint_of, use_cases
from entrypoints.http.validation import query_errors
from entrypoints.logs import CURRENT_REQUEST_ID, principal_kind, write_access_line

log = structlog.get_logger("http")

REQUEST_ID_HEADER = "X-Request-Id"
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

MAX_BODY_BYTES = web.AppKey("max_body_bytes", int)
UPLOAD_MAX_BYTES = web.AppKey("upload_max_bytes", int)


# Calls last minutes; a line frees up soon enough that a retry within seconds is worth it.
PROVIDER_BUSY_RETRY_SECONDS = 5


# The version and variant bits of a UUID 4, so that a generated id reads as one.
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def new_request_id() -> str:
    """A random UUID 4 in hex. The id traces a request through the logs and is sent back
    to the client; it guards nothing, so the process's seeded generator (reseeded in a forked
    child) does, at a fifth of `uuid4`'s cost (a system call and a UUID object each)."""
    return f"{random.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"


def serving(endpoint: Endpoint | None, handler: Handler) -> Handler:
    """`handler` as every request to it is served, whatever it does: the request's id (a safe
    X-Request-Id sent, else a new one), in the logs while it is served and in the answer's
    header; admission (`_admit`); every error answered as problem+json; its answer counted in
    the request figures and written to the access log. `endpoint` None: a request no route
    took (`unrouted`).

    Each route's handler is wrapped once, at start-up, rather than run through aiohttp's
    middleware chain: the chain costs every request three coroutine calls, and what the
    endpoint decides (its template, whether it is public, the bodies it reads) is known here
    once for all its requests."""
    route = endpoint.path if endpoint is not None else None
    public = endpoint is None or endpoint.public

    async def serve(request: web.Request) -> web.StreamResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER)
        rid = (
            incoming
            if incoming is not None and SAFE_REQUEST_ID.fullmatch(incoming)
            else new_request_id()
        )
        request[REQUEST_ID] = rid
        token = CURRENT_REQUEST_ID.set(rid)
        started = time.perf_counter()
        principal: Principal | None = None
        try:
            try:
                principal = await _admit(request, endpoint, public)
                response = await handler(request)
            except web.HTTPException as error:
                if error.status < 400:
                    _answered(request, rid, route, principal, error.status, started)
                    raise
                response = _http_problem(request, error)
            except Exception as error:
                response = _problem(request, error)
        finally:
            CURRENT_REQUEST_ID.reset(token)
        response.headers[REQUEST_ID_HEADER] = rid
        _answered(request, rid, route, principal, response.status, started)
        return response

    return serve


UNROUTED_PATH = "/{path:.*}"
"""The route registered last, any method: what no endpoint's route took."""


async def unrouted(request: web.Request) -> web.StreamResponse:
    """No route took the request: 405 naming the methods its path has, else 404. Asked again
    of each route whose path could be the request's, as aiohttp's router does: its text
    before the first variable begins the request's path, and it has as many segments (a
    variable is one segment: no route's pattern spans a `/`). Only requests that go wrong
    come here; one no route could take (a scanner's `/.env`) asks none."""
    allowed: set[str] = set()
    this = request.match_info.route.resource
    path = request.rel_url.path_safe
    segments = path.count("/")
    for resource in request.app.router.resources():
        template = resource.canonical
        if (
            resource is not this
            and template.count("/") == segments
            and path.startswith(template.partition("{")[0])
        ):
            allowed |= (await resource.resolve(request))[1]
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, allowed)
    raise web.HTTPNotFound()


def _answered(
    request: web.Request,
    rid: str,
    route: str | None,
    principal: Principal | None,
    status: int,
    started: float,
) -> None:
    """The answer counted and timed in the request figures and written to the access log,
    timed to the handler's end (the answer's bytes are aiohttp's to send)."""
    seconds = time.perf_counter() - started
    template = route if route is not None else UNMATCHED
    record_answer(request, template, status, seconds)
    tenant = request.match_info.get("tenant_id")
    if tenant is None and principal is not None and principal.api_key_tenant_id is not None:
        tenant = str(principal.api_key_tenant_id)
    write_access_line(
        rid, request.method, template, status, seconds, tenant, principal_kind(principal)
    )


_HTTP_TITLES = {
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("body-too-large", "Request body too large"),
}


def _http_problem(request: web.Request, error: web.HTTPException) -> web.StreamResponse:
    """aiohttp's own refusals (no route, a method the route lacks, a body too large)."""
    code, title = _HTTP_TITLES.get(error.status, ("http-error", error.reason))
    detail = error.text if error.status == 413 and error.text else error.reason
    problem = Problem(
        PROBLEM_BASE + code,
        title,
        error.status,
        detail or title,
        instance=request.path,
        request_id=request.get(REQUEST_ID),
        code=code,
    )
    headers = {k: v for k, v in error.headers.items() if k.lower() in ("allow", "www-authenticate")}
    return problem_response(problem, headers=headers)


def _problem(request: web.Request, error: Exception) -> web.StreamResponse:
    """Any other error: mapped to its problem (application.errors and the domain's), or a
    500 that says nothing of the error but its request id."""
    mapped = problem_for(error)
    if mapped is None:
        log.exception("unhandled error", path=request.path, method=request.method)
        problem = Problem(
            PROBLEM_BASE + "internal",
            "Internal server error",
            500,
            "an unexpected error occurred; quote the request id when reporting it",
            instance=request.path,
            request_id=request.get(REQUEST_ID),
            code="internal",
        )
        return problem_response(problem)
    status, problem = mapped
    problem.instance = request.path
    problem.request_id = request.get(REQUEST_ID)
    if status == 422 and problem.errors is None and problem.field is not None:
        # One field refused after decoding (a rule of the domain, say): the same list.
        where = _location(endpoint_of(request), problem.field)
        problem.errors = [FieldError(where + problem.field, problem.detail)]
    if status >= 500:
        log.warning("service unavailable", path=request.path, detail=problem.detail)
    headers = {"WWW-Authenticate": 'Bearer realm="voice-agent"'} if status == 401 else {}
    if isinstance(error, ProviderBusy):
        headers["Retry-After"] = str(PROVIDER_BUSY_RETRY_SECONDS)
    if isinstance(error, ServiceUnavailable):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if isinstance(error, (TooManyRequests, RateLimited)):
        headers["Retry-After"] = str(error.retry_after_seconds)
    return problem_response(problem, headers=headers or None)


async def _admit(request: web.Request, endpoint: Endpoint | None, public: bool) -> Principal | None:
    """What a request must pass before its handler, in this order: a body within the limit,
    a caller (unless the route is public; the caller is returned), and a body and query the
    endpoint reads."""
    _check_body_size(request, endpoint)
    principal = None
    if not (public or request.method == "OPTIONS"):
        principal = request[PRINCIPAL] = await _authenticated(request)
    if endpoint is not None:
        _check_media_type_and_query(request, endpoint)
    return principal


def _check_body_size(request: web.Request, endpoint: Endpoint | None) -> None:
    """Refuse an oversized body from its Content-Length, before reading or authenticating.

    Bodies without a length (chunked) are bounded by the application's client_max_size.
    """
    length = request.content_length
    if length is None:
        return
    large = endpoint is not None and (endpoint.upload or endpoint.large_body)
    limit = request.app[UPLOAD_MAX_BYTES if large else MAX_BODY_BYTES]
    if length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=length)


async def _authenticated(request: web.Request) -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an Authorization: Bearer <token> header")
    return await use_cases(request).credentials.authenticate(token.strip())


_HEAD = re.compile(r"[^.\[]+")


def _location(endpoint: Endpoint | None, field: str) -> str:
    """Where in the request `field` is: `header.`, `body.` or `query.` (or nowhere known)."""
    if endpoint is None:
        return ""
    head = m[0] if (m := _HEAD.match(field)) else field
    if any(h.name.lower() == head.lower() for h in endpoint.headers):
        return "header."
    if endpoint.accepts and head in _body_fields(endpoint):
        return "body."
    if any(q.name == head for q in endpoint.query):
        return "query."
    return "body." if endpoint.accepts else ""


def _body_fields(endpoint: Endpoint) -> frozenset[str]:
    if endpoint.body is None:
        return frozenset(("file",)) if endpoint.upload else frozenset()
    return frozenset(f.encode_name for f in msgspec.structs.fields(endpoint.body))


_MEDIA_TYPE_DETAILS = {
    True: "send the CSV as text/csv, or as the `file` field of multipart/form-data",
    False: "send the body as application/json",
}


def _check_media_type_and_query(request: web.Request, endpoint: Endpoint) -> None:
    """A body of a media type the endpoint reads (else 415), and only the query parameters
    it declares, each valid (else one 422 naming every one that is not)."""
    if endpoint.accepts and request.content_type not in endpoint.accepts:
        raise UnsupportedMediaType(_MEDIA_TYPE_DETAILS[endpoint.upload])
    if request.query_string and not endpoint.open_query:
        errors = query_errors(request.query, ((q.name, q.schema) for q in endpoint.query))
        if errors:
            raise RequestInvalid.of(errors)

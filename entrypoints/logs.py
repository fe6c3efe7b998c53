"""Structured logs (structlog): readable in a terminal, JSON lines in production.

Every line goes through one renderer: our own structlog loggers and the standard library's
(Alembic, aiohttp, procrastinate, pgserver) alike, so a log collector never meets a line it
cannot parse. And through one writer, `LogLines`, so the file keeps the order lines were
logged in.

The access line is the one every request pays for, the cheapest request included. With JSON
logs it is not run through the processor chain (a context merge, an encoder and a write per
line cost more than such a request): `access_line` builds the very text the chain renders.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import sys
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from json.encoder import encode_basestring_ascii
from typing import TextIO

import structlog
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from application.access import Principal
from entrypoints.http.metrics import UNMATCHED
from entrypoints.http.requests import REQUEST_ID

_TIMESTAMP = structlog.processors.TimeStamper(fmt="iso", utc=True)

CURRENT_REQUEST_ID: ContextVar[str | None] = ContextVar("current_request_id", default=None)
"""The id of the request being served (set by entrypoints.http.serving): every line logged while
it is, ours or the standard library's, carries it as `request_id`. A context variable of its
own, set and reset once a request, where binding structlog's would copy the whole context."""


def add_request_id(
    _logger: object, _method: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    request_id = CURRENT_REQUEST_ID.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


class LogLines:
    """Where every line is written: each with its newline in one write, then flushed, so a
    collector tailing the file never reads half a line. Without a stream, whatever
    `sys.stdout` is at the time.

    Access lines come as fast as requests are answered: `hold` keeps them for up to
    `HELD_SECONDS` (or until `MOST_HELD` are held), then writes them together, one write for
    every request answered meanwhile rather than one each, as a web server's buffered access
    log does. Any other line writes the held ones first, so the file keeps the order lines
    were logged in; the process writes what it holds on its way out."""

    HELD_SECONDS = 0.05
    MOST_HELD = 512

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._held: list[str] = []

    def msg(self, message: str) -> None:
        with self._lock:
            self._held.append(message)
            self._write_held()

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg

    def hold(self, message: str) -> None:
        """A line written within `HELD_SECONDS` (at once without a running loop)."""
        with self._lock:
            self._held.append(message)
            held = len(self._held)
            if held >= self.MOST_HELD:
                self._write_held()
                return
            if held > 1:
                return  # the first held line asked for the flush
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
        else:
            loop.call_later(self.HELD_SECONDS, self.flush)

    def flush(self) -> None:
        with self._lock:
            if self._held:
                self._write_held()

    def _write_held(self) -> None:
        held = self._held
        text = held[0] + "\n" if len(held) == 1 else "\n".join(held) + "\n"
        held.clear()
        stream = self._stream or sys.stdout
        stream.write(text)
        stream.flush()


class _StandardLibraryLines(logging.Handler):
    """The standard library's records, rendered by the formatter, written by `LogLines`."""

    def __init__(self, lines: LogLines) -> None:
        super().__init__()
        self._lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.msg(self.format(record))
        except Exception:
            self.handleError(record)


_LINES = LogLines()


def configure_logging(level: str, fmt: str) -> None:
    global _write_access
    threshold = logging.getLevelNamesMapping()[level.upper()]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(
            # plain tracebacks: rich ones print local variables, bearer tokens included
            exception_formatter=structlog.dev.plain_traceback
        )
    )
    exceptions = (
        structlog.processors.format_exc_info
        if fmt == "json"
        else structlog.processors.StackInfoRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            add_request_id,
            structlog.processors.add_log_level,
            _TIMESTAMP,
            exceptions,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=lambda *_: _LINES,
        cache_logger_on_first_use=True,
    )
    handler = _StandardLibraryLines(_LINES)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.contextvars.merge_contextvars,
                add_request_id,
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                _TIMESTAMP,
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                exceptions,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(threshold)
    # pgserver narrates every command it runs at INFO, procrastinate every job it runs (the
    # reconciler logs what it did itself); aiohttp's own access log is replaced by ours.
    # Their warnings and errors still show.
    for chatty in ("pgserver", "procrastinate", "aiohttp.access"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, threshold))
    _write_access = (
        None
        if threshold > logging.INFO
        else _access_as_json
        if fmt == "json"
        else _access_through_structlog
    )
    # Lines held when the loop stops for good (a crash) are written on the way out.
    atexit.unregister(_LINES.flush)
    atexit.register(_LINES.flush)


class UtcStamps:
    """Now as `_TIMESTAMP` writes it (2026-12-04T20:50:25.773763Z; isoformat, which leaves out
    a fraction of zero), with the date and time formatted once a second, not once a line."""

    def __init__(self) -> None:
        self._second: tuple[int, str] = (-1, "")

    def at(self, ns: int) -> str:
        # datetime.now() floors the clock to the microsecond; so does this.
        second, micros = divmod(ns // 1000, 1_000_000)
        cached, prefix = self._second
        if cached != second:
            prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = (second, prefix)
        return f"{prefix}.{micros:06d}Z" if micros else f"{prefix}Z"

    def now(self) -> str:
        return self.at(time.time_ns())


def _json_text(value: str | None) -> str:
    return "null" if value is None else encode_basestring_ascii(value)


def access_line(
    request_id: str | None,
    method: str,
    route: str,
    status: int,
    latency_ms: float,
    tenant: str | None,
    principal: str,
    timestamp: str,
) -> str:
    """The text the JSON chain renders for the access log's event: its fields in the order
    given, then event, level and timestamp, with json.dumps' separators and escapes (tenant
    comes from the path, so it can hold anything)."""
    return (
        f'{{"request_id": {_json_text(request_id)}, "method": {encode_basestring_ascii(method)}, '
        f'"route": {encode_basestring_ascii(route)}, "status": {status:d}, '
        f'"latency_ms": {float.__repr__(latency_ms)}, "tenant": {_json_text(tenant)}, '
        f'"principal": {encode_basestring_ascii(principal)}, "event": "request", '
        f'"level": "info", "timestamp": {encode_basestring_ascii(timestamp)}}}'
    )


_access = structlog.get_logger("access")
_STAMPS = UtcStamps()


def _access_through_structlog(
    request_id: str | None,
    method: str,
    route: str,
    status: int,
    latency_ms: float,
    tenant: str | None,
    principal: str,
) -> None:
    _access.info(
        "request",
        request_id=request_id,
        method=method,
        route=route,
        status=status,
        latency_ms=latency_ms,
        tenant=tenant,
        principal=principal,
    )


def _access_as_json(
    request_id: str | None,
    method: str,
    route: str,
    status: int,
    latency_ms: float,
    tenant: str | None,
    principal: str,
) -> None:
    # Written after the request's id left the context: the chain would have merged nothing in.
    _LINES.hold(
        access_line(request_id, method, route, status, latency_ms, tenant, principal, _STAMPS.now())
    )


AccessWriter = Callable[[str | None, str, str, int, float, str | None, str], None]

# None: logs below info, or logging not configured (an application embedded in tests).
_write_access: AccessWriter | None = None


def write_access_line(
    request_id: str | None,
    method: str,
    route: str,
    status: int,
    seconds: float,
    tenant: str | None,
    principal: str,
) -> None:
    """The access line of one request answered: by route template, never the query string
    or the raw path, which can carry phone numbers (`lookup?phone=`) or anything a client
    typed. entrypoints.http.serving writes it for every request that reached the application."""
    if _write_access is not None:
        _write_access(
            request_id, method, route, status, round(seconds * 1000, 2), tenant, principal
        )


def principal_kind(principal: Principal | None) -> str:
    if principal is None:
        return "anonymous"
    if principal.is_api_key:
        return "api-key"
    return "platform-admin" if principal.is_platform_admin else "user"


class AccessLog(AbstractAccessLogger):
    """The access line of a request aiohttp answered without the application: one it could
    not parse, say. Every other request's line entrypoints.http.serving writes itself, from what
    it holds (`write_access_line`)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if REQUEST_ID in request:
            return
        write_access_line(None, request.method, UNMATCHED, response.status, time, None, "anonymous")

    @property
    def enabled(self) -> bool:
        return _write_access is not None

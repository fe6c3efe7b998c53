"""Structured logs (structlog): readable in a terminal, JSON lines in production.

Every line goes through one renderer: our own structlog loggers and the standard library's
(Alembic, aiohttp, procrastinate, pgserver) alike, so a log collector never meets a line it
cannot parse.
"""

from __future__ import annotations

import logging
import sys

import structlog
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from entrypoints.http.requests import PRINCIPAL, REQUEST_ID

_TIMESTAMP = structlog.processors.TimeStamper(fmt="iso", utc=True)


def configure_logging(level: str, fmt: str) -> None:
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
            structlog.processors.add_log_level,
            _TIMESTAMP,
            exceptions,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.contextvars.merge_contextvars,
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


_access = structlog.get_logger("access")


def principal_kind(request: web.BaseRequest) -> str:
    principal = request.get(PRINCIPAL)
    if principal is None:
        return "anonymous"
    if principal.is_api_key:
        return "api-key"
    return "platform-admin" if principal.is_platform_admin else "user"


class AccessLog(AbstractAccessLogger):
    """One line per request, by route template: never the query string or the raw path,
    which can carry phone numbers (`lookup?phone=`) or anything a client typed."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        match_info = request.match_info if isinstance(request, web.Request) else None
        resource = match_info.route.resource if match_info is not None else None
        principal = request.get(PRINCIPAL)
        tenant = match_info.get("tenant_id") if match_info is not None else None
        if tenant is None and principal is not None and principal.api_key_tenant_id is not None:
            tenant = str(principal.api_key_tenant_id)
        _access.info(
            "request",
            request_id=request.get(REQUEST_ID),
            method=request.method,
            route=resource.canonical if resource is not None else "unmatched",
            status=response.status,
            latency_ms=round(time * 1000, 2),
            tenant=tenant,
            principal=principal_kind(request),
        )

    @property
    def enabled(self) -> bool:
        return _access.is_enabled_for(logging.INFO)  # type: ignore[no-any-return]

"""Structured logs (structlog): readable in a terminal, JSON lines in production."""

from __future__ import annotations

import logging

import structlog


def configure_logging(level: str, fmt: str) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(
            # plain tracebacks: rich ones print local variables, bearer tokens included
            exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info
            if fmt == "json"
            else structlog.processors.StackInfoRenderer(),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level.upper(), format="%(message)s")
    # pgserver narrates every command it runs at INFO, procrastinate every job it runs (the
    # reconciler logs what it did itself); their warnings and errors still show.
    for chatty in ("pgserver", "procrastinate"):
        logging.getLogger(chatty).setLevel(
            max(logging.WARNING, logging.getLevelNamesMapping()[level.upper()])
        )

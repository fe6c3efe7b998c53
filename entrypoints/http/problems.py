"""RFC 9457 problem+json: one table from error type to status, most specific first."""

from __future__ import annotations

import msgspec
from aiohttp import web

from application.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    IdempotencyKeyReused,
    InvalidCursor,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ProviderBusy,
    ProviderError,
    ServiceUnavailable,
    Unauthenticated,
)
from domain.errors import DomainError, InvariantViolation, OwnerRoleReserved
from domain.plans import EntitlementExceeded, FeatureDisabled

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://voice-agent.dev/problems/"


class BadRequest(Exception):
    """The request is not well-formed (malformed JSON, wrong content type)."""

    code = "bad-request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RequestInvalid(Exception):
    """Well-formed, but a field has the wrong type, is missing, unknown or out of range."""

    code = "validation-failed"

    def __init__(self, message: str, *, field: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class TooManyRequests(Exception):
    """This process is doing as much of this work at once as it may: retry later."""

    code = "too-many-requests"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_seconds = retry_after_seconds


class Problem(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    field: str | None = None
    code: str | None = None
    feature: str | None = None
    limit: int | None = None
    used: int | None = None
    existing_id: str | None = None


PROBLEMS: list[tuple[type[Exception], int, str]] = [
    (EntitlementExceeded, 403, "Plan limit reached"),
    (FeatureDisabled, 403, "Feature not in plan"),
    (BadRequest, 400, "Malformed request"),
    (RequestInvalid, 422, "Invalid request"),
    (TooManyRequests, 429, "Too many requests"),
    (Unauthenticated, 401, "Authentication required"),
    (NotFound, 404, "Not found"),
    (OwnerRoleReserved, 403, "Forbidden"),
    (PermissionDenied, 403, "Forbidden"),
    (ConcurrencyConflict, 409, "Conflict"),
    (AlreadyExists, 409, "Already exists"),
    (InvalidCursor, 422, "Invalid request"),
    (InvalidInput, 422, "Invalid request"),
    (IdempotencyKeyReused, 422, "Invalid request"),
    (InvariantViolation, 409, "Conflict with the current state"),
    (DomainError, 422, "Invalid request"),
    (ServiceUnavailable, 503, "Service unavailable"),
    (ProviderBusy, 503, "Service unavailable"),
    (ProviderError, 502, "Telephony provider error"),
]


def problem_for(error: Exception) -> tuple[int, Problem] | None:
    for kind, status, title in PROBLEMS:
        if isinstance(error, kind):
            code = getattr(error, "code", "error")
            return status, Problem(
                type=PROBLEM_BASE + code,
                title=title,
                status=status,
                detail=str(getattr(error, "message", error)),
                field=getattr(error, "field", None),
                code=code,
                feature=getattr(error, "feature", None),
                limit=getattr(error, "limit", None),
                used=getattr(error, "used", None),
                existing_id=_text(getattr(error, "existing_id", None)),
            )
    return None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def problem_response(problem: Problem, *, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=problem.status,
        body=msgspec.json.encode(problem),
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )

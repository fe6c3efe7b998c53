"""RFC 9457 problem+json: one table from error type to status, most specific first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

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
    ProvisioningRefused,
    RateLimited,
    ResetTokenInvalid,
    ServiceUnavailable,
    Unauthenticated,
)
from domain.errors import DomainError, InvariantViolation, OwnerRoleReserved
from domain.plans import EntitlementExceeded, FeatureDisabled

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://voice-agent.dev/problems/"


class BadRequest(Exception):
    """The request is not well-formed (malformed JSON, an unreadable body)."""

    code = "bad-request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedMediaType(Exception):
    """The body is not of a type the endpoint reads."""

    code = "unsupported-media-type"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


FieldPath = Annotated[
    str,
    msgspec.Meta(
        description="Where: `body.` and the path into the JSON body, `query.` and the "
        "parameter, or `header.` and the header.",
        examples=["body.voice.language"],
    ),
]
Allowed = str | int | bool


class FieldError(msgspec.Struct, omit_defaults=True):
    """One invalid part of a request, with what would be accepted there."""

    field: FieldPath
    message: Annotated[
        str,
        msgspec.Meta(
            description="What is wrong, to read after the field.",
            examples=["must be at most 255 characters"],
        ),
    ]
    allowed: Annotated[
        list[Allowed] | None,
        msgspec.Meta(description="The values accepted here.", examples=[["owner", "admin"]]),
    ] = None
    minimum: Annotated[
        int | float | None, msgspec.Meta(description="The least number accepted.")
    ] = None
    maximum: Annotated[
        int | float | None, msgspec.Meta(description="The greatest number accepted.")
    ] = None
    min_length: Annotated[
        int | None,
        msgspec.Meta(description="The fewest characters (of text) or items accepted."),
    ] = None
    max_length: Annotated[
        int | None,
        msgspec.Meta(description="The most characters (of text) or items accepted."),
    ] = None
    pattern: Annotated[
        str | None, msgspec.Meta(description="A regular expression the text must match.")
    ] = None


_LOCATIONS = ("body.", "query.", "header.")


def bare_field(path: str) -> str | None:
    """A field path without its location (`body.voice.language` -> `voice.language`); None
    for the body as a whole."""
    for location in _LOCATIONS:
        if path.startswith(location):
            return path[len(location) :]
    return None if path == "body" else path


def summary(errors: Sequence[FieldError], *, shown: int = 5) -> str:
    """One sentence naming every invalid field (the first few with their message)."""
    parts = [f"{e.field} {e.message}" for e in errors[:shown]]
    if len(errors) > shown:
        parts.append(f"and {len(errors) - shown} more")
    return "; ".join(parts)


class RequestInvalid(Exception):
    """Well-formed, but parts of it are invalid: wrong types, missing, unknown or out of range.

    `errors` lists each of them; a handler that checks one field may give just `field` and
    the message, and the location is found from the route (see entrypoints.http.serving)."""

    code = "validation-failed"

    def __init__(
        self, message: str, *, field: str | None = None, errors: Sequence[FieldError] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)
        self.field = field if field is not None or not errors else bare_field(errors[0].field)

    @classmethod
    def of(cls, errors: Sequence[FieldError]) -> RequestInvalid:
        return cls(summary(errors), errors=errors)


class TooManyRequests(Exception):
    """This process is doing as much of this work at once as it may: retry later."""

    code = "too-many-requests"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_seconds = retry_after_seconds


class Problem(msgspec.Struct, omit_defaults=True):
    """An error, as RFC 9457 problem details (`application/problem+json`)."""

    type: Annotated[
        str,
        msgspec.Meta(
            description="A URI naming the kind of problem.",
            examples=["https://voice-agent.dev/problems/validation-failed"],
        ),
    ]
    title: Annotated[
        str,
        msgspec.Meta(description="The kind of problem, in words.", examples=["Invalid request"]),
    ]
    status: Annotated[int, msgspec.Meta(description="The HTTP status.", examples=[422])]
    detail: Annotated[
        str,
        msgspec.Meta(
            description="What went wrong with this request.",
            examples=["body.name must be at most 255 characters"],
        ),
    ]
    instance: Annotated[
        str | None,
        msgspec.Meta(description="The request's path.", examples=["/v1/tenants"]),
    ] = None
    request_id: Annotated[
        str | None,
        msgspec.Meta(
            description="The request's id (also the X-Request-Id header): quote it when "
            "reporting a problem.",
            examples=["0b9e4a3c5f6d4e2a8b7c1d0e9f8a7b6c"],
        ),
    ] = None
    field: Annotated[
        str | None,
        msgspec.Meta(
            description="The field the problem is about, without its location (for a 422, "
            "the first of `errors`).",
            examples=["name"],
        ),
    ] = None
    code: Annotated[
        str | None,
        msgspec.Meta(
            description="The last segment of `type`, for switching on.",
            examples=["validation-failed"],
        ),
    ] = None
    errors: Annotated[
        list[FieldError] | None,
        msgspec.Meta(description="422: every invalid field of the request, each once."),
    ] = None
    feature: Annotated[
        str | None,
        msgspec.Meta(description="The plan feature refused (403).", examples=["voice_agents.max"]),
    ] = None
    limit: Annotated[
        int | None, msgspec.Meta(description="The plan's limit (403).", examples=[3])
    ] = None
    used: Annotated[
        int | None, msgspec.Meta(description="How much of the limit is used (403).", examples=[3])
    ] = None
    existing_id: Annotated[
        str | None,
        msgspec.Meta(
            description="409: the id of the record that already holds the key, where you may "
            "read it.",
            examples=["0190f5a2-7c1e-7d3a-9b2f-4e5d6c7b8a90"],
        ),
    ] = None
    tenant_ids: Annotated[
        list[str] | None,
        msgspec.Meta(
            description="409 `last-owner` on deleting an account: the tenants of which the "
            "user is the only owner.",
            examples=[["0190f5a2-7c1e-7d3a-9b2f-4e5d6c7b8a90"]],
        ),
    ] = None


PROBLEMS: list[tuple[type[Exception], int, str]] = [
    (EntitlementExceeded, 403, "Plan limit reached"),
    (FeatureDisabled, 403, "Feature not in plan"),
    (BadRequest, 400, "Malformed request"),
    (UnsupportedMediaType, 415, "Unsupported media type"),
    (RequestInvalid, 422, "Invalid request"),
    (TooManyRequests, 429, "Too many requests"),
    (RateLimited, 429, "Too many attempts"),
    (ResetTokenInvalid, 400, "Invalid reset token"),
    (Unauthenticated, 401, "Authentication required"),
    (NotFound, 404, "Not found"),
    (OwnerRoleReserved, 403, "Forbidden"),
    (PermissionDenied, 403, "Forbidden"),
    (ConcurrencyConflict, 409, "Conflict"),
    (AlreadyExists, 409, "Already exists"),
    (InvalidCursor, 422, "Invalid request"),
    (InvalidInput, 422, "Invalid request"),
    (IdempotencyKeyReused, 422, "Invalid request"),
    (ProvisioningRefused, 422, "Refused by the telephony provider"),
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
                errors=(error.errors or None) if isinstance(error, RequestInvalid) else None,
                feature=getattr(error, "feature", None),
                limit=getattr(error, "limit", None),
                used=getattr(error, "used", None),
                existing_id=_text(getattr(error, "existing_id", None)),
                tenant_ids=getattr(error, "tenant_ids", None),
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

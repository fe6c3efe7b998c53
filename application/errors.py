"""Errors raised by use cases and ports. The HTTP layer maps each type to one status."""

from __future__ import annotations

from uuid import UUID


class ApplicationError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ApplicationError):
    """Unknown id, or an id of another tenant: callers cannot tell the two apart."""

    code = "not-found"

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key} not found")
        self.entity = entity
        self.key = key


class Unauthenticated(ApplicationError):
    code = "unauthenticated"


class PermissionDenied(ApplicationError):
    code = "forbidden"

    def __init__(self, message: str, *, permission: str | None = None) -> None:
        super().__init__(message)
        self.permission = permission


class AlreadyExists(ApplicationError):
    """A unique key is taken."""

    code = "already-exists"

    def __init__(
        self,
        entity: str,
        field: str,
        message: str | None = None,
        *,
        existing_id: UUID | None = None,
    ) -> None:
        super().__init__(message or f"a {entity} with this {field} already exists")
        self.entity = entity
        self.field = field
        self.existing_id = existing_id
        """Set where the caller may see the record that holds the key (same tenant)."""


def provider_number_taken() -> AlreadyExists:
    """A provider's line id active in some tenant; which one is never said."""
    return AlreadyExists(
        "phone number",
        "provider_number_id",
        "this provider_number_id is already registered",
    )


def number_taken() -> AlreadyExists:
    """A phone number active in some tenant; which one is never said."""
    return AlreadyExists("phone number", "number", "this number is already registered")


def lead_phone_taken() -> AlreadyExists:
    return AlreadyExists("lead", "phone", "the tenant already has a lead with this phone")


class ConcurrencyConflict(ApplicationError):
    """The aggregate changed since it was read: re-read and try again."""

    code = "conflict"

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key} was changed by another request; read it again and retry")
        self.entity = entity
        self.key = key


class InvalidCursor(ApplicationError):
    code = "invalid-cursor"

    def __init__(self) -> None:
        super().__init__("the pagination cursor is not one this API issued")
        self.field = "cursor"


class InvalidInput(ApplicationError):
    """Input the storage refused as data (e.g. a character it cannot hold)."""

    code = "invalid-input"


class ProviderError(ApplicationError):
    """The telephony provider did not do what was asked."""

    code = "provider-error"


class ProviderRejected(ProviderError):
    """The provider refused the request: nothing was created there."""

    code = "provider-rejected"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ProviderUnreachable(ProviderError):
    """The request never reached the provider (connection refused): nothing was created."""

    code = "provider-unreachable"


class ProviderOutcomeUnknown(ProviderError):
    """The request may have reached the provider (timeout, 5xx): whether a call exists must
    be found out, never assumed — retrying could dial the person twice."""

    code = "provider-outcome-unknown"


class ProvisioningRefused(ApplicationError):
    """The provider refused to make the number asked for, for a reason of the request's (bad
    credentials, no number in that area code, a number it does not know): its reason is said,
    and nothing was kept."""

    code = "provider-rejected"


class ServiceUnavailable(ApplicationError):
    """A backing service (the database) cannot serve the request now: unreachable, not
    answering, or every connection or the records it needs busy past their bound. The
    request changed nothing; retrying after `retry_after_seconds` may succeed."""

    code = "service-unavailable"

    def __init__(self, message: str, *, retry_after_seconds: int = 5) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class DatabaseBusy(ServiceUnavailable):
    """The database answers, but this work met a lock or statement bound: other work holds
    the records it needs (a lead import, say) or the statement ran too long. Unlike an
    unreachable database, other work on other records goes on meanwhile."""


class ProviderBusy(ApplicationError):
    """Every line of the shared provider account is in use: retry when one frees up."""

    code = "provider-busy"

    def __init__(self, limit: int, *, share: bool = False) -> None:
        super().__init__(
            f"the tenant holds {limit} of the telephony provider's lines, the most one tenant"
            " may hold at once (they are shared with other tenants); retry when one of its"
            " calls ends"
            if share
            else f"all {limit} concurrent calls of the telephony provider are in use; retry shortly"
        )
        self.limit = limit


class IdempotencyKeyReused(ApplicationError):
    """An Idempotency-Key sent again with a different request."""

    code = "idempotency-key-reused"

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was used for a different request; use a new key for a new call"
        )
        self.field = "Idempotency-Key"


class RateLimited(ApplicationError):
    """Too many failed attempts from this address or client: nothing was checked; retry after
    `retry_after_seconds`."""

    code = "rate-limited"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"too many attempts; try again in {retry_after_seconds} seconds",
        )
        self.retry_after_seconds = retry_after_seconds


class ResetTokenInvalid(ApplicationError):
    """A password reset token that is unknown, expired or used: one answer for all three."""

    code = "reset-token-invalid"

    def __init__(self) -> None:
        super().__init__("the reset token is invalid, expired or already used; ask for a new one")
        self.field = "token"

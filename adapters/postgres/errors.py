"""Database errors translated at the border into the application's errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from application.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    DatabaseBusy,
    InvalidInput,
    ServiceUnavailable,
)

# SQLSTATEs that mean "another transaction got in the way; retrying may succeed".
_CONFLICT_STATES = {"40001", "40P01"}
# lock_not_available: lock_timeout passed (nothing here locks with NOWAIT).
_LOCK_TIMEOUT = "55P03"
# query_canceled: statement_timeout passed (nothing here cancels its own queries).
_STATEMENT_TIMEOUT = "57014"


class DatabaseNotAnswering(Exception):
    """The server did not answer a statement within its bound: the connection was cut."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no answer from the database within {seconds:g} s")
        self.seconds = seconds


def constraint_of(error: IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


def translate(error: BaseException) -> BaseException | None:
    """The application error a database error stands for, or None to let it through."""
    if isinstance(error, IntegrityError):
        return None
    if isinstance(error, PoolTimeout):
        return ServiceUnavailable(
            "every database connection of this server is in use and none came free in time;"
            " nothing was changed",
            retry_after_seconds=2,
        )
    if isinstance(error, DatabaseNotAnswering):
        return ServiceUnavailable(
            f"the database did not answer within {error.seconds:g} s, so its connection was"
            " dropped; nothing was changed"
        )
    if isinstance(error, DBAPIError):
        state = getattr(error.orig, "sqlstate", None)
        if state in _CONFLICT_STATES:
            return ConcurrencyConflict("transaction", state)
        if state == _LOCK_TIMEOUT:
            return DatabaseBusy(
                "records this request needs were held by another operation (such as a lead"
                " import) longer than the lock timeout; nothing was changed"
            )
        if state == _STATEMENT_TIMEOUT:
            return DatabaseBusy(
                "the database did not finish this request's work within the statement"
                " timeout; nothing was changed"
            )
        if isinstance(error, DataError) or (state is not None and state.startswith("22")):
            # A data exception: a value the domain let through but PostgreSQL cannot store or
            # compare (a NUL character, an out-of-range time). Still the client's input, so a
            # 422 — with no database text in it.
            return InvalidInput("a value in the request cannot be stored (e.g. a NUL character)")
        if error.connection_invalidated or isinstance(error, (OperationalError, InterfaceError)):
            return ServiceUnavailable("the database is unreachable; nothing was changed")
    if isinstance(error, (ConnectionError, TimeoutError)):
        return ServiceUnavailable("the database is unreachable; nothing was changed")
    return None


def unique_violation(
    error: IntegrityError, constraints: Mapping[str, Callable[[], AlreadyExists]]
) -> AlreadyExists | None:
    """The AlreadyExists a known unique constraint stands for, else None."""
    name = constraint_of(error)
    return constraints[name]() if name is not None and name in constraints else None

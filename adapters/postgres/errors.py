"""Database errors translated at the border into the application's errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError

from application.errors import AlreadyExists, ConcurrencyConflict, InvalidInput, ServiceUnavailable

# SQLSTATEs that mean "another transaction got in the way; retrying may succeed".
_CONFLICT_STATES = {"40001", "40P01", "55P03"}


def constraint_of(error: IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


def translate(error: BaseException) -> BaseException | None:
    """The application error a database error stands for, or None to let it through."""
    if isinstance(error, IntegrityError):
        return None
    if isinstance(error, DBAPIError):
        state = getattr(error.orig, "sqlstate", None)
        if state in _CONFLICT_STATES:
            return ConcurrencyConflict("transaction", state)
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

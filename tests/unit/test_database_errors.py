"""Database errors translated at the border: every bound a wait runs into is a 503 with a
Retry-After and a detail saying which bound, never a 500 or a 409."""

from __future__ import annotations

import psycopg.errors
import pytest
import sqlalchemy.exc

from adapters.postgres.errors import DatabaseNotAnswering, translate
from application.errors import ConcurrencyConflict, DatabaseBusy, ServiceUnavailable
from entrypoints.http.problems import problem_for


def _dbapi(error: Exception) -> sqlalchemy.exc.DBAPIError:
    return sqlalchemy.exc.OperationalError("SELECT 1", {}, error)


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (sqlalchemy.exc.TimeoutError("QueuePool limit reached"), "connection"),
        (_dbapi(psycopg.errors.LockNotAvailable("lock timeout")), "lock timeout"),
        (_dbapi(psycopg.errors.QueryCanceled("statement timeout")), "statement timeout"),
        (DatabaseNotAnswering(3.0), "did not answer within 3 s"),
    ],
    ids=["pool checkout", "lock wait", "statement", "no answer"],
)
def test_a_wait_past_its_bound_is_a_503_saying_which(error: Exception, words: str) -> None:
    translated = translate(error)

    assert isinstance(translated, ServiceUnavailable)
    assert words in translated.message
    assert "nothing was changed" in translated.message
    assert translated.retry_after_seconds > 0
    mapped = problem_for(translated)
    assert mapped is not None
    assert mapped[0] == 503


def test_a_serialization_failure_is_still_a_conflict_to_retry() -> None:
    translated = translate(_dbapi(psycopg.errors.SerializationFailure("could not serialize")))

    assert isinstance(translated, ConcurrencyConflict)


@pytest.mark.parametrize(
    ("error", "busy"),
    [
        (_dbapi(psycopg.errors.LockNotAvailable("lock timeout")), True),
        (_dbapi(psycopg.errors.QueryCanceled("statement timeout")), True),
        (sqlalchemy.exc.TimeoutError("QueuePool limit reached"), False),
        (DatabaseNotAnswering(3.0), False),
        (_dbapi(psycopg.OperationalError("connection refused")), False),
        (ConnectionResetError("reset by peer"), False),
    ],
    ids=["lock wait", "statement", "pool checkout", "no answer", "refused", "reset"],
)
def test_only_a_lock_or_statement_bound_says_the_database_is_busy(
    error: Exception, busy: bool
) -> None:
    """Busy: the database answers, other work holds the rows (callers may go on with other
    work); otherwise it is unreachable or not answering (callers stop)."""
    translated = translate(error)

    assert isinstance(translated, ServiceUnavailable)
    assert isinstance(translated, DatabaseBusy) is busy

"""The async engine and the database URL conventions."""

from __future__ import annotations

import json
from typing import Any

import attrs
import msgspec
from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState

from adapters.postgres.timeouts import DatabaseTimeouts, bound_every_statement


def async_url(url: str) -> str:
    """Accept postgres://, postgresql:// or postgresql+psycopg:// and use psycopg 3."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The same server for synchronous use (migrations): psycopg 3 serves both."""
    return async_url(url)


def libpq_url(url: str) -> str:
    """A plain postgresql:// URL, as psql and psycopg.connect() expect it."""
    return (
        make_url(async_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def load_json(text: str | bytes) -> Any:
    """What json.loads gives, several times faster: reads return transcripts and Vapi's
    records, often kilobytes each. A number msgspec refuses (out of a float's range) is read
    by json.loads, as before."""
    try:
        return _decode_json(text)
    except msgspec.DecodeError:
        return json.loads(text)


_decode_json = msgspec.json.Decoder().decode


def dump_json(value: Any) -> str:
    """What json.dumps gives a JSON column, several times faster: provider messages are
    stored whole, with their transcripts."""
    return _encode_json(value).decode()


_encode_json = msgspec.json.Encoder().encode


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int | None = None,
    connect_timeout: float = 5.0,
    timeouts: DatabaseTimeouts | None = None,
) -> AsyncEngine:
    """The pool, with a bound on every wait (adapters.postgres.timeouts).

    Up to twice `pool_size` connections, each opened when first needed and then kept (unless
    `max_overflow` says otherwise): connections past `pool_size` as SQLAlchemy's overflow would
    be closed whenever the load dipped and opened again on the next rise, a new server process
    each time (on the benchmark's call read, a tenth of the API's time went to connecting).

    No pre-ping: its round trip on every checkout could wait forever on a hung server, out of
    reach of any bound. A unit of work replaces a connection the server dropped while it sat in
    the pool (a restart) when its first statement finds it closed."""
    timeouts = timeouts or DatabaseTimeouts()
    kept, overflow = (2 * pool_size, 0) if max_overflow is None else (pool_size, max_overflow)
    engine = create_async_engine(
        async_url(url),
        pool_size=kept,
        max_overflow=overflow,
        pool_timeout=timeouts.pool_seconds,
        pool_recycle=1800,
        connect_args={"connect_timeout": max(1, round(connect_timeout))},
        json_deserializer=load_json,
        json_serializer=dump_json,
        # A connection comes back idle from nearly every use (a unit of work ends its own
        # transaction): the rollback SQLAlchemy sends on every return is made only when the
        # connection is still in a transaction (_reset_when_needed).
        pool_reset_on_return=None,
    )
    event.listen(engine.sync_engine, "reset", _reset_when_needed)
    bound_every_statement(engine, timeouts.statement_seconds)
    return engine


def _reset_when_needed(
    dbapi_connection: Any, record: ConnectionPoolEntry, state: PoolResetState
) -> None:
    """Roll back what a connection returned to the pool left open. The driver's rollback
    of an idle connection sends nothing, but SQLAlchemy's call into it cost a hop into its
    greenlet on every return."""
    if state.terminate_only:
        return
    driver = record.driver_connection
    if driver is None or driver.info.transaction_status != TransactionStatus.IDLE:
        dbapi_connection.rollback()


# The probe's pool: one connection for the load balancer's checks and the scrapes, a little
# overflow for when they meet, and a short wait when more meet than that.
PROBE_POOL_SIZE = 1
PROBE_POOL_OVERFLOW = 2
PROBE_POOL_SECONDS = 1.0


def create_probe_engine(
    url: str, *, connect_timeout: float = 5.0, timeouts: DatabaseTimeouts | None = None
) -> AsyncEngine:
    """A small pool of its own for readiness and the metrics' figures: when a busy moment
    takes every connection of the API's pool, they still tell whether the database answers
    (instead of waiting for the pool and reporting it down), and never take a connection a
    request waits for. Same connect timeout and statement bound as the API's."""
    timeouts = timeouts or DatabaseTimeouts()
    return create_engine(
        url,
        pool_size=PROBE_POOL_SIZE,
        max_overflow=PROBE_POOL_OVERFLOW,
        connect_timeout=connect_timeout,
        timeouts=attrs.evolve(
            timeouts, pool_seconds=min(timeouts.pool_seconds, PROBE_POOL_SECONDS)
        ),
    )


def with_login(url: str, user: str, password: str | None = None) -> str:
    """The same server, database and options, logged in as `user` with `password`. Without
    one, `url`'s own password is kept only if `url` already logs in as `user` (trust or peer
    authentication, as on the embedded server, needs none)."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if password is None and parsed.username == user:
        password = parsed.password
    login = URL.create(
        parsed.drivername,
        username=user,
        password=password,  # never another login's: URL.set would keep it when given None
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return login.render_as_string(hide_password=False)

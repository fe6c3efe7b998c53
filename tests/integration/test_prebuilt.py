"""Prebuilt statements, run on the driver's own connection, behave as SQLAlchemy's execution
of the same statement: the same values written and read (JSON, arrays, booleans, the
statement's own values), the same errors (IntegrityError, a lost connection invalidated),
the unit of work's transaction and bounds."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.postgres.engine import create_engine, libpq_url
from adapters.postgres.errors import DatabaseNotAnswering, translate
from adapters.postgres.prebuilt import Prebuilt
from adapters.postgres.timeouts import ANSWER_GRACE_SECONDS, STATEMENT_SECONDS
from application.errors import DatabaseBusy
from tests.integration.test_database_bounds import FAST, SLACK, relayed  # noqa: F401

pytestmark = pytest.mark.postgres

_meta = sa.MetaData()
things = sa.Table(
    "prebuilt_things",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("doc", JSONB(none_as_null=True)),
    sa.Column("tags", ARRAY(sa.String(20)), nullable=False),
    sa.Column("flag", sa.Boolean, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
)
# The flag and the label are the statement's own values, bound by SQLAlchemy.
INSERT = Prebuilt(
    sa.insert(things).values(
        id=sa.bindparam("id"),
        doc=sa.bindparam("doc"),
        tags=sa.bindparam("tags"),
        flag=True,
        label="built in",
    )
)
BY_ID = Prebuilt(sa.select(things).where(things.c.id == sa.bindparam("id")))

# PostgreSQL's text and jsonb hold no NUL character, whoever writes them.
texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
documents = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture
async def engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def conn(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A transaction holding the table, rolled back afterwards (nothing is left behind)."""
    async with engine.connect() as conn:
        await conn.begin()
        await conn.run_sync(lambda sync: things.create(sync))
        yield conn
        await conn.rollback()


async def _through_sqlalchemy(conn: AsyncConnection, values: dict[str, Any]) -> dict[str, Any]:
    await conn.execute(INSERT.statement, values)
    found = (await conn.execute(BY_ID.statement, {"id": values["id"]})).one()
    return dict(found._mapping)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=documents, tags=st.lists(texts, max_size=3))
async def test_written_and_read_as_sqlalchemy_writes_and_reads(conn, doc, tags):
    await conn.execute(sa.delete(things))

    await INSERT.run(conn, {"id": 1, "doc": doc, "tags": tags})
    ours = (await BY_ID.run(conn, {"id": 1})).first()
    theirs = await _through_sqlalchemy(conn, {"id": 2, "doc": doc, "tags": tags})

    assert ours == {**theirs, "id": 1}
    assert ours["label"] == "built in"
    assert ours["flag"] is True


async def test_the_rows_touched_are_counted(conn):
    touched = await INSERT.executemany(conn, [{"id": n, "doc": None, "tags": []} for n in (1, 2)])
    removed = await Prebuilt(sa.delete(things)).run(conn, {})

    assert (touched, removed.rowcount, removed.rows) == (2, 2, [])


async def test_a_parameter_missing_or_unknown_is_refused_before_anything_is_sent(conn):
    with pytest.raises(KeyError, match="missing \\['tags'\\]"):
        await INSERT.run(conn, {"id": 1, "doc": None})
    with pytest.raises(KeyError, match="unknown \\['colour'\\]"):
        await BY_ID.run(conn, {"id": 1, "colour": "red"})

    assert (await BY_ID.run(conn, {"id": 1})).rows == []  # the transaction goes on


async def test_a_refused_row_is_sqlalchemys_integrity_error(conn):
    await INSERT.run(conn, {"id": 1, "doc": None, "tags": []})

    with pytest.raises(sa.exc.IntegrityError) as refused:
        await INSERT.run(conn, {"id": 1, "doc": None, "tags": []})

    assert isinstance(refused.value.orig, psycopg.errors.UniqueViolation)
    assert not refused.value.connection_invalidated


async def test_the_server_stopping_a_statement_is_busy(engine):
    async with engine.connect() as conn:
        await conn.begin()
        await conn.execute(sa.text("SET LOCAL statement_timeout = '50ms'"))

        with pytest.raises(sa.exc.DBAPIError) as stopped:
            await Prebuilt(sa.select(sa.func.pg_sleep(2))).run(conn, {})

    assert isinstance(translate(stopped.value), DatabaseBusy)


async def test_a_lost_connection_is_invalidated_and_the_pool_serves_a_new_one(engine, pg_url):
    async with engine.connect() as conn:
        pid = (await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
        await conn.rollback()
    async with await psycopg.AsyncConnection.connect(libpq_url(pg_url), autocommit=True) as admin:
        await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    async with engine.connect() as conn:
        with pytest.raises(sa.exc.DBAPIError) as lost:
            await Prebuilt(sa.select(sa.literal(1))).run(conn, {})
    assert lost.value.connection_invalidated

    async with engine.connect() as conn:
        again = await Prebuilt(sa.select(sa.func.pg_backend_pid())).run(conn, {})
    assert again.rows[0][0] != pid


async def test_a_server_that_stops_answering_ends_the_wait_within_the_bound(relayed):  # noqa: F811
    relay, engine = relayed
    bound = FAST.statement_seconds + ANSWER_GRACE_SECONDS
    async with engine.connect() as conn:
        await Prebuilt(sa.select(sa.literal(1))).run(conn, {})  # connected before the freeze
        await conn.rollback()
        relay.freeze()
        conn = await conn.execution_options(**{STATEMENT_SECONDS: FAST.statement_seconds})
        started = time.monotonic()
        with pytest.raises(DatabaseNotAnswering):
            await Prebuilt(sa.select(sa.literal(1))).run(conn, {})
        elapsed = time.monotonic() - started
    relay.thaw()

    assert bound <= elapsed < bound + SLACK

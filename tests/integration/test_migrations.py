"""Migrations: up from empty, down to nothing, up again; and they agree with the metadata."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from adapters.postgres import schema
from adapters.postgres.embedded import drop_database, ensure_database
from adapters.postgres.engine import sync_url
from adapters.postgres.tables import metadata

pytestmark = pytest.mark.postgres


@pytest.fixture
def empty_database(pg_server_url: str):
    name = f"voice_agent_migrations_{uuid.uuid4().hex[:12]}"
    url = ensure_database(pg_server_url, name)
    try:
        yield url
    finally:
        drop_database(pg_server_url, name)


def _all_tables(url: str) -> set[str]:
    engine = sa.create_engine(sync_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    """Our tables (the job queue's are procrastinate's, checked apart)."""
    return {t for t in _all_tables(url) if not t.startswith(schema.JOB_QUEUE_PREFIX)}


def _job_queue_tables(url: str) -> set[str]:
    return {t for t in _all_tables(url) if t.startswith(schema.JOB_QUEUE_PREFIX)}


def _differences(url: str) -> list[object]:
    engine = sa.create_engine(sync_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": schema.described_by_metadata}
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_on_an_empty_database(empty_database):
    schema.upgrade(empty_database)
    assert _tables(empty_database) == set(metadata.tables)
    assert "procrastinate_jobs" in _job_queue_tables(empty_database)
    schema.downgrade(empty_database, "base")
    assert _all_tables(empty_database) == set()
    schema.upgrade(empty_database)
    assert _tables(empty_database) == set(metadata.tables)
    assert "procrastinate_jobs" in _job_queue_tables(empty_database)


def test_upgrading_twice_is_a_no_op(empty_database):
    schema.upgrade(empty_database)
    schema.upgrade(empty_database)
    assert _tables(empty_database) == set(metadata.tables)


def test_the_migrations_build_exactly_the_metadata(empty_database):
    schema.upgrade(empty_database)
    assert _differences(empty_database) == []


async def test_readiness_reports_an_unmigrated_database(empty_database):
    from adapters.postgres.engine import create_engine
    from adapters.postgres.unit_of_work import PostgresDatabaseProbe

    engine = create_engine(empty_database)
    try:
        probe = PostgresDatabaseProbe(engine, schema.head_revision())
        assert await probe.check() == "the schema is not migrated"
        schema.upgrade(empty_database)
        assert await probe.check() is None
    finally:
        await engine.dispose()

"""Fixtures: PostgreSQL (TEST_DATABASE_URL or an embedded server), units of work, the app.

Every PostgreSQL test runs in a throwaway database created for this test session and
emptied before each test, so tests neither see each other's rows nor touch a developer's
`serve` data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from dependency_injector import providers
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.ids import Uuid7Generator
from adapters.memory.unit_of_work import InMemoryDatabase
from adapters.passwords import Argon2PasswordHasher
from adapters.postgres import schema
from adapters.postgres.embedded import EmbeddedPostgres, drop_database, ensure_database
from adapters.postgres.engine import create_engine
from adapters.postgres.tables import metadata
from adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.context import UseCaseDeps
from application.ports.unit_of_work import UnitOfWorkFactory
from entrypoints.container import Container
from tests.smtp import SmtpInbox, loopback_smtp
from tests.support import AlwaysReady, MutableClock, World

# argon2id at its cheapest: the same code path in milliseconds (tests that sign in many times).
FAST_HASHER = Argon2PasswordHasher.fast_for_tests()


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield external
        return
    # Not under pytest's rotating tmp dirs: a concurrent pytest run would delete it.
    home = Path(tempfile.mkdtemp(prefix="voice-agent-test-pg-"))
    server = EmbeddedPostgres(home / "data")
    url = server.start()
    try:
        yield url
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh database on the test server, migrated to head, dropped at the end."""
    name = f"voice_agent_test_{uuid.uuid4().hex[:12]}"
    url = ensure_database(pg_server_url, name)
    schema.upgrade(url)
    try:
        yield url
    finally:
        drop_database(pg_server_url, name)


TRUNCATE = sa.text(
    "TRUNCATE " + ", ".join(t.name for t in metadata.sorted_tables) + " RESTART IDENTITY CASCADE"
)
# Several times quicker than TRUNCATE for the few rows a test leaves behind; only for a role
# that row-level security cannot blind to some rows.
DELETE_ALL = sa.text("; ".join(f"DELETE FROM {t.name}" for t in reversed(metadata.sorted_tables)))
SEES_EVERY_ROW = sa.text(
    "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
)


@pytest.fixture
async def engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database, emptied first."""
    engine = create_engine(pg_url, pool_size=5)
    async with engine.begin() as conn:
        sees_every_row = (await conn.execute(SEES_EVERY_ROW)).scalar_one()
        await conn.execute(DELETE_ALL if sees_every_row else TRUNCATE)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
def uows(request: pytest.FixtureRequest) -> UnitOfWorkFactory:
    """The same contract, run on every adapter."""
    if request.param == "memory":
        return InMemoryDatabase().unit_of_work
    return PostgresUnitOfWorkFactory(request.getfixturevalue("engine"))


@pytest.fixture
def memory_uows() -> UnitOfWorkFactory:
    return InMemoryDatabase().unit_of_work


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
def smtp_inbox() -> Iterator[SmtpInbox]:
    """A real SMTP server on loopback collecting what arrives, parsed (tests/smtp.py): give
    a container `providers.Object(smtp_inbox.mailer())` as its mailer and read
    `smtp_inbox.to(address)`."""
    with loopback_smtp() as inbox:
        yield inbox


@pytest.fixture
def deps(memory_uows: UnitOfWorkFactory, clock: MutableClock) -> UseCaseDeps:
    """Use cases on the in-memory adapters, with a clock the test controls."""
    return UseCaseDeps(uows=memory_uows, ids=Uuid7Generator(), clock=clock)


@pytest.fixture
def world(deps: UseCaseDeps) -> World:
    return World(deps)


@pytest.fixture
def pg_deps(engine: AsyncEngine) -> UseCaseDeps:
    return UseCaseDeps(
        uows=PostgresUnitOfWorkFactory(engine), ids=Uuid7Generator(), clock=SystemClock()
    )


@pytest.fixture
def memory_container() -> Iterator[Container]:
    """The real composition root with the in-memory adapters in place of PostgreSQL."""
    container = Container()
    container.uows.override(providers.Object(InMemoryDatabase().unit_of_work))
    container.probe.override(providers.Object(AlwaysReady()))
    container.password_hasher.override(providers.Object(FAST_HASHER))
    try:
        yield container
    finally:
        container.reset_override()


@pytest.fixture
async def pg_container(engine: AsyncEngine) -> AsyncIterator[Container]:
    """The real composition root on the test database (emptied by `engine`); its probe's
    own pool (readiness, metrics) is closed at the end."""
    container = Container()
    container.engine.override(providers.Object(engine))
    container.database_url.override(engine.url.render_as_string(hide_password=False))
    container.password_hasher.override(providers.Object(FAST_HASHER))
    try:
        yield container
    finally:
        await container.sign_in().drain()
        await container.probe_engine().dispose()
        await container.webhook_sender().close()
        container.reset_override()

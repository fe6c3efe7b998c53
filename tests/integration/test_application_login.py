"""The application logs in as a role that is neither superuser nor the tables' owner, so
row-level security holds even against SQL that the application did not mean to run: a
`RESET ROLE` or `SET ROLE <owner>` slipped into a transaction gains nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import procrastinate
import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.embedded import database_url, drop_database, ensure_database
from adapters.postgres.engine import create_engine, libpq_url
from adapters.postgres.rls import (
    APP_ROLE,
    POLICIES,
    ROUTED_CALL_SETTING,
    ROUTED_PROVIDER_CALL_SETTING,
    ROUTER_ROLE,
    TENANT_SETTING,
)
from application.context import UseCaseDeps
from domain.errors import InvalidValue
from entrypoints import cli
from entrypoints.settings import Settings
from tests.integration.seeding import two_tenants

pytestmark = pytest.mark.postgres

TENANT_SCOPED = sorted(POLICIES)

# Everything an escaped session could reach: roles it may become, tables it may own.
_PRIVILEGE = sa.text(
    "SELECT session_user, r.rolsuper, r.rolbypassrls, r.rolcreaterole,"
    " ARRAY(SELECT o.rolname FROM pg_roles o WHERE (o.rolsuper OR o.rolbypassrls)"
    "       AND pg_has_role(session_user, o.oid, 'MEMBER') ORDER BY 1),"
    " ARRAY(SELECT DISTINCT t.tableowner::text FROM pg_tables t"
    "       WHERE t.schemaname = current_schema()"
    "       AND pg_has_role(session_user, t.tableowner, 'MEMBER') ORDER BY 1)"
    " FROM pg_roles r WHERE r.rolname = session_user"
)
_OWNER = sa.text(
    "SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'leads'"
)


class Served(Exception):
    """Raised by the stand-in for aiohttp's run_app: `serve` got as far as serving."""


@pytest.fixture
def runtime_url(pg_url: str) -> str:
    """The URL `serve` and `worker` use when only DATABASE_URL (a superuser's) is set."""
    return cli.runtime_database_url(Settings(database_url=pg_url), pg_url)


@pytest.fixture
async def app_engine(runtime_url: str, engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """An engine logged in as the application (after `engine` emptied the tables)."""
    app = create_engine(runtime_url, pool_size=2)
    try:
        yield app
    finally:
        await app.dispose()


async def test_the_runtime_login_is_not_superuser_nor_owner_nor_bypassrls(app_engine):
    async with app_engine.connect() as conn:
        row = (await conn.execute(_PRIVILEGE)).one()
    login, superuser, bypassrls, createrole, privileged_roles, owned = row
    assert login == APP_ROLE
    assert (superuser, bypassrls, createrole) == (False, False, False)
    assert privileged_roles == []
    assert owned == []


async def test_reset_role_on_the_runtime_login_reveals_no_other_tenants_rows(
    app_engine, pg_deps: UseCaseDeps, engine
):
    a, b = await two_tenants(pg_deps, engine)
    async with app_engine.connect() as conn:
        await conn.execute(
            sa.text(f"SELECT set_config('{TENANT_SETTING}', :t, true)"), {"t": str(a.tenant_id)}
        )
        await conn.execute(sa.text("SET LOCAL ROLE voice_agent_app"))
        await conn.execute(sa.text("RESET ROLE"))
        for table in TENANT_SCOPED:
            others = await conn.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :b"),
                {"b": b.tenant_id},
            )
            assert others.scalar_one() == 0, table
        # The same session does see its own tenant: the policies, not missing rows, said no.
        own = await conn.execute(sa.text("SELECT count(*) FROM leads"))
        assert own.scalar_one() == 1


async def test_the_runtime_login_may_become_the_routing_role_but_does_not_inherit_it(app_engine):
    async with app_engine.connect() as conn:
        member, inherits = (
            await conn.execute(
                sa.text(
                    "SELECT pg_has_role(session_user, :r, 'MEMBER'),"
                    " pg_has_role(session_user, :r, 'USAGE')"
                ),
                {"r": ROUTER_ROLE},
            )
        ).one()
        assert (member, inherits) == (True, False)
        await conn.execute(sa.text(f"SET LOCAL ROLE {ROUTER_ROLE}"))
        assert (await conn.execute(sa.text("SELECT current_user"))).scalar_one() == ROUTER_ROLE


async def test_reset_role_from_the_routing_role_reveals_no_routed_call(
    app_engine, pg_deps: UseCaseDeps, engine
):
    a, b = await two_tenants(pg_deps, engine)
    async with app_engine.connect() as conn:
        await conn.execute(
            sa.text(
                f"SELECT set_config('{TENANT_SETTING}', :t, true),"
                f" set_config('{ROUTED_CALL_SETTING}', :call, true),"
                f" set_config('{ROUTED_PROVIDER_CALL_SETTING}', 'vapi-nobody', true)"
            ),
            {"t": str(a.tenant_id), "call": str(b.call.id)},
        )
        await conn.execute(sa.text(f"SET LOCAL ROLE {ROUTER_ROLE}"))
        routed = await conn.execute(
            sa.text("SELECT id FROM voice_calls WHERE id = :b"), {"b": b.call.id}
        )
        assert routed.scalars().all() == [b.call.id]  # the routing role reads the named call
        await conn.execute(sa.text("RESET ROLE"))
        seen = set((await conn.execute(sa.text("SELECT id FROM voice_calls"))).scalars())
        assert seen == {a.call.id}  # back to the login: its tenant's calls, not the routed one
        for table in TENANT_SCOPED:
            others = await conn.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :b"),
                {"b": b.tenant_id},
            )
            assert others.scalar_one() == 0, table


@pytest.mark.parametrize("escape", ["SET ROLE {}", "SET SESSION AUTHORIZATION {}"])
async def test_the_runtime_login_cannot_become_the_owner(app_engine, escape):
    async with app_engine.connect() as conn:
        owner = (await conn.execute(_OWNER)).scalar_one()
        assert owner != APP_ROLE
        with pytest.raises(DBAPIError, match="permission denied"):
            await conn.execute(sa.text(escape.format(f'"{owner}"')))


async def test_the_job_queue_works_as_the_runtime_login(runtime_url, engine):
    connector = procrastinate.PsycopgConnector(conninfo=libpq_url(runtime_url))
    queue = procrastinate.App(connector=connector)
    done: list[int] = []

    @queue.task(name="test.note", pass_context=False)
    async def note(value: int) -> None:
        done.append(value)

    async with queue.open_async():
        await note.defer_async(value=7)
        await queue.run_worker_async(wait=False, install_signal_handlers=False)
        async with connector.pool.connection() as conn:
            who = await (await conn.execute("SELECT session_user")).fetchone()
    assert done == [7]
    assert who == (APP_ROLE,)


# --- serve and worker check their login before they start -------------------------------------


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """`serve` and `worker` up to the point where they would serve or work, and the URLs
    their connection pool and job queue were given."""
    seen: dict[str, list[str]] = {"pool": [], "queue": []}
    build_container, postgres_connector = cli.build_container, cli.postgres_connector

    def spy_container(settings: Settings, url: str) -> Any:
        seen["pool"].append(url)
        return build_container(settings, url)

    def spy_connector(url: str, *args: Any, **kwargs: Any) -> Any:
        seen["queue"].append(url)
        return postgres_connector(url, *args, **kwargs)

    def served(*_args: object, **_kwargs: object) -> None:
        raise Served

    async def worked(*_args: object, **_kwargs: object) -> None:
        raise Served

    monkeypatch.setattr(cli, "build_container", spy_container)
    monkeypatch.setattr(cli, "postgres_connector", spy_connector)
    monkeypatch.setattr(cli.web, "run_app", served)
    monkeypatch.setattr(cli, "run_worker", worked)
    return seen


def _session_user(url: str) -> str:
    with psycopg.connect(libpq_url(url), connect_timeout=10) as conn:
        row = conn.execute("SELECT session_user").fetchone()
    assert row is not None
    return str(row[0])


def test_serve_and_worker_connect_as_the_application_login(pg_url, started, engine):
    settings = Settings(database_url=pg_url, auto_migrate=False, vapi_api_key="test-key")

    with pytest.raises(Served):
        cli.serve(settings)
    with pytest.raises(Served):
        cli.worker(settings)

    assert started["pool"]
    assert started["queue"]
    assert {_session_user(url) for url in started["pool"] + started["queue"]} == {APP_ROLE}


def test_serve_and_worker_refuse_to_start_as_a_superuser(pg_url, started):
    settings = Settings(
        database_url=pg_url, app_database_url=pg_url, auto_migrate=False, vapi_api_key="k"
    )

    for command in (cli.serve, cli.worker):
        with pytest.raises(InvalidValue, match="superuser") as refused:
            command(settings)
        assert "VOICE_AGENT_APP_DATABASE_URL" in refused.value.message
    assert started == {"pool": [], "queue": []}


@pytest.fixture
def owning_login(pg_server_url: str) -> Iterator[str]:
    """A login (no superuser) that owns a table of a database of its own; dropped after."""
    role = f"va_owner_{uuid.uuid4().hex[:10]}"
    name = f"voice_agent_owner_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_url(pg_server_url), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    url = ensure_database(pg_server_url, name)
    try:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("CREATE TABLE leads (id int)")
            conn.execute(sql.SQL("ALTER TABLE leads OWNER TO {}").format(sql.Identifier(role)))
        yield (
            make_url(database_url(pg_server_url, name))
            .set(username=role)
            .render_as_string(hide_password=False)
        )
    finally:
        drop_database(pg_server_url, name)
        with psycopg.connect(libpq_url(pg_server_url), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_serve_refuses_to_start_as_the_tables_owner(pg_url, owning_login, started):
    settings = Settings(database_url=pg_url, app_database_url=owning_login, auto_migrate=False)

    with pytest.raises(InvalidValue, match="owns") as refused:
        cli.serve(settings)
    assert "leads" in refused.value.message
    assert started["pool"] == []


def test_serve_says_how_to_fix_a_login_it_cannot_use(pg_url, started):
    nobody = make_url(pg_url).set(username=f"nobody_{uuid.uuid4().hex[:8]}")
    settings = Settings(
        database_url=pg_url,
        app_database_url=nobody.render_as_string(hide_password=False),
        auto_migrate=False,
    )

    with pytest.raises(InvalidValue, match="VOICE_AGENT_APP_DATABASE_URL"):
        cli.serve(settings)
    assert started["pool"] == []


@pytest.fixture
def login_inheriting_the_router(pg_url: str, pg_server_url: str) -> Iterator[str]:
    """A plain login made a member of the routing role the default way (inheriting it)."""
    role = f"va_inherits_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_url(pg_server_url), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        admin.execute(
            sql.SQL("GRANT {} TO {}").format(sql.Identifier(ROUTER_ROLE), sql.Identifier(role))
        )
    try:
        yield make_url(pg_url).set(username=role).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq_url(pg_server_url), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_serve_refuses_a_login_that_inherits_the_routing_role(
    pg_url, login_inheriting_the_router, started
):
    settings = Settings(
        database_url=pg_url, app_database_url=login_inheriting_the_router, auto_migrate=False
    )

    with pytest.raises(InvalidValue, match=f"inherits {ROUTER_ROLE}"):
        cli.serve(settings)
    assert started["pool"] == []

"""Migrations: up from empty, down to nothing, up again; and they agree with the metadata."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from psycopg import sql
from sqlalchemy.engine import make_url

from adapters.postgres import schema
from adapters.postgres.embedded import database_url, drop_database, ensure_database
from adapters.postgres.engine import libpq_url, sync_url
from adapters.postgres.rls import APP_ROLE, ROUTER_ROLE
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


def _policies_and_grants(url: str) -> set[tuple[object, ...]]:
    """Every row-level security policy of the schema, whole; every table privilege the
    application and routing roles hold; and who may use the schema."""
    engine = sa.create_engine(sync_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            policies = conn.execute(
                sa.text(
                    "SELECT tablename, policyname, permissive, roles::text[], cmd, qual,"
                    " with_check FROM pg_policies WHERE schemaname = current_schema()"
                )
            )
            grants = conn.execute(
                sa.text(
                    "SELECT grantee, table_name, privilege_type"
                    " FROM information_schema.role_table_grants"
                    " WHERE table_schema = current_schema() AND grantee IN (:app, :router)"
                ),
                {"app": APP_ROLE, "router": ROUTER_ROLE},
            )
            schema_acl = conn.execute(
                sa.text("SELECT nspacl::text FROM pg_namespace WHERE nspname = current_schema()")
            )
            return (
                {
                    ("policy", table, name, permissive, tuple(roles), cmd, using, check)
                    for table, name, permissive, roles, cmd, using, check in policies
                }
                | {("grant", *r) for r in grants}
                | {("schema", schema_acl.scalar_one())}
            )
    finally:
        engine.dispose()


def test_the_routing_role_revision_downgrades_to_exactly_the_policies_and_grants_before_it(
    empty_database,
):
    schema.upgrade(empty_database, "0006")
    before = _policies_and_grants(empty_database)
    schema.upgrade(empty_database, "0007")
    at_0007 = _policies_and_grants(empty_database)
    added = at_0007 - before
    assert {r[:3] for r in added if r[0] != "schema"} == {
        ("policy", "voice_calls", "provider_routing"),
        ("policy", "phone_numbers", "inbound_routing"),
        ("grant", ROUTER_ROLE, "voice_calls"),
        ("grant", ROUTER_ROLE, "phone_numbers"),
    }
    # The two policies, and they alone, now apply to the routing role, which may only read.
    assert {r[4] for r in added if r[0] == "policy"} == {(ROUTER_ROLE,)}
    assert {r[3] for r in added if r[0] == "grant"} == {"SELECT"}
    assert ROUTER_ROLE in str(next(r for r in added if r[0] == "schema"))
    schema.downgrade(empty_database, "0006")
    assert _policies_and_grants(empty_database) == before
    schema.upgrade(empty_database, "0007")
    assert _policies_and_grants(empty_database) == at_0007


def test_the_batches_revision_isolates_its_tables_and_downgrades_to_exactly_before_it(
    empty_database,
):
    schema.upgrade(empty_database, "0007")
    before = _policies_and_grants(empty_database)
    schema.upgrade(empty_database, "0008")
    after = _policies_and_grants(empty_database)
    tables = {"call_batches", "call_batch_items", "running_batches"}
    assert before <= after
    assert {r[:3] for r in after - before} == {
        *(("policy", table, "tenant_isolation") for table in tables),
        ("policy", "running_batches", "every_tenant_reads"),
        *(("grant", APP_ROLE, table) for table in tables),
    }
    # The application role reads and writes them; the routing role nothing of them.
    assert {r[3] for r in after - before if r[0] == "grant"} == {
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
    }
    schema.downgrade(empty_database, "0007")
    assert _policies_and_grants(empty_database) == before
    assert not tables & _tables(empty_database)
    schema.upgrade(empty_database, "0008")
    assert _policies_and_grants(empty_database) == after


def test_the_webhook_endpoints_revision_isolates_its_table_and_downgrades_to_exactly_before_it(
    empty_database,
):
    schema.upgrade(empty_database, "0009")
    before = _policies_and_grants(empty_database)
    schema.upgrade(empty_database, "0010")
    after = _policies_and_grants(empty_database)
    assert before <= after
    assert {r[:4] for r in after - before} == {
        ("policy", "webhook_endpoints", "tenant_isolation", "PERMISSIVE"),
        *(
            ("grant", APP_ROLE, "webhook_endpoints", p)
            for p in ("SELECT", "INSERT", "UPDATE", "DELETE")
        ),
    }
    schema.downgrade(empty_database, "0009")
    assert _policies_and_grants(empty_database) == before
    assert "webhook_endpoints" not in _tables(empty_database)


def test_the_batches_revision_clears_batch_ids_that_name_no_batch(empty_database):
    """Before it, a call's batch_id was a bare value; no path set one, but a value left there
    would name no batch and stop the new link from being made."""
    schema.upgrade(empty_database, "0007")
    tenant, call = uuid.uuid4(), uuid.uuid4()
    engine = sa.create_engine(sync_url(empty_database), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO tenants (id, name) VALUES (:t, 'T')"), {"t": tenant})
            conn.execute(
                sa.text(
                    "INSERT INTO voice_calls (id, tenant_id, to_number, direction, status,"
                    " batch_id) VALUES (:c, :t, '+14155550123', 'outbound', 'ended', :b)"
                ),
                {"c": call, "t": tenant, "b": uuid.uuid4()},
            )
        schema.upgrade(empty_database)
        with engine.connect() as conn:
            row = conn.execute(
                sa.text("SELECT id, batch_id FROM voice_calls"),
            ).one()
            forced = conn.execute(
                sa.text("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'voice_calls'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert tuple(row) == (call, None)
    assert forced  # row-level security binds the owner again


@pytest.fixture
def migrating_login(pg_server_url: str, pg_url: str) -> Iterator[str]:
    """The URL of a login without CREATEROLE that owns a database of its own and its schema,
    set up as the README has an administrator do it. The server's roles are in place
    (`pg_url`'s database was migrated first). Dropped after."""
    role = f"va_migrator_{uuid.uuid4().hex[:10]}"
    name = f"voice_agent_migrator_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_url(pg_server_url), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN NOCREATEROLE").format(sql.Identifier(role)))
        admin.execute(
            sql.SQL("GRANT {} TO {} WITH ADMIN OPTION").format(
                sql.Identifier(APP_ROLE), sql.Identifier(role)
            )
        )
    url = ensure_database(pg_server_url, name)
    try:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            owner = sql.Identifier(role)
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), owner)
            )
            conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(owner))
        yield (
            make_url(database_url(pg_server_url, name))
            .set(username=role)
            .render_as_string(hide_password=False)
        )
    finally:
        drop_database(pg_server_url, name)
        with psycopg.connect(libpq_url(pg_server_url), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_a_migrating_user_without_createrole_migrates_when_the_roles_are_in_place(
    migrating_login,
):
    schema.upgrade(migrating_login)
    assert _revision(migrating_login) == schema.head_revision()
    policies = {r[2]: r[4] for r in _policies_and_grants(migrating_login) if r[0] == "policy"}
    assert policies["provider_routing"] == policies["inbound_routing"] == (ROUTER_ROLE,)


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


# --- `voice-agent migrate --revision` ---------------------------------------------------------


def _revision(url: str) -> str | None:
    engine = sa.create_engine(sync_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


@pytest.fixture
def at_head(empty_database):
    from entrypoints import cli
    from entrypoints.settings import Settings

    cli.migrate(Settings(database_url=empty_database), "head")
    assert _revision(empty_database) == schema.head_revision()
    return empty_database


def test_migrating_below_the_current_revision_is_refused_and_changes_nothing(at_head, capsys):
    from domain.errors import InvalidValue
    from entrypoints import cli
    from entrypoints.settings import Settings

    capsys.readouterr()
    with pytest.raises(InvalidValue) as refused:
        cli.migrate(Settings(database_url=at_head), "0003")

    head = schema.head_revision()
    assert head not in (None, "0003")
    assert head in refused.value.message
    assert "0003" in refused.value.message
    assert "--allow-downgrade" in refused.value.message
    assert _revision(at_head) == head
    assert "live_calls" in _tables(at_head)
    assert "database at 0003" not in capsys.readouterr().out


def test_the_cli_exits_non_zero_when_it_refuses_a_downgrade(at_head, monkeypatch, capsys):
    from entrypoints import cli

    monkeypatch.setattr(cli, "configure_logging", lambda *_: None)
    monkeypatch.setenv("DATABASE_URL", at_head)
    capsys.readouterr()

    assert cli.main(["migrate", "--revision", "0003"]) == 2

    said = capsys.readouterr()
    assert "--allow-downgrade" in said.err
    assert "database at" not in said.out
    assert _revision(at_head) == schema.head_revision()


def test_allow_downgrade_migrates_down_and_says_where_the_database_is(at_head, capsys):
    from entrypoints import cli
    from entrypoints.settings import Settings

    capsys.readouterr()
    cli.migrate(Settings(database_url=at_head), "0003", allow_downgrade=True)

    assert _revision(at_head) == "0003"
    assert "live_calls" not in _tables(at_head)  # created by 0004
    assert _job_queue_tables(at_head) == set()  # created by 0005
    assert "database at 0003" in capsys.readouterr().out

    cli.migrate(Settings(database_url=at_head), "head")
    assert _revision(at_head) == schema.head_revision()
    assert f"database at {schema.head_revision()}" in capsys.readouterr().out


def test_migrating_up_to_a_revision_says_where_the_database_is(empty_database, capsys):
    from entrypoints import cli
    from entrypoints.settings import Settings

    cli.migrate(Settings(database_url=empty_database), "0003")

    assert _revision(empty_database) == "0003"
    out = capsys.readouterr().out
    assert "database at 0003" in out
    assert f"database at {schema.head_revision()}" not in out


def test_an_unknown_revision_is_refused_with_a_clear_error(at_head):
    from domain.errors import InvalidValue
    from entrypoints import cli
    from entrypoints.settings import Settings

    with pytest.raises(InvalidValue, match="0999"):
        cli.migrate(Settings(database_url=at_head), "0999")
    assert _revision(at_head) == schema.head_revision()

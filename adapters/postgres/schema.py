"""Running the Alembic migrations from code (CLI, serve, tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy.engine import Connection

import migrations
from adapters.postgres.engine import sync_url

JOB_QUEUE_PREFIX = "procrastinate_"
"""The job queue's tables: created by a migration from procrastinate's own schema, not
described by our metadata."""


def described_by_metadata(
    _object: object, name: str | None, type_: str, _reflected: bool, _compare_to: object
) -> bool:
    """Alembic's `include_object`: compare our tables, not the job queue's."""
    return not (type_ == "table" and name is not None and name.startswith(JOB_QUEUE_PREFIX))


# Any constant works; it only has to be the same for every process migrating this database.
MIGRATION_LOCK = 7_250_414_113


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    if url is not None:
        config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class MigrationRefused(Exception):
    """`migrate` will not do what was asked (a downgrade not allowed, an unknown revision)."""


@contextmanager
def migration_lock(url: str) -> Iterator[Connection]:
    """Hold the migration lock for the block, on a session of its own, and yield that session.

    Several processes may start at once: one migrates, and installs what must exist beside
    the schema (the default catalogue) before letting go; the others wait, then find nothing
    left to do. The lock belongs to the session, so a process that dies lets go of it too.
    """
    engine = sa.create_engine(sync_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            conn.commit()
            try:
                yield conn
            finally:
                # A broken session has let go already (closing it is what releases the lock).
                with suppress(sa.exc.DBAPIError):
                    conn.rollback()
                    conn.execute(
                        sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK}
                    )
                    conn.commit()
    finally:
        engine.dispose()


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at (None: not migrated)."""
    return MigrationContext.configure(conn).get_current_revision()


def migrate(
    conn: Connection, revision: str = "head", *, allow_downgrade: bool = False
) -> str | None:
    """Bring the database on `conn` (holding the migration lock) to `revision`; returns the
    revision it is at afterwards.

    `revision` is `head`, `base` or a revision id. A revision below the current one is a
    downgrade, which drops tables and their data: refused (MigrationRefused) unless
    `allow_downgrade`, rather than reported as done while nothing happened.
    """
    config = alembic_config()
    config.attributes["connection"] = conn
    script = ScriptDirectory.from_config(config)
    current = current_revision(conn)
    conn.commit()
    try:
        target = _target(script, revision)
        below = _below(script, current)
    except (CommandError, RevisionError) as error:
        raise MigrationRefused(str(error)) from None
    if target is not None and target == current:
        return current
    if target is None or target in below:
        if current is None:
            return None
        if not allow_downgrade:
            raise MigrationRefused(
                f"the database is at revision {current}; {revision} is below it, and migrating "
                f"down drops tables and their data: run `voice-agent migrate --revision "
                f"{revision} --allow-downgrade` to do so"
            )
        command.downgrade(config, target or "base")
    else:
        command.upgrade(config, target)
    conn.commit()
    revision_now = current_revision(conn)
    conn.commit()
    return revision_now


def _target(script: ScriptDirectory, revision: str) -> str | None:
    """The revision id `revision` names (None: base); relative steps (-1, +1) are refused,
    since Alembic counts them from the head, not from where the database is."""
    if revision == "base":
        return None
    if revision not in ("head", "heads") and revision.startswith(("-", "+")):
        raise MigrationRefused(f"name a revision (e.g. 0003), head or base, not {revision!r}")
    found = script.get_revision(revision)
    if found is None:
        return None
    return found.revision


def _below(script: ScriptDirectory, current: str | None) -> set[str]:
    """The revisions strictly below `current`."""
    if current is None:
        return set()
    try:
        return {r.revision for r in script.iterate_revisions(current, "base")} - {current}
    except (CommandError, RevisionError):
        raise MigrationRefused(
            f"the database is at revision {current}, which this version does not know: a "
            "newer release migrated it. To go back, run that release's `voice-agent migrate "
            f"--revision {script.get_current_head()} --allow-downgrade` first"
        ) from None


def upgrade(url: str, revision: str = "head") -> None:
    with migration_lock(url) as conn:
        migrate(conn, revision)


def downgrade(url: str, revision: str) -> None:
    with migration_lock(url) as conn:
        migrate(conn, revision, allow_downgrade=True)

"""Running the Alembic migrations from code (CLI, serve, tests)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

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
_MIGRATION_LOCK = 7_250_414_113


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    if url is not None:
        config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _run(url: str, action: str, revision: str) -> None:
    engine = sa.create_engine(sync_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            # Several processes may start at once: one migrates, the others wait, then no-op.
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
            try:
                config = alembic_config(url)
                config.attributes["connection"] = conn
                getattr(command, action)(config, revision)
                conn.commit()
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK})
                conn.commit()
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    _run(url, "upgrade", revision)


def downgrade(url: str, revision: str) -> None:
    _run(url, "downgrade", revision)

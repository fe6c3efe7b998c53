"""Alembic environment: targets the one metadata in adapters.postgres.tables."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from adapters.postgres.engine import sync_url
from adapters.postgres.schema import described_by_metadata
from adapters.postgres.tables import metadata

config = context.config


def run_migrations_offline() -> None:
    context.configure(
        url=sync_url(config.get_main_option("sqlalchemy.url") or ""),
        target_metadata=metadata,
        literal_binds=True,
        include_object=described_by_metadata,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            include_object=described_by_metadata,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(
        sync_url(config.get_main_option("sqlalchemy.url") or ""), poolclass=pool.NullPool
    )
    with engine.connect() as conn:
        context.configure(
            connection=conn, target_metadata=metadata, include_object=described_by_metadata
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

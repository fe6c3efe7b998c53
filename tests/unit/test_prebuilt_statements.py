"""Every statement the adapters build once stays one psycopg keeps parsed: psycopg caches the
conversion of a query's `%(name)s` placeholders only for a text of at most 4 kB and at most
50 parameters; a longer one is parsed again at each run, on the hot path that built it once
to save that work."""

from __future__ import annotations

import gc
import importlib
import pkgutil

import psycopg._queries
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

import adapters.postgres
from adapters.postgres.prebuilt import Prebuilt


def _every_prebuilt_statement() -> list[Prebuilt]:
    for module in pkgutil.iter_modules(adapters.postgres.__path__):
        importlib.import_module(f"adapters.postgres.{module.name}")
    # Module constants, and those held by other objects (a save's, a shape's of a read).
    return [found for found in gc.get_objects() if isinstance(found, Prebuilt)]


def test_every_prebuilt_statement_is_short_enough_for_psycopg_to_keep_parsed():
    dialect = PGDialect_psycopg()
    statements = _every_prebuilt_statement()
    sizes = {
        statement.sql(dialect): len(statement.statement.compile(dialect=dialect).params)
        for statement in statements
    }
    too_long = {
        sql[:80]: (len(sql.encode()), parameters)
        for sql, parameters in sizes.items()
        if len(sql.encode()) > psycopg._queries.MAX_CACHED_STATEMENT_LENGTH
        or parameters > psycopg._queries.MAX_CACHED_STATEMENT_PARAMS
    }

    assert len(sizes) > 20  # the hot paths' statements were found
    assert too_long == {}

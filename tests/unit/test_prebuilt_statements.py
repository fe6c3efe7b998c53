"""Every statement the adapters build once stays one psycopg keeps parsed: psycopg caches the
conversion of a query's `%(name)s` placeholders only for a text of at most 4 kB and at most
50 parameters; a longer one is parsed again at each run, on the hot path that built it once
to save that work."""

from __future__ import annotations

import importlib
import pkgutil

import psycopg._queries
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

import adapters.postgres
from adapters.postgres.prebuilt import Prebuilt
from adapters.postgres.repositories import _insert_of
from adapters.postgres.tables import metadata


def _prebuilt_in(value: object) -> list[Prebuilt]:
    """`value` if a prebuilt statement, or those it holds (a save's, each shape of a read)."""
    if isinstance(value, Prebuilt):
        return [value]
    if isinstance(value, dict):
        return [found for held in value.values() for found in _prebuilt_in(held)]
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return [held for held in vars(value).values() if isinstance(held, Prebuilt)]
    return []


def _every_prebuilt_statement() -> list[Prebuilt]:
    found: dict[int, Prebuilt] = {}
    for module in pkgutil.iter_modules(adapters.postgres.__path__):
        names = vars(importlib.import_module(f"adapters.postgres.{module.name}"))
        for value in names.values():
            found.update((id(statement), statement) for statement in _prebuilt_in(value))
    # A row's insert is built on first use, for the columns given: each table's whole row is
    # the longest it can be.
    for table in metadata.sorted_tables:
        whole_row = _insert_of(table, tuple(column.name for column in table.columns))
        found[id(whole_row)] = whole_row
    return list(found.values())


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

"""An embedded PostgreSQL server from the pgserver package, for `serve` and tests.

pgserver ships the PostgreSQL binaries in a wheel; the server listens only on a Unix
socket of its data directory (or of a runtime dir when that path is too long for a socket).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from adapters.postgres.engine import libpq_url


def _pgserver() -> Any:
    # platformdirs warns at import time when XDG_RUNTIME_DIR is unset (containers, CI) and
    # pgserver then falls back to /tmp/runtime-<uid>: expected, so that warning alone is muted.
    with warnings.catch_warnings():
        try:
            from platformdirs.api import RuntimeDirWarning
        except ImportError:  # older platformdirs never warned
            pass
        else:
            warnings.simplefilter("ignore", RuntimeDirWarning)
        import pgserver

    return pgserver


class EmbeddedPostgres:
    """A PostgreSQL server in `data_dir`, started on first use and stopped by `stop()`.

    Several processes may share one data directory (serve and a CLI command): the server
    stops when the last of them lets go.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: Any = None

    def start(self) -> str:
        """Start (or attach to) the server; returns the URL of its `postgres` database."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._server = _pgserver().get_server(self.data_dir, cleanup_mode="stop")
        return str(self._server.get_uri())

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def ensure_database(server_url: str, name: str) -> str:
    """Create database `name` on the server if missing; returns its URL."""
    url = libpq_url(server_url)
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def database_url(server_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(libpq_url(server_url)).set(database=name).render_as_string(hide_password=False)

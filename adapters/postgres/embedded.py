"""An embedded PostgreSQL server from the pgserver package, for `serve` and tests.

pgserver ships the PostgreSQL binaries in a wheel; the server listens only on a Unix
socket of its data directory (or of a runtime dir when that path is too long for a socket).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import psutil
import psycopg
import structlog
from psycopg import sql

from adapters.postgres.engine import libpq_url

log = structlog.get_logger(__name__)

# pgserver lists the processes using a data directory in this file and stops the server when
# the last of them lets go. A process killed before letting go stays listed for ever, and then
# no later stop is the last one: PostgreSQL would outlive every Ctrl-C. Entries of processes
# that are gone are therefore dropped before attaching and before letting go.
HANDLES_FILE = ".handle_pids.json"
# Ours, beside it: when each process we listed started, so that a pid the system has given to
# another process since is recognised as stale too.
HANDLE_STARTS_FILE = ".handle_starts.json"
# Two readings of one process's start time agree to the clock tick; a reused pid belongs to a
# process started at least that much later.
_SAME_START_SECONDS = 0.05


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
        pgserver = _pgserver()
        if self.data_dir.exists():
            with pgserver.PostgresServer._lock:
                release_stale_handles(self.data_dir)
        self._server = pgserver.get_server(self.data_dir, cleanup_mode="stop")
        with pgserver.PostgresServer._lock:
            _record_start(self.data_dir, os.getpid())
        return str(self._server.get_uri())

    def stop(self) -> None:
        """Let go of the server; it stops when no live process uses it any more."""
        if self._server is not None:
            # Another user of the server may have been killed while this one ran.
            with _pgserver().PostgresServer._lock:
                release_stale_handles(self.data_dir)
            self._server.cleanup()
            self._server = None


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return default


def _started_at(pid: int) -> float | None:
    """When process `pid` started; None when it is gone (a zombie is gone too)."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return float(process.create_time())
    except psutil.NoSuchProcess:
        return None


def _is_stale(pid: int, recorded_start: float | None) -> bool:
    """Whether the process listed as `pid` is gone: no such process, or another one now
    has its pid. A live process we have no start time for is kept: it may be using the server."""
    try:
        started = _started_at(pid)
    except psutil.AccessDenied:  # someone else's process: it exists, and we cannot tell more
        return False
    if started is None:
        return True
    return recorded_start is not None and abs(started - recorded_start) > _SAME_START_SECONDS


def release_stale_handles(data_dir: Path) -> list[int]:
    """Remove the processes that are gone from pgserver's handle list of `data_dir`; returns
    their pids. Hold pgserver's lock around it, as pgserver does around its own changes."""
    handles_path = data_dir / HANDLES_FILE
    starts_path = data_dir / HANDLE_STARTS_FILE
    pids: list[int] = _read_json(handles_path, [])
    starts: dict[str, float] = _read_json(starts_path, {})
    stale = [pid for pid in pids if _is_stale(pid, starts.get(str(pid)))]
    if stale:
        live = [pid for pid in pids if pid not in stale]
        handles_path.write_text(json.dumps(live))
        starts_path.write_text(json.dumps({p: starts[p] for p in map(str, live) if p in starts}))
        log.warning(
            "embedded PostgreSQL was still held by processes that are gone; released",
            pids=stale,
            data_dir=str(data_dir),
        )
    return stale


def _record_start(data_dir: Path, pid: int) -> None:
    started = _started_at(pid)
    if started is None:
        return
    starts_path = data_dir / HANDLE_STARTS_FILE
    listed = set(_read_json(data_dir / HANDLES_FILE, []))
    starts: dict[str, float] = _read_json(starts_path, {})
    kept = {p: at for p, at in starts.items() if int(p) in listed}
    starts_path.write_text(json.dumps({**kept, str(pid): started}))


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

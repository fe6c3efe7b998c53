"""Real processes on loopback for the fault suite: a PostgreSQL we may stop, restart or freeze,
and `voice-agent` commands run as an operator would run them.

Every wait here is bounded, and every process is stopped by the fixture that made it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql

from adapters.postgres.embedded import _pgserver, database_url

VOICE_AGENT = Path(sys.executable).parent / "voice-agent"
# Variables of the developer's own setup that must not leak into a process under test.
_OWN_VARIABLES = ("DATABASE_URL", "TEST_DATABASE_URL")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg_binary(name: str) -> str:
    """The binaries the embedded server runs (the pgserver package's)."""
    from pgserver._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _let_user_run_binaries() -> None:
    # As root the server runs as another user, which must read and run the package's files
    # (pgserver does the same before its own start).
    from pgserver._commands import POSTGRES_BIN_PATH
    from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions

    read = stat.S_IRGRP | stat.S_IROTH
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, read | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)


def postmaster_of(data: Path) -> psutil.Process | None:
    """The running postmaster of the PostgreSQL data directory `data`, if any."""
    try:
        return psutil.Process(int((data / "postmaster.pid").read_text().splitlines()[0]))
    except (FileNotFoundError, IndexError, ValueError, psutil.NoSuchProcess):
        return None


class Cluster:
    """A PostgreSQL server of its own, on 127.0.0.1, trust authentication, no fsync."""

    def __init__(self, home: Path, port: int, system_user: str | None) -> None:
        self.home = home
        self.data = home / "data"
        self.sockets = home / "sockets"
        self.port = port
        self._user = system_user
        self._frozen: list[psutil.Process] = []

    @classmethod
    def create(cls) -> Cluster:
        # Not under pytest's tmp dirs: as root, the server runs as another user (as pgserver
        # does), which must be able to reach its data directory.
        _pgserver()  # imported as the embedded server does, muting its import-time warning
        home = Path(tempfile.mkdtemp(prefix="voice-agent-fault-pg-"))
        user = None
        if os.geteuid() == 0:
            import pwd

            from pgserver.utils import ensure_user_exists

            user = "pgserver"
            ensure_user_exists(user)
            _let_user_run_binaries()
            home.chmod(0o755)
        cluster = cls(home, free_port(), user)
        for folder in (cluster.data, cluster.sockets):
            folder.mkdir()
            if user is not None:
                entry = pwd.getpwnam(user)
                os.chown(folder, entry.pw_uid, entry.pw_gid)
        cluster._run(
            _pg_binary("initdb"),
            "-D",
            str(cluster.data),
            "--auth=trust",
            "--auth-local=trust",
            "--encoding=utf8",
            "-U",
            "postgres",
            timeout=60,
        )
        cluster.start()
        return cluster

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str, timeout: float) -> None:
        subprocess.run(
            command,
            check=True,
            user=self._user,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _pg_ctl(self, *args: str, timeout: float = 40) -> None:
        self._run(_pg_binary("pg_ctl"), "-D", str(self.data), *args, timeout=timeout)

    def start(self) -> None:
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.sockets} -c fsync=off -c max_connections=200"
        )
        self._pg_ctl("-w", "-t", "30", "-o", options, "-l", str(self.data / "log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-w", "-t", "30", "-m", mode, "stop")

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def _processes(self) -> list[psutil.Process]:
        first_line = (self.data / "postmaster.pid").read_text().splitlines()[0]
        postmaster = psutil.Process(int(first_line))
        return [postmaster, *postmaster.children(recursive=True)]

    def freeze(self) -> None:
        """Stop every process of the server (SIGSTOP): connections stay open, nothing answers."""
        self._frozen = self._processes()
        for process in self._frozen:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        frozen, self._frozen = self._frozen, []
        for process in frozen:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(signal.SIGCONT)

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return database_url(self.admin_url, name)

    def destroy(self) -> None:
        self.thaw()
        if self.is_running():
            with contextlib.suppress(subprocess.SubprocessError):
                self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)


class Service:
    """A `voice-agent` command running in its own process, its output in a JSON log file."""

    def __init__(self, process: subprocess.Popen[bytes], log_path: Path, port: int | None) -> None:
        self.process = process
        self.log_path = log_path
        self.port = port

    @staticmethod
    def environment(env: Mapping[str, str], log_path: Path) -> dict[str, str]:
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("VOICE_AGENT_") and k not in _OWN_VARIABLES
        }
        clean.update(
            {
                "VOICE_AGENT_DATA_DIR": str(log_path.parent / "var"),
                "VOICE_AGENT_LOG_FORMAT": "json",
                "VOICE_AGENT_SEED_DEMO": "false",
                "PYTHONUNBUFFERED": "1",
            }
        )
        clean.update(env)
        return clean

    @classmethod
    def start(
        cls,
        args: Sequence[str],
        *,
        env: Mapping[str, str],
        log_path: Path,
        ready_path: str | None = "/healthz",
        timeout: float = 60,
    ) -> Service:
        port = _port_of(args, env)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [str(VOICE_AGENT), *args],
                env=cls.environment(env, log_path),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        service = cls(process, log_path, port)
        if ready_path is not None:
            service.wait_until_ready(ready_path, timeout)
        return service

    @classmethod
    def run(
        cls,
        args: Sequence[str],
        *,
        env: Mapping[str, str],
        log_path: Path,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        """A one-shot command (migrate, admin …): its output is returned, its stderr logged."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [str(VOICE_AGENT), *args],
            env=cls.environment(env, log_path),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        with log_path.open("a") as log:
            log.write(done.stderr)
        return done

    @classmethod
    def platform_admin_token(cls, *, env: Mapping[str, str], log_path: Path) -> str:
        """A platform admin's token, as an operator gets one (`admin create-platform-admin`,
        which also migrates the database)."""
        issued = cls.run(
            ["admin", "create-platform-admin", "--email", "ops@example.com"],
            env=env,
            log_path=log_path,
        )
        assert issued.returncode == 0, issued.stderr
        return issued.stdout.strip().splitlines()[-1]

    @property
    def base_url(self) -> str:
        assert self.port is not None, "this command listens on no port"
        return f"http://127.0.0.1:{self.port}"

    def wait_until_ready(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"voice-agent exited with {self.process.returncode}:\n{self.log_text()}"
                )
            with contextlib.suppress(OSError):
                if self.http("GET", path, timeout=2)[0] == 200:
                    return
            time.sleep(0.1)
        raise AssertionError(f"{path} not ready within {timeout} s:\n{self.log_text()}")

    def http(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        token: str | None = None,
        data: bytes | None = None,
        timeout: float = 10,
    ) -> tuple[int, Mapping[str, str], Any]:
        """One request; returns (status, headers, decoded JSON body or text)."""
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            data = json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=all_headers
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.headers, _decoded(response.read())
        except urllib.error.HTTPError as error:
            return error.code, error.headers, _decoded(error.read())

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for line in self.log_text().splitlines():
            with contextlib.suppress(ValueError):
                decoded = json.loads(line)
                if isinstance(decoded, dict):
                    lines.append(decoded)
        return lines

    def wait_for_log(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log_lines():
                if predicate(line):
                    return line
            time.sleep(0.1)
        raise AssertionError(f"no such log line within {timeout} s:\n{self.log_text()[-4000:]}")

    def stop(self, timeout: float = 20) -> int:
        """Ctrl-C, as a person stops it; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            raise AssertionError(f"voice-agent did not stop within {timeout} s") from None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


def _decoded(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def _port_of(args: Sequence[str], env: Mapping[str, str]) -> int | None:
    if "--port" in args:
        return int(args[list(args).index("--port") + 1])
    if "VOICE_AGENT_PORT" in env:
        return int(env["VOICE_AGENT_PORT"])
    return 8080 if args and args[0] == "serve" else None


@contextlib.contextmanager
def running(service: Service) -> Iterator[Service]:
    """Kill the service when the block ends, whatever happened in it."""
    try:
        yield service
    finally:
        service.kill()

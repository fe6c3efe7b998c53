"""The processes a benchmark run starts: its PostgreSQL, the two servers, wrk and the CLI.

Every one is started pinned to its core (taskset), waited for with a deadline, and stopped by
the ExitStack of the run, also on Ctrl-C or an error.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

import psutil

from bench.pinning import SERVER_CORE, pinned
from bench.seed import ROOMY
from tests.faults.harness import VOICE_AGENT, Cluster, free_port


class BenchCluster(Cluster):
    """The fault suite's throwaway PostgreSQL, with memory for a database of a million calls.

    fsync stays off as in the fault suite: the figures compare the CPU cost of two servers on
    the same database, not this machine's disk.
    """

    def start(self) -> None:
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.sockets} -c fsync=off -c max_connections=200"
            " -c shared_buffers=512MB -c work_mem=16MB -c maintenance_work_mem=256MB"
            " -c max_wal_size=4GB -c checkpoint_timeout=30min"
        )
        self._pg_ctl("-w", "-t", "60", "-o", options, "-l", str(self.data / "log"), "start")


def server_version(cluster: Cluster) -> str:
    import psycopg

    with psycopg.connect(cluster.admin_url, connect_timeout=10) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This shell's environment less the product's own settings, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VOICE_AGENT_", "BENCH_")) and k not in ("DATABASE_URL",)
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def _die_with_parent() -> None:
    """In the child before exec: killed if the harness itself is killed (SIGKILL, a crash)."""
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


class Server:
    """An HTTP server in a process of its own, its output in a log file."""

    def __init__(self, name: str, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.name = name
        self.process = process
        self.port = port
        self.log = log

    @classmethod
    def start(
        cls,
        name: str,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        log: Path,
        port: int,
        ready_path: str,
        timeout: float = 90,
    ) -> Server:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            process = subprocess.Popen(
                pinned(SERVER_CORE, command),
                env=dict(env),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C in the terminal is ours to pass on, in order
                preexec_fn=_die_with_parent,
            )
        server = cls(name, process, port, log)
        try:
            server.wait_until_ready(ready_path, timeout)
        except BaseException:
            server.stop()
            raise
        return server

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_ready(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}; its log:\n{self.tail()}"
                )
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(self.base_url + path, timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} was not ready within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, characters: int = 4000) -> str:
        if not self.log.exists():
            return ""
        return self.log.read_text(errors="replace")[-characters:]

    def rss_bytes(self) -> int:
        """Resident memory of the server and any processes it started."""
        process = psutil.Process(self.process.pid)
        total = int(process.memory_info().rss)
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                total += child.memory_info().rss
        return total

    def stop(self, timeout: float = 20) -> None:
        """SIGINT (as Ctrl-C would), then SIGKILL after `timeout`."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        # Anything it started and left behind goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


def product_environment(
    database_url: str, data_dir: Path, webhook_secret: str, *, access_log: bool = True
) -> dict[str, str]:
    """Production settings (see bench/README.md): JSON logs at info, the access log on,
    sandbox telephony, no in-process worker, the webhook credential set. Without
    `access_log`, logs at warning: no access line (and no other info line), to measure what
    the access line costs; never production's settings."""
    return clean_environment(
        {
            "DATABASE_URL": database_url,
            "VOICE_AGENT_DATA_DIR": str(data_dir),
            "VOICE_AGENT_LOG_FORMAT": "json",
            "VOICE_AGENT_LOG_LEVEL": "info" if access_log else "warning",
            "VOICE_AGENT_WORKER": "false",
            "VOICE_AGENT_SEED_DEMO": "false",
            "VOICE_AGENT_VAPI_WEBHOOK_AUTH": "bearer",
            "VOICE_AGENT_VAPI_WEBHOOK_SECRET": webhook_secret,
            "VOICE_AGENT_PROVIDER_MAX_CONCURRENT_CALLS": str(ROOMY),
            "VOICE_AGENT_PROVIDER_TENANT_MAX_CONCURRENT_CALLS": str(ROOMY),
        }
    )


def start_product(
    database_url: str,
    work: Path,
    webhook_secret: str,
    *,
    name: str = "voice-agent serve",
    access_log: bool = True,
) -> Server:
    port = free_port()
    return Server.start(
        name,
        [str(VOICE_AGENT), "serve", "--port", str(port)],
        env=product_environment(database_url, work / "var", webhook_secret, access_log=access_log),
        log=work / "logs" / "product.log",
        port=port,
        ready_path="/healthz",
    )


def start_raw(database_url: str, work: Path, pool_size: int) -> Server:
    port = free_port()
    script = Path(__file__).with_name("raw_server.py")
    return Server.start(
        "raw server",
        [
            sys.executable,
            str(script),
            "--port",
            str(port),
            "--database-url",
            database_url,
            "--pool-size",
            str(pool_size),
        ],
        env=clean_environment({}),
        log=work / "logs" / "raw.log",
        port=port,
        ready_path="/hello",
    )


def run_cli(
    args: Sequence[str], env: Mapping[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """A `voice-agent` command to its end, within `timeout` (then it is killed)."""
    return subprocess.run(
        [str(VOICE_AGENT), *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )

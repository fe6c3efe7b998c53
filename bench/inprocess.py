"""CPU per request through aiohttp's whole server path, in one process, without sockets.

    .venv/bin/python -m bench.inprocess --database-url postgresql://postgres@127.0.0.1:5432/test

A development tool, not part of `make bench`: each request is fed to the server's protocol
object as the bytes a client sends, through a transport that keeps nothing, and its answer
awaited; the process's CPU time is read around rounds of requests. The JSON hello (the raw
side's), `/healthz` and a cached feature check run interleaved, round after round, so that
the host's drift falls on all three alike; the medians are printed. On a host whose wrk
rounds vary by a quarter, this resolves a microsecond: run it in two checkouts (pinned with
`taskset -c 0`) to compare their code. What it leaves out is the system calls and the event
loop's waits, the same for every request of both servers.

It migrates a database of its own (`--database`, created if missing) on the given server
and seeds the demo installation in it once (its token kept in `--token-file`). The access
log is on, as in production, and written to standard output: the figures go to standard
error.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.postgres.embedded import ensure_database
from bench import raw_server
from entrypoints import cli, logs
from entrypoints.container import dispose
from entrypoints.http.app import create_app
from entrypoints.settings import Settings


class DiscardingTransport(asyncio.Transport):
    """A connection whose answers go nowhere; each one written wakes `answered`."""

    def __init__(self) -> None:
        super().__init__()
        self.answered: asyncio.Future[bytes] | None = None

    def write(self, data: Any) -> None:
        self._answer(bytes(data))

    def writelines(self, list_of_data: Iterable[Any]) -> None:
        self._answer(b"".join(list_of_data))

    def _answer(self, data: bytes) -> None:
        if self.answered is not None and not self.answered.done():
            self.answered.set_result(data)

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}.get(
            name, default
        )

    def close(self) -> None:
        pass

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


@dataclass
class Served:
    """One kind of request to one application, on a connection of its own."""

    name: str
    request: bytes
    protocol: Any
    transport: DiscardingTransport

    async def answer(self) -> bytes:
        self.transport.answered = asyncio.get_running_loop().create_future()
        self.protocol.data_received(self.request)
        return await self.transport.answered


def request(path: str, token: str | None = None) -> bytes:
    authorization = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: bench\r\n{authorization}\r\n".encode()


async def connected(
    name: str, app: web.Application, raw: bytes, *, access_log: bool
) -> tuple[web.AppRunner, Served]:
    runner = (
        web.AppRunner(app, access_log_class=logs.AccessLog)
        if access_log
        else web.AppRunner(app, access_log=None)
    )
    await runner.setup()
    protocol = runner.server()
    transport = DiscardingTransport()
    protocol.connection_made(transport)
    served = Served(name, raw, protocol, transport)
    status = (await served.answer()).split(b" ", 2)[1]
    if status != b"200":
        raise SystemExit(f"{name}: answered {status.decode()}, not 200")
    return runner, served


async def measure(everything: list[Served], rounds: int, requests: int) -> dict[str, float]:
    """Each one's median CPU time a request, in µs, over `rounds` interleaved rounds."""
    per_round: dict[str, list[float]] = {s.name: [] for s in everything}
    for _ in range(rounds):
        for served in everything:
            started = time.process_time()
            for _ in range(requests):
                await served.answer()
            per_round[served.name].append((time.process_time() - started) / requests * 1e6)
    return {name: statistics.median(times) for name, times in per_round.items()}


def prepared(args: argparse.Namespace) -> tuple[Settings, str]:
    """The database migrated, with the default catalogue, and the settings to serve it."""
    url = ensure_database(args.database_url, args.database)
    settings = Settings.from_env(
        {"DATABASE_URL": url, "VOICE_AGENT_WORKER": "false", "VOICE_AGENT_SEED_DEMO": "false"}
    )
    cli.prepare_database(settings, url)
    return settings, url


async def main(args: argparse.Namespace, settings: Settings, url: str) -> None:
    logs.configure_logging("info", "json")  # production's: the access log on
    container = cli.build_container(settings, cli.application_login(settings, url))
    demo = await container.bootstrap().seed_demo()
    token_file = args.token_file
    if demo is not None:
        token_file.write_text(f"{demo.admin.token} {demo.tenant.id}")
    token, tenant = token_file.read_text().split()

    product = create_app(container.use_cases())
    hello = raw_server.create_app(url, 2)
    runners, everything = zip(
        *[
            await connected("JSON hello (raw side)", hello, request("/hello"), access_log=False),
            await connected("/healthz", product, request("/healthz"), access_log=True),
            await connected(
                "feature check (cached)",
                product,
                request(f"/v1/tenants/{tenant}/features/calls.outbound", token),
                access_log=True,
            ),
        ],
        strict=True,
    )
    gc.collect()
    gc.freeze()  # as `serve` does once started
    medians = await measure(list(everything), args.rounds, args.requests)
    hello_us = medians["JSON hello (raw side)"]
    for name, us in medians.items():
        print(f"{name:26s} {us:7.1f} µs a request   ÷ hello {hello_us / us:5.2f}", file=sys.stderr)
    for runner in runners:
        await runner.cleanup()
    await dispose(container)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a server to create a database on")
    parser.add_argument("--database", default="bench_inprocess")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--requests", type=int, default=2000, help="a round's requests")
    parser.add_argument(
        "--token-file",
        type=Path,
        default=Path(tempfile.gettempdir()) / "bench-inprocess-demo-token",
        help="where the seeded demo's token and tenant are kept between runs",
    )
    parsed = parser.parse_args()
    asyncio.run(main(parsed, *prepared(parsed)))

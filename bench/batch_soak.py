"""`make batch-soak`: a batch of 10,000 leads at concurrency 100 run to its end on the sandbox,
through `voice-agent serve` and its HTTP API, as a customer runs one.

It starts a PostgreSQL of its own (bench/processes.py's BenchCluster) and `voice-agent serve`
on it with the sandbox provider (short calls, outcomes at random, one try a lead) and a pool
of 200 lines, so that the tenant's share (half: 100) and the batch's concurrency are what
holds it. As a platform admin (`voice-agent admin create-platform-admin`) it makes a tenant on
the enterprise plan (batch calls, 100,000 leads a batch) and raises its `calls.concurrent.max`
to the concurrency with an override (the features API), adds a voice, a number and an agent,
imports the leads from a CSV file, creates the batch over them, runs its preflight, starts it
and polls its progress until it is completed. Then it prints how long it took, dials per
second, the most calls seen on the line at once, the leads by outcome and the batch's cost as
`GET …/usage?by=batch` reports it. It stops everything it started, also on Ctrl-C or an error;
the server's log stays in the work directory when the batch does not complete.

    .venv/bin/python -m bench.batch_soak [--leads 10000] [--concurrency 100] …
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import psycopg

from bench.processes import BenchCluster
from bench.runner import lead_csv
from tests.faults.harness import Service, free_port

STATES = ("pending", "dialling", "live", "completed", "failed", "skipped", "cancelled")


class SoakFailed(RuntimeError):
    """The soak cannot go on, or its batch did not complete."""


@attrs.frozen
class Options:
    leads: int
    concurrency: int
    lines: int
    ring_seconds: float
    talk_seconds: float
    timeout: float
    keep: bool

    @classmethod
    def parse(cls, argv: Sequence[str] | None = None) -> Options:
        parser = argparse.ArgumentParser(
            prog="python -m bench.batch_soak",
            description="A batch run to its end on the sandbox through `voice-agent serve`.",
        )
        parser.add_argument("--leads", type=int, default=10_000)
        parser.add_argument("--concurrency", type=int, default=100)
        parser.add_argument(
            "--lines",
            type=int,
            default=200,
            help="VOICE_AGENT_PROVIDER_MAX_CONCURRENT_CALLS (a tenant may hold half)",
        )
        parser.add_argument("--ring-seconds", type=float, default=0.5)
        parser.add_argument("--talk-seconds", type=float, default=2.0)
        parser.add_argument(
            "--timeout", type=float, default=45 * 60, help="seconds the batch may take"
        )
        parser.add_argument(
            "--keep", action="store_true", help="keep the work directory (the server's log)"
        )
        args = parser.parse_args(argv)
        return cls(
            args.leads,
            args.concurrency,
            args.lines,
            args.ring_seconds,
            args.talk_seconds,
            args.timeout,
            args.keep,
        )

    def environment(self, database_url: str) -> dict[str, str]:
        return {
            "DATABASE_URL": database_url,
            "VOICE_AGENT_LOG_LEVEL": "info",
            "VOICE_AGENT_SANDBOX_RING_SECONDS": f"{self.ring_seconds:g}",
            "VOICE_AGENT_SANDBOX_TALK_SECONDS": f"{self.talk_seconds:g}",
            "VOICE_AGENT_SANDBOX_OUTCOME": "random",
            "VOICE_AGENT_PROVIDER_MAX_CONCURRENT_CALLS": str(self.lines),
        }


@attrs.define
class Watch:
    """What polling the batch saw."""

    polls: int = 0
    most_live: int = 0
    """The most of the batch's calls on the line (its `live` count) at one poll."""
    most_in_flight: int = 0
    """The most dialling and live at one poll: never more than the concurrency."""
    last: dict[str, Any] = attrs.field(factory=dict)

    def saw(self, batch: dict[str, Any]) -> None:
        progress = batch["progress"]
        self.polls += 1
        self.most_live = max(self.most_live, progress["live"])
        self.most_in_flight = max(self.most_in_flight, progress["dialling"] + progress["live"])
        self.last = batch


class Api:
    """The server's HTTP API as the platform admin."""

    def __init__(self, serve: Service, token: str) -> None:
        self._serve = serve
        self._token = token

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        status: int = 200,
        data: bytes | None = None,
        content_type: str | None = None,
        timeout: float = 30,
    ) -> Any:
        headers = {"Content-Type": content_type} if content_type else None
        got, _, answer = self._serve.http(
            method, path, body, token=self._token, data=data, headers=headers, timeout=timeout
        )
        if got != status:
            raise SoakFailed(f"{method} {path}: HTTP {got}, not {status}: {str(answer)[:1000]}")
        return answer


def _log(message: str) -> None:
    print(message, flush=True)


def prepare(api: Api, options: Options) -> tuple[str, str]:
    """The tenant, its agent and its leads, and a draft batch of them all; their ids."""
    tenant = api.call("POST", "/v1/tenants", {"name": "Soak Co"}, status=201)["id"]
    t = f"/v1/tenants/{tenant}"
    plans = api.call("GET", "/v1/plans")["items"]
    [enterprise] = [p["id"] for p in plans if p["name"] == "enterprise"]
    api.call("PUT", f"{t}/plan", {"plan_id": enterprise})
    api.call(
        "PUT",
        f"{t}/features/calls.concurrent.max",
        {"value": options.concurrency, "reason": "batch soak"},
    )
    size = api.call("GET", f"{t}/features/batch.size.max")
    if size["value"] is not None and size["value"] < options.leads:
        api.call(
            "PUT",
            f"{t}/features/batch.size.max",
            {"value": options.leads, "reason": "batch soak"},
        )
    voice = api.call(
        "POST",
        f"{t}/voices",
        {"name": "Ava", "provider": "11labs", "provider_voice_id": "ava"},
        status=201,
    )["id"]
    number = api.call(
        "POST",
        f"{t}/phone-numbers",
        # The sandbox imports a Twilio number on the form of its credentials alone.
        {
            "source": "twilio",
            "number": "+12125550100",
            "twilio_account_sid": "AC" + "0" * 32,
            "twilio_auth_token": "soak",
        },
        status=201,
    )["id"]
    agent = api.call(
        "POST",
        f"{t}/agents",
        {
            "name": "Sam",
            "voice_id": voice,
            "default_number_id": number,
            "first_message": "Hello, this is Soak Co.",
        },
        status=201,
    )["id"]
    started = time.monotonic()
    report = api.call(
        "POST",
        f"{t}/leads/import?country=US",
        data=lead_csv(options.leads).encode(),
        content_type="text/csv",
        timeout=600,
    )
    if report["created"] != options.leads:
        raise SoakFailed(f"the import created {report['created']} leads: {str(report)[:1000]}")
    _log(f"imported {options.leads:,} leads in {time.monotonic() - started:.1f} s")
    batch = api.call(
        "POST",
        f"{t}/batches",
        {
            "name": "Soak",
            "agent_id": agent,
            "leads": {"filter": {"source": "import"}},
            # Every day from 00:00 to 23:59 in the leads' own zones.
            "calling_window": {"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "23:59"},
            "concurrency": options.concurrency,
            "max_attempts": 1,
        },
        status=201,
    )
    return tenant, batch["id"]


def run_batch(api: Api, tenant: str, batch: str, options: Options) -> tuple[Watch, float]:
    """Preflight, start, and poll until the batch is completed (or the time is up)."""
    t = f"/v1/tenants/{tenant}"
    preflight = api.call("POST", f"{t}/batches/{batch}/preflight")
    _log(f"preflight: {json.dumps(preflight)}")
    if preflight["problems"] or preflight["concurrency"] < options.concurrency:
        raise SoakFailed(f"the preflight finds problems: {preflight}")
    started = time.monotonic()
    api.call("POST", f"{t}/batches/{batch}/start")
    watch = Watch()
    shown = started
    while True:
        now = time.monotonic()
        current = api.call("GET", f"{t}/batches/{batch}")
        watch.saw(current)
        if current["status"] in ("completed", "cancelled"):
            return watch, time.monotonic() - started
        if current["status"] != "running":
            raise SoakFailed(f"the batch stopped running: {current}")
        if now - shown >= 10:
            shown = now
            progress = current["progress"]
            done = progress["completed"] + progress["failed"] + progress["skipped"]
            _log(
                f"  {now - started:6.0f} s: {done:,} of {progress['total']:,} done,"
                f" {progress['dialling']} dialling, {progress['live']} live"
            )
        if now - started > options.timeout:
            return watch, now - started
        time.sleep(0.5)


def diagnose(database_url: str, batch: str, serve: Service) -> str:
    """Where a batch that did not complete stands, read as the database's owner, and what the
    server's log complained of."""
    lines = []
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        items = conn.execute(
            "SELECT i.status, c.status, c.ended_reason, count(*) FROM call_batch_items i"
            " LEFT JOIN voice_calls c ON c.tenant_id = i.tenant_id AND c.id = i.last_call_id"
            " WHERE i.batch_id = %s GROUP BY 1, 2, 3 ORDER BY 4 DESC",
            (batch,),
        ).fetchall()
        lines += [f"items {s}, call {c} ({reason}): {n}" for s, c, reason, n in items]
        held = conn.execute("SELECT on_line, count(*) FROM live_calls GROUP BY 1").fetchall()
        lines += [f"registry of calls in flight, on_line={on}: {n}" for on, n in held]
        jobs = conn.execute(
            "SELECT task_name, status, count(*) FROM procrastinate_jobs GROUP BY 1, 2"
        ).fetchall()
        lines += [f"jobs {name} {status}: {n}" for name, status, n in jobs]
    lines += [f"log {what}: {n}" for what, n in complaints(serve).most_common(20)]
    return "\n".join(lines)


def complaints(serve: Service) -> Counter[str]:
    """The server's warnings and errors, by level and event."""
    found: Counter[str] = Counter()
    for line in serve.log_text().splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict) and entry.get("level") in ("warning", "error", "critical"):
                found[f"{entry.get('level')}: {entry.get('event')}"] += 1
    return found


def dials_of(database_url: str, batch: str) -> int:
    """The batch's calls, read as the database's owner: one per dial."""
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        row = conn.execute("SELECT count(*) FROM voice_calls WHERE batch_id = %s", (batch,))
        found = row.fetchone()
    return int(found[0]) if found else 0


def report(
    api: Api,
    tenant: str,
    batch: str,
    watch: Watch,
    seconds: float,
    dials: int,
    options: Options,
    logged: Counter[str],
) -> str:
    progress = watch.last["progress"]
    usage = api.call("GET", f"/v1/tenants/{tenant}/usage?by=batch")
    rows = [r for r in usage["rows"] if r["batch_id"] == batch]
    cost = {
        "calls": sum(r["calls"] for r in rows),
        "minutes": str(sum(float(r["minutes"]) for r in rows)),
        "cost": rows[0]["cost"] if len(rows) == 1 else [r["cost"] for r in rows],
    }
    outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(progress["ended_by_outcome"].items()))
    states = ", ".join(f"{state} {progress[state]:,}" for state in STATES if progress[state])
    return "\n".join(
        [
            f"batch {batch}: {watch.last['status']}",
            f"leads {progress['total']:,} at concurrency {options.concurrency}, pool of"
            f" {options.lines} lines, calls ringing {options.ring_seconds:g} s and talking"
            f" {options.talk_seconds:g} s",
            f"elapsed {seconds:.1f} s (start to completed)",
            f"dials {dials:,}: {dials / seconds:.1f} dials/s",
            f"most calls on the line at once (live, at {watch.polls:,} polls):"
            f" {watch.most_live}; most dialling and live: {watch.most_in_flight}",
            f"leads by state: {states}",
            f"leads by outcome: {outcomes}",
            f"skipped by reason: {progress['skipped_by_reason'] or 'none'}",
            f"the batch's progress cost: {progress['cost']}",
            f"usage?by=batch: {json.dumps(cost)}",
            "the server's warnings and errors: "
            + (", ".join(f"{what}: {n}" for what, n in logged.most_common()) or "none"),
        ]
    )


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    def stop(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {n: signal.signal(n, stop) for n in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def soak(options: Options, work: Path) -> str:
    with contextlib.ExitStack() as stack:
        cluster = BenchCluster.create()
        stack.callback(cluster.destroy)
        url = cluster.create_database("soak")
        env = options.environment(url)
        _log(f"work directory {work}; PostgreSQL on port {cluster.port}")
        token = Service.platform_admin_token(env=env, log_path=work / "admin.log")
        serve = Service.start(
            ["serve", "--port", str(free_port())],
            env=env,
            log_path=work / "serve.log",
            timeout=120,
        )
        stack.callback(serve.kill)
        stack.callback(serve.stop)
        _log(f"voice-agent serve on {serve.base_url}, sandbox, {options.lines} lines")
        api = Api(serve, token)
        tenant, batch = prepare(api, options)
        watch, seconds = run_batch(api, tenant, batch, options)
        dials = dials_of(url, batch)
        if watch.last.get("status") != "completed":
            raise SoakFailed(
                f"the batch is {watch.last.get('status')} after {seconds:.0f} s:"
                f" {watch.last.get('progress')}\n{diagnose(url, batch, serve)}"
            )
        return report(api, tenant, batch, watch, seconds, dials, options, complaints(serve))


def main(argv: Sequence[str] | None = None) -> int:
    options = Options.parse(argv)
    work = Path(tempfile.mkdtemp(prefix="voice-agent-soak-"))
    failed = True
    try:
        with _interruptible():
            summary = soak(options, work)
        print(summary)
        failed = False
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: everything started was stopped", file=sys.stderr)
        return 130
    except (RuntimeError, AssertionError, OSError, psycopg.Error) as error:
        print(f"batch soak failed: {error}", file=sys.stderr)
        return 1
    finally:
        if options.keep or failed:
            print(f"logs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

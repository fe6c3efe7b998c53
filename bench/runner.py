"""One benchmark run: a PostgreSQL of its own, seeded; the raw and the product server; wrk
against both in alternating rounds; the imports and the memory check; docs/benchmarks.md.

Everything it starts is stopped when it ends, also on Ctrl-C, SIGTERM or an error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import psycopg

from bench import payloads
from bench.batch_dispatch import DispatchPlan, new_batch, run_side, seed_tenant
from bench.pinning import LOAD_CORE, SERVER_CORE, pinned, set_affinity
from bench.processes import (
    BenchCluster,
    Server,
    clean_environment,
    product_environment,
    run_cli,
    server_version,
    start_product,
    start_raw,
)
from bench.report import (
    Comparison,
    Memory,
    RunReport,
    Scaling,
    Target,
    Throughput,
    merge,
    render,
)
from bench.seed import Fixture, Sizes, seed
from bench.wrk import WrkResult, run_wrk, summarize

ROOT = Path(__file__).resolve().parent.parent
POOL_SIZE = 10  # the product's default VOICE_AGENT_DB_POOL_SIZE; the raw side gets the same
RATIO = 0.70
DISPATCH_RATIO = 0.50
BATCH_LINES = 100  # dials per round of the batch dispatch: the batch's concurrency and the pool
DISPATCH = "batch-dispatch"
MEMORY_CHECK_LIMIT = 40 * 60  # seconds: a server too slow to serve the requests by then


class BenchError(RuntimeError):
    """The run cannot go on (a tool is missing, a server would not start …)."""


@attrs.frozen
class Options:
    quick: bool
    seconds: float
    warmup: float
    rounds: int
    connections: int
    sizes: Sizes
    import_rows: int
    memory_requests: int
    batch_leads: int
    output: Path
    keep: bool
    only: frozenset[str]
    profile: Path | None = None
    access_log: bool = True

    @classmethod
    def parse(cls, argv: Sequence[str] | None = None) -> Options:
        env = os.environ
        parser = argparse.ArgumentParser(
            prog="bench/run",
            description="Benchmark the product against a raw baseline; writes docs/benchmarks.md."
            " Every option also reads a BENCH_* environment variable.",
        )
        parser.add_argument(
            "--quick",
            action=argparse.BooleanOptionalAction,
            default=_env_flag("BENCH_QUICK", default=False),
            help="small data and short rounds: proves the harness works (BENCH_QUICK=1)",
        )
        parser.add_argument("--seconds", type=float, default=_env_float("BENCH_SECONDS"))
        parser.add_argument("--rounds", type=int, default=_env_int("BENCH_ROUNDS"))
        parser.add_argument("--connections", type=int, default=_env_int("BENCH_CONNECTIONS"))
        parser.add_argument(
            "--big-calls",
            type=int,
            default=_env_int("BENCH_BIG_CALLS"),
            help="calls of the big tenant",
        )
        parser.add_argument("--import-rows", type=int, default=_env_int("BENCH_IMPORT_ROWS"))
        parser.add_argument(
            "--batch-leads",
            type=int,
            default=_env_int("BENCH_BATCH_LEADS"),
            help="leads of the batch the batch-dispatch scenario dials",
        )
        parser.add_argument(
            "--memory-requests",
            type=int,
            default=_env_int("BENCH_MEMORY_REQUESTS"),
            help="mixed requests of the memory check (RSS at half and at the end)",
        )
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(env.get("BENCH_OUTPUT") or ROOT / "docs" / "benchmarks.md"),
        )
        parser.add_argument(
            "--only",
            default=env.get("BENCH_ONLY", ""),
            help="comma-separated scenario keys (see bench/README.md), plus import, memory",
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            default=bool(env.get("BENCH_KEEP")),
            help="keep the work directory (database, logs) afterwards",
        )
        parser.add_argument(
            "--profile",
            type=Path,
            default=Path(env["BENCH_PROFILE"]) if env.get("BENCH_PROFILE") else None,
            help="a directory: after each scenario's rounds, one more product round sampled by"
            " py-spy, its stacks written there as {scenario}.txt (collapsed, for flame graphs)",
        )
        parser.add_argument(
            "--access-log",
            action=argparse.BooleanOptionalAction,
            default=_env_flag("BENCH_ACCESS_LOG", default=True),
            help="--no-access-log (BENCH_ACCESS_LOG=0): the product logs at warning, without"
            " its access line; measures what the line costs, not production's settings",
        )
        args = parser.parse_args(argv)
        quick = bool(args.quick)
        if quick:
            sizes = Sizes(
                small_calls=2_000,
                big_calls=args.big_calls or 20_000,
                other_leads=200,
                pool=20_000,
                pool_leads=2_000,
                full_calls=2_000,
            )
        else:
            sizes = Sizes(big_calls=args.big_calls or Sizes().big_calls)
        return cls(
            quick=quick,
            seconds=args.seconds or (3.0 if quick else 10.0),
            warmup=1.0 if quick else 3.0,
            rounds=args.rounds or (1 if quick else 2),
            connections=args.connections or 32,
            sizes=sizes,
            import_rows=args.import_rows or (5_000 if quick else 100_000),
            memory_requests=args.memory_requests or (4_000 if quick else 100_000),
            batch_leads=args.batch_leads or (1_000 if quick else 5_000),
            output=args.output,
            keep=args.keep,
            only=frozenset(k.strip() for k in args.only.split(",") if k.strip()),
            profile=args.profile,
            access_log=bool(args.access_log),
        )

    def wants(self, key: str) -> bool:
        return not self.only or key in self.only

    @property
    def wants_servers(self) -> bool:
        """Whether a scenario wants the seeded data and the servers (every one but the batch
        dispatch, which seeds its own tenant and runs in processes of its own)."""
        return not self.only or bool(self.only - {DISPATCH})


def _env_flag(name: str, *, default: bool) -> bool:
    """A yes/no variable: 1, true or yes; 0, false or no; anything else, `default`."""
    raw = os.environ.get(name, "").strip().lower()
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    return default


def _env_float(name: str) -> float | None:
    raw = os.environ.get(name)
    return float(raw) if raw else None


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name)
    return int(raw.replace("_", "")) if raw else None


# --- scenarios -----------------------------------------------------------------------------


@attrs.frozen
class Request:
    url: str
    headers: tuple[str, ...] = ()
    webhook: str | None = None
    """The Vapi message type the body is (bench/payloads.py), for POSTs to a webhook."""
    expect: Callable[[Any], str | None] | None = None
    """What the reply must say: None when it does, else what is wrong."""


@attrs.frozen
class Scenario:
    key: str
    title: str
    baseline: str
    product: Request
    raw: Request | None
    target: Target | None


def _expect_call(call_id: Any) -> Callable[[Any], str | None]:
    def check(body: Any) -> str | None:
        found = body.get("id") if isinstance(body, dict) else None
        return None if found == str(call_id) else f"not the call {call_id}: {str(body)[:300]}"

    return check


def _expect_page(newest: Any) -> Callable[[Any], str | None]:
    def check(body: Any) -> str | None:
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or len(items) != 50:
            return f"not a page of 50 calls: {str(body)[:300]}"
        if items[0].get("id") != str(newest):
            return f"the first call is {items[0].get('id')}, not the newest, {newest}"
        return None

    return check


def _expect_answer(body: Any) -> str | None:
    if isinstance(body, dict) and ("assistant" in body or "assistantId" in body):
        return None
    return f"no assistant in the reply: {str(body)[:300]}"


def _expect_feature(body: Any) -> str | None:
    if isinstance(body, dict) and body.get("feature_key") == "calls.outbound" and body["enabled"]:
        return None
    return f"not calls.outbound, enabled: {str(body)[:300]}"


def build_scenarios(
    fixture: Fixture, sizes: Sizes, product: str, raw: str, secret: str
) -> list[Scenario]:
    small, big = fixture.small, fixture.big
    api_key = f"Authorization: Bearer {small.api_key}"
    token = f"Authorization: Bearer {small.user_token}"
    hook = f"Authorization: Bearer {secret}"
    ratio = Target(f"≥ {RATIO:.2f}", min_ratio=RATIO)
    n_small, n_big = f"{sizes.small_calls:,}", f"{sizes.big_calls:,}"

    def call_read(
        key: str,
        title: str,
        header: str,
        *,
        raw_prefix: str = "",
        baseline: str = "SELECT by id",
        target: Target | None = ratio,
    ) -> Scenario:
        path = f"/tenants/{small.id}/calls/{small.newest_call_id}"
        expect = _expect_call(small.newest_call_id)
        return Scenario(
            key,
            title,
            baseline,
            Request(f"{product}/v1{path}", (header,), expect=expect),
            Request(f"{raw}{raw_prefix}{path}", expect=expect),
            target,
        )

    def listing(key: str, title: str, path: str, newest: Any, tenant_key: str) -> Scenario:
        expect = _expect_page(newest)
        return Scenario(
            key,
            title,
            "the same columns, 50 newest",
            Request(f"{product}/v1{path}", (f"Authorization: Bearer {tenant_key}",), expect=expect),
            Request(f"{raw}{path}", expect=expect),
            ratio,
        )

    def webhook(kind: str) -> Scenario:
        statements = "INSERT inbox + UPDATE call"
        if kind == "end-of-call-report":
            statements += " + INSERT usage + UPDATE lead"
        return Scenario(
            f"webhook-{kind}",
            f"webhook `{kind}`, distinct calls",
            f"{statements}, one transaction",
            Request(f"{product}/v1/webhooks/vapi", (hook,), webhook=kind),
            Request(f"{raw}/webhook", webhook=kind),
            ratio,
        )

    return [
        Scenario(
            "healthz",
            "`GET /healthz`",
            "JSON hello",
            Request(f"{product}/healthz"),
            Request(f"{raw}/hello"),
            ratio,
        ),
        call_read("call-api-key", "`GET …/calls/{id}`, tenant API key", api_key),
        call_read("call-user-token", "`GET …/calls/{id}`, personal token", token),
        # The same read against a raw side that keeps the product's isolation: how much of
        # the gap row-level security's transaction and context take by themselves.
        call_read(
            "call-isolated",
            "`GET …/calls/{id}`, tenant API key, against a raw read under row-level security",
            api_key,
            raw_prefix="/isolated",
            baseline="role and tenant set, then SELECT by id: one query, one round trip",
            target=None,
        ),
        listing(
            "calls-small",
            f"`GET …/calls` (50 newest of {n_small})",
            f"/tenants/{small.id}/calls",
            small.newest_call_id,
            small.api_key,
        ),
        listing(
            "calls-big",
            f"`GET …/calls` (50 newest of {n_big})",
            f"/tenants/{big.id}/calls",
            big.newest_call_id,
            big.api_key,
        ),
        listing(
            "lead-calls-small",
            f"`GET …/leads/{{id}}/calls` (50 newest of {n_small})",
            f"/tenants/{small.id}/leads/{small.hot_lead_id}/calls",
            small.newest_call_id,
            small.api_key,
        ),
        listing(
            "lead-calls-big",
            f"`GET …/leads/{{id}}/calls` (50 newest of {n_big})",
            f"/tenants/{big.id}/leads/{big.hot_lead_id}/calls",
            big.newest_call_id,
            big.api_key,
        ),
        webhook("status-update"),
        webhook("conversation-update"),
        webhook("end-of-call-report"),
        Scenario(
            "feature",
            "`GET …/features/{key}` (cached entitlement)",
            "JSON hello",
            Request(
                f"{product}/v1/tenants/{small.id}/features/calls.outbound",
                (api_key,),
                expect=_expect_feature,
            ),
            Request(f"{raw}/hello"),
            Target("≥ 0.50", min_ratio=0.50),
        ),
        Scenario(
            "assistant-request",
            "webhook `assistant-request` (inbound call, new each time)",
            "—",
            Request(
                f"{product}/v1/webhooks/vapi",
                (hook,),
                webhook="assistant-request",
                expect=_expect_answer,
            ),
            None,
            Target("p99 ≤ 100 ms", max_p99_ms=100),
        ),
    ]


# --- the run -------------------------------------------------------------------------------


def _lua_format(python_format: str) -> str:
    return python_format.replace("{:012x}", "%012x")


class Run:
    def __init__(self, options: Options, work: Path, log: Callable[[str], None]) -> None:
        self.options = options
        self.work = work
        self.log = log
        self.notes: list[str] = []
        self.secret = secrets.token_urlsafe(24)
        self.next_call: dict[str, int] = {}
        self.bodies = work / "bodies"
        self.bodies.mkdir(parents=True, exist_ok=True)
        for kind, build in payloads.WEBHOOK_BODIES.items():
            (self.bodies / f"{kind}.json").write_text(build())
        self.url = ""
        self.fixture: Fixture | None = None
        self.product_pid: int | None = None

    # webhooks: which calls the next request is about

    def _call_range(self, kind: str) -> tuple[str, str, int]:
        """Vapi's id format, ours, and the pool size (0: no pool, every id is new)."""
        if kind == "assistant-request":
            return payloads.INBOUND_ID_FORMAT, "", 0
        assert self.fixture is not None
        return payloads.PROVIDER_ID_FORMAT, payloads.OUR_ID_FORMAT, self.fixture.pool

    def _take_calls(self, kind: str, used: int) -> None:
        _, _, pool = self._call_range(kind)
        before = self.next_call.get(kind, 0)
        self.next_call[kind] = before + used
        if pool and before < pool <= before + used:
            self.notes.append(
                f"`{kind}`: the {pool:,} calls seeded for webhooks ran out; later requests"
                " named calls already told the same (duplicates, cheaper): seed more."
            )

    def _body_for(self, kind: str) -> tuple[str, int]:
        provider_format, our_format, pool = self._call_range(kind)
        n = self.next_call.get(kind, 0)
        if pool:
            n %= pool
        body = (self.bodies / f"{kind}.json").read_text()
        body = body.replace(payloads.PROVIDER_ID_MARK, provider_format.format(n))
        if our_format:
            body = body.replace(payloads.OUR_ID_MARK, our_format.format(n))
        self._take_calls(kind, 1)
        return body, n

    # one request, to check a side does what the scenario says before it is measured

    def probe(self, request: Request) -> str | None:
        """None when one request gets the reply it should (and its effect), else why not."""
        data, n = None, -1
        headers = dict(h.split(": ", 1) for h in request.headers)
        if request.webhook:
            text, n = self._body_for(request.webhook)
            data = text.encode()
            headers["Content-Type"] = "application/json"
        try:
            with urllib.request.urlopen(
                urllib.request.Request(request.url, data=data, headers=headers), timeout=30
            ) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except OSError as error:
            return f"no reply: {error}"
        if status != 200:
            return f"HTTP {status}: {raw[:400].decode(errors='replace')}"
        try:
            body = json.loads(raw)
        except ValueError:
            return f"not JSON: {raw[:200]!r}"
        if request.expect is not None and (problem := request.expect(body)) is not None:
            if request.webhook:
                problem += self._inbox_error(request.webhook, n)
            return problem
        if request.webhook and request.webhook != "assistant-request":
            return self._webhook_effect(request.webhook, n)
        return None

    def _inbox_error(self, kind: str, n: int) -> str:
        """Why the product kept a message without applying it, if it says."""
        provider_format, _, _ = self._call_range(kind)
        with psycopg.connect(self.url, connect_timeout=10) as conn:
            row = conn.execute(
                "SELECT error FROM webhook_events WHERE vapi_call_id = %s AND type = %s",
                (provider_format.format(n), kind),
            ).fetchone()
        return f" (kept in the inbox with the error: {row[0]})" if row and row[0] else ""

    def _webhook_effect(self, kind: str, n: int) -> str | None:
        provider_id = payloads.PROVIDER_ID_FORMAT.format(n)
        with psycopg.connect(self.url, connect_timeout=10) as conn:
            call = conn.execute(
                "SELECT id, status, transcription IS NOT NULL FROM voice_calls"
                " WHERE vapi_call_id = %s",
                (provider_id,),
            ).fetchone()
            stored = conn.execute(
                "SELECT count(*) FROM webhook_events WHERE vapi_call_id = %s AND type = %s"
                " AND tenant_id IS NOT NULL AND processed_at IS NOT NULL",
                (provider_id, kind),
            ).fetchone()
            usage = conn.execute(
                "SELECT count(*) FROM ai_usage WHERE call_id = %s", (call[0] if call else None,)
            ).fetchone()
        if call is None:
            return f"no seeded call {provider_id}"
        if not stored or stored[0] != 1:
            return f"the {kind} about {provider_id} is not in the inbox, applied to its call"
        if kind == "status-update" and call[1] != "ringing":
            return f"the call is {call[1]}, not ringing"
        if kind == "end-of-call-report" and not (call[1] == "ended" and call[2]):
            return "the call is not ended with its transcript"
        if kind == "end-of-call-report" and (not usage or usage[0] != 8):
            return f"{usage[0] if usage else 0} usage rows, not the report's 8"
        return None

    # wrk

    def drive(self, request: Request, seconds: float) -> WrkResult:
        env: dict[str, str] = {}
        script = "get.lua"
        if request.webhook:
            provider_format, our_format, pool = self._call_range(request.webhook)
            script = "webhook.lua"
            env = {
                "BENCH_BODY": str(self.bodies / f"{request.webhook}.json"),
                "BENCH_PROVIDER_ID_FORMAT": _lua_format(provider_format),
                "BENCH_OUR_ID_FORMAT": _lua_format(our_format),
                "BENCH_OFFSET": str(self.next_call.get(request.webhook, 0)),
                "BENCH_POOL": str(pool),
            }
        result = run_wrk(
            request.url,
            script,
            seconds=seconds,
            connections=self.options.connections,
            headers=request.headers,
            env=env,
        )
        if request.webhook:
            self._take_calls(request.webhook, result.ids_used)
        return result

    def profile(self, key: str, request: Request) -> None:
        """One more product round, not counted, with py-spy sampling the server."""
        assert self.options.profile is not None
        assert self.product_pid is not None
        self.options.profile.mkdir(parents=True, exist_ok=True)
        out = self.options.profile / f"{key}.txt"
        seconds = self.options.seconds
        spy = subprocess.Popen(
            [
                *pinned(LOAD_CORE, [_py_spy()]),
                "record",
                "--rate",
                "200",
                "--format",
                "raw",
                "--duration",
                f"{seconds:g}",
                "--pid",
                str(self.product_pid),
                "--output",
                str(out),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.drive(request, seconds)
        _, err = spy.communicate(timeout=seconds + 60)
        if spy.returncode != 0:
            self.notes.append(f"`{key}`: py-spy failed: {err.decode(errors='replace')[-300:]}")
        else:
            self.log(f"  {key}: profile in {out}")

    def scenario(self, scenario: Scenario) -> Comparison | None:
        options = self.options
        sides = [("raw", scenario.raw), ("product", scenario.product)]
        present = [(name, request) for name, request in sides if request is not None]
        for name, request in present:
            problem = self.probe(request)
            if problem is None:
                continue
            if name == "raw":
                raise BenchError(f"{scenario.key}: the raw side fails its check: {problem}")
            self.notes.append(f"`{scenario.key}` not measured: the product fails: {problem}")
            self.log(f"  {scenario.key}: SKIPPED, the product fails: {problem}")
            return None
        for _name, request in present:
            self.drive(request, options.warmup)
        results: dict[str, list[WrkResult]] = {name: [] for name, _ in present}
        for round_number in range(1, options.rounds + 1):
            for name, request in present:
                result = self.drive(request, options.seconds)
                results[name].append(result)
                self.log(
                    f"  {scenario.key} round {round_number} {name:7}: {result.per_second:8,.0f}"
                    f" req/s  p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms"
                    + (f"  {result.errors} errors" if result.errors else "")
                )
        if options.profile is not None and scenario.product is not None:
            self.profile(scenario.key, scenario.product)
        for name, runs in results.items():
            errors, requests = sum(r.errors for r in runs), sum(r.requests for r in runs)
            if errors:
                self.notes.append(
                    f"`{scenario.key}`, {name}: {errors:,} of {requests:,} requests failed"
                    " (status ≥ 400 or socket errors): see the server's log."
                )
        return Comparison(
            scenario.title,
            scenario.baseline,
            summarize(results["product"]),
            summarize(results["raw"]) if "raw" in results else None,
            scenario.target,
        )


# --- imports and memory ----------------------------------------------------------------------

_AREAS = ("212", "415", "312", "617", "206", "303", "512", "404", "305", "702")
_EXCHANGES = [e for e in range(200, 1000) if e % 100 != 11]  # N11 codes are not exchanges
_ZONES = ("America/New_York", "America/Los_Angeles", "America/Chicago", "America/Denver")


def lead_csv(rows: int) -> str:
    """A CRM export: numbers written the ways people write them, names, emails, extra columns."""
    rng = random.Random(11)
    lines = ["name,phone,email,timezone,company,notes"]
    for i in range(rows):
        area, rest = _AREAS[i % 10], i // 10
        exchange, line = _EXCHANGES[rest % len(_EXCHANGES)], rest // len(_EXCHANGES)
        style = i % 4
        if style == 0:
            phone = f"({area}) {exchange}-{line:04d}"
        elif style == 1:
            phone = f"+1 {area}-{exchange}-{line:04d}"
        elif style == 2:
            phone = f"{area}.{exchange}.{line:04d}"
        else:
            phone = f"1{area}{exchange}{line:04d}"
        first = rng.choice(("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley"))
        last = rng.choice(("Smith", "Garcia", "Chen", "Okafor", "Müller", "Rossi", "Novak"))
        lines.append(
            f"{first} {last},{phone},{first.lower()}.{last.lower()}{i}@example.com,"
            f'{_ZONES[i % 4]},Company {i % 997},"met at expo, follow up"'
        )
    return "\n".join(lines) + "\n"


def _post_csv(url: str, api_key: str, data: bytes, timeout: float) -> tuple[int, Any, float]:
    request = urllib.request.Request(
        url,
        data=data,
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "text/csv"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    elapsed = time.monotonic() - started
    try:
        return status, json.loads(raw), elapsed
    except ValueError:
        return status, raw[:400].decode(errors="replace"), elapsed


def _memory_mix(fixture: Fixture, secret: str, bodies: Path) -> tuple[list[str], str]:
    small = fixture.small
    key, token = f"Bearer {small.api_key}", f"Bearer {small.user_token}"
    tenant = f"/v1/tenants/{small.id}"
    lines = [
        f"GET\t/healthz\t{key}",
        f"GET\t{tenant}/calls/{small.newest_call_id}\t{key}",
        f"GET\t{tenant}/calls/{small.newest_call_id}\t{token}",
        f"GET\t{tenant}/calls\t{key}",
        f"GET\t{tenant}/leads/{small.hot_lead_id}/calls\t{key}",
        f"GET\t{tenant}/features/calls.outbound\t{key}",
        f"POST\t/v1/webhooks/vapi\tBearer {secret}\t{bodies / 'conversation-update.json'}",
    ]
    described = (
        "in turn: `/healthz`, a call by API key, the same by personal token, the call list,"
        " a lead's calls, a feature check, and a `conversation-update` webhook about another"
        " call each time"
    )
    return lines, described


# --- the machine -----------------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_total() -> str:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _wrk_version() -> str:
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10)
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0].split(" Copyright")[0] if text else "unknown"


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _py_spy() -> str:
    """py-spy from this virtualenv (the bench extra installs it), else from PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise BenchError("BENCH_PROFILE needs py-spy: pip install py-spy")
    return found


def check_tools(*, wrk: bool = True) -> None:
    """The tools the run needs (wrk only for the scenarios against the servers)."""
    tools = ("wrk", "taskset") if wrk else ("taskset",)
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        packages = " ".join("util-linux" if tool == "taskset" else tool for tool in missing)
        raise BenchError(
            f"missing: {', '.join(missing)}. On Debian or Ubuntu: sudo apt-get install {packages}"
        )
    cores = os.sched_getaffinity(0)
    if not {SERVER_CORE, LOAD_CORE} <= cores:
        raise BenchError(
            f"the benchmark pins the server to core {SERVER_CORE} and wrk to core {LOAD_CORE};"
            f" this process may use cores {sorted(cores)} only"
        )


def _command() -> str:
    knobs = " ".join(
        f"{name}={value}"
        for name, value in sorted(os.environ.items())
        if name.startswith("BENCH_") and name != "BENCH_COMMAND"
    )
    command = os.environ.get("BENCH_COMMAND") or " ".join(["bench/run", *sys.argv[1:]])
    return f"{knobs} {command}".strip()


# --- main ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP end the run through every cleanup (SIGINT too when the
    shell that started it ignores it, as it does for background jobs)."""

    def stop(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {
        number: signal.signal(number, stop)
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _log(message: str) -> None:
    print(message, flush=True)


def execute(options: Options, work: Path) -> RunReport:
    log = _log
    check_tools(wrk=options.wants_servers)
    load_before = _load()
    run = Run(options, work, log)
    sizes = options.sizes
    with contextlib.ExitStack() as stack:
        log(f"work directory: {work}")
        cluster = BenchCluster.create()
        stack.callback(cluster.destroy)
        pg_version = server_version(cluster)
        log(f"PostgreSQL {pg_version} on port {cluster.port}")
        served = dispatch = None
        if options.wants_servers:
            run.url = url = _migrated(cluster, "bench")
            served = _served(run, stack, url)
        if options.wants(DISPATCH):
            # A database of its own: the request scenarios leave calls on the line (the
            # webhooks' calls in flight), which would fill the dispatcher's shared lines.
            dispatch = _batch_dispatch(run, _migrated(cluster, "dispatch"))

    machine = (
        ("Machine", f"{os.cpu_count()} cores ({_cpu_model()}), {_memory_total()} memory"),
        (
            "Software",
            f"PostgreSQL {pg_version}, Python {platform.python_version()},"
            + (f" {_wrk_version()}," if options.wants_servers else "")
            + f" {platform.system()} {platform.release()}",
        ),
        ("Load average (1, 5, 15 min)", f"{load_before} before; {_load()} after"),
    )
    settings: list[str] = []
    data: list[str] = []
    if served is not None:
        fixture = served.fixture
        log_setting = (
            "`VOICE_AGENT_LOG_LEVEL=info` (the default: the access log on, one JSON line per"
            " request to a file, as production sends it to a collector)"
            if options.access_log
            else "`VOICE_AGENT_LOG_LEVEL=warning` (**the access log off**, `--no-access-log`:"
            " a measure of what the access line costs, not production's settings)"
        )
        settings += [
            "product: `voice-agent serve` with `VOICE_AGENT_LOG_FORMAT=json`,"
            f" {log_setting}, sandbox telephony (no"
            " Vapi key), `VOICE_AGENT_WORKER=false` (workers run apart in production), a bearer"
            f" webhook secret, the default pool (up to {2 * POOL_SIZE} connections, kept once"
            " opened) and"
            " entitlement cache (10 s)",
            "raw: bench/raw_server.py, aiohttp and psycopg_pool"
            f" ({POOL_SIZE} to {2 * POOL_SIZE} connections), reads in autocommit, a webhook in"
            " one transaction, as the database owner (no row-level security), no access log",
            f"both servers pinned to core {SERVER_CORE} (taskset); wrk (1 thread,"
            f" {options.connections} connections, Lua scripts in bench/lua) on core {LOAD_CORE};"
            " PostgreSQL on both cores, loopback TCP, fsync off, shared_buffers 512 MB",
            "per scenario: one checked request to each side,"
            f" {options.warmup:g} s of warm-up each, then {options.rounds} round(s) of"
            f" {options.seconds:g} s alternating raw, product",
            "lead import: the product may use both cores (the target asks for it); the CLI runs"
            " unpinned",
        ]
        data += [
            f"{fixture.rows.get('tenants', 0)} tenants, {fixture.rows.get('users', 0)} users,"
            f" {fixture.rows.get('leads', 0):,} leads,"
            f" {fixture.rows.get('voice_calls', 0):,} calls (seeded in {fixture.seconds:.0f} s)",
            f"a tenant whose lead has {sizes.small_calls:,} calls and one whose lead has"
            f" {sizes.big_calls:,}: ended calls over a year with transcripts, costs, cost"
            f" breakdowns and Vapi's record (the newest {sizes.full_calls:,} of each with the"
            " whole conversation and record, older ones shorter)",
            f"{fixture.pool:,} calls in flight for the webhooks, each request about another;"
            " an inbound line whose caller is a lead",
        ]
    if dispatch is not None:
        settings.append(
            f"batch dispatch: each side in a process of its own on core {SERVER_CORE} (taskset),"
            " PostgreSQL on both cores, fsync off; the product's BatchDispatcher built as"
            " `voice-agent worker` builds it (the application's login under row-level security,"
            f" JSON logs at info, a pool of up to {2 * POOL_SIZE} connections kept once opened),"
            " with a"
            f" provider pool and per-tenant share of {BATCH_LINES} lines; the raw loop on"
            f" psycopg_pool ({POOL_SIZE} to {2 * POOL_SIZE} connections) as the database owner;"
            " a telephony provider that answers every create at once (queued, its id); a round"
            f" is one transaction claiming {BATCH_LINES} leads and queueing their calls, then"
            " their dials at once, and one transaction recording the answers and moving the items;"
            " between rounds the round's calls end (not timed); a warm-up batch of"
            f" {BATCH_LINES} leads first; {options.rounds} round(s) per side alternating raw,"
            " product"
        )
        data.append(
            f"a tenant with {options.batch_leads:,} leads; each side's run dispatches a fresh"
            f" batch of them all (concurrency {BATCH_LINES}, one try each, a calling window"
            " always open)"
        )
    return RunReport(
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        command=_command(),
        quick=options.quick,
        machine=machine,
        settings=tuple(settings),
        data=tuple(data),
        comparisons=tuple(served.comparisons.values()) if served else (),
        scaling=tuple(served.scaling) if served else (),
        imports=tuple(served.imports) if served else (),
        memory=served.memory if served else None,
        dispatch=(dispatch,) if dispatch is not None else (),
        notes=tuple(run.notes),
    )


def _migrated(cluster: BenchCluster, name: str) -> str:
    """A new database of the cluster, migrated to the head; its URL."""
    url = cluster.create_database(name)
    _log(f"database {name}: migrating")
    migrated = run_cli(
        ["migrate"],
        clean_environment({"DATABASE_URL": url, "VOICE_AGENT_LOG_FORMAT": "json"}),
        timeout=300,
    )
    if migrated.returncode != 0:
        raise BenchError(f"voice-agent migrate failed:\n{migrated.stderr[-3000:]}")
    return url


@attrs.define
class _Served:
    """What the scenarios against the two servers found."""

    fixture: Fixture
    comparisons: dict[str, Comparison]
    scaling: list[Scaling]
    imports: list[Throughput]
    memory: Memory | None


def _served(run: Run, stack: contextlib.ExitStack, url: str) -> _Served:
    """The seeded data, the two servers, and every scenario the run wants of them."""
    options, log, work, sizes = run.options, run.log, run.work, run.options.sizes
    fixture = run.fixture = seed(url, sizes, log)

    raw = start_raw(url, work, POOL_SIZE)
    stack.callback(raw.stop)
    product = start_product(url, work, run.secret, access_log=options.access_log)
    stack.callback(product.stop)
    run.product_pid = product.process.pid
    log(f"raw server on {raw.base_url}, product on {product.base_url} (core {SERVER_CORE})")

    comparisons: dict[str, Comparison] = {}
    for scenario in build_scenarios(fixture, sizes, product.base_url, raw.base_url, run.secret):
        if not options.wants(scenario.key):
            continue
        log(f"scenario {scenario.key}")
        result = run.scenario(scenario)
        if result is not None:
            comparisons[scenario.key] = result

    scaling = _scaling(comparisons, sizes)
    imports = (
        _imports(run, product, url, fixture, options.import_rows) if options.wants("import") else []
    )
    memory = None
    if options.wants("memory"):
        product.stop()
        product = start_product(
            url,
            work,
            run.secret,
            name="voice-agent serve (fresh)",
            access_log=options.access_log,
        )
        stack.callback(product.stop)
        memory = _memory(run, product, fixture, options.memory_requests)
    return _Served(fixture, comparisons, scaling, imports, memory)


def _batch_dispatch(run: Run, url: str) -> Comparison | None:
    """The product's dispatcher and the raw loop, each dispatching a fresh batch of every lead
    of the tenant in rounds of BATCH_LINES dials, in alternating rounds: raw, product …; None
    when the product's process fails (a note says why)."""
    options, log = run.options, run.log
    leads = options.batch_leads
    log(f"scenario {DISPATCH}: {leads:,} leads in rounds of {BATCH_LINES} dials")
    fixture = seed_tenant(url, leads)
    results: dict[str, list[WrkResult]] = {"raw": [], "product": []}
    for round_number in range(1, options.rounds + 1):
        for side in ("raw", "product"):
            warmup = new_batch(
                url, fixture, f"warm-up {side} {round_number}", BATCH_LINES, BATCH_LINES
            )
            batch = new_batch(url, fixture, f"{side} {round_number}", BATCH_LINES)
            plan = DispatchPlan(url, fixture.tenant_id, warmup, batch, BATCH_LINES, POOL_SIZE)
            try:
                done = run_side(side, plan, run.work)
            except RuntimeError as error:
                if side == "raw":
                    raise
                run.notes.append(f"`{DISPATCH}` not measured: the product fails: {error}")
                log(f"  {DISPATCH}: SKIPPED, the product fails: {str(error)[:300]}")
                return None
            problem = None
            if done.dials != leads or done.errors:
                problem = (
                    f"{done.dials:,} dials of {leads:,} leads; {done.errors:,} leads without"
                    " a call placed"
                )
                if side == "raw":
                    raise BenchError(f"{DISPATCH}: the raw side fails its check: {problem}")
                run.notes.append(f"`{DISPATCH}`, product, round {round_number}: {problem}")
            result = done.as_result()
            results[side].append(result)
            log(
                f"  {DISPATCH} round {round_number} {side:7}: {result.per_second:8,.0f}"
                f" dials/s  round p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms"
                + (f"  {problem}" if problem else "")
            )
    return Comparison(
        f"batch dispatch, {leads:,} leads in rounds of {BATCH_LINES}",
        "the same statements, psycopg",
        summarize(results["product"]),
        summarize(results["raw"]),
        Target(f"≥ {DISPATCH_RATIO:.2f}", min_ratio=DISPATCH_RATIO),
    )


def _scaling(comparisons: dict[str, Comparison], sizes: Sizes) -> list[Scaling]:
    factor = f"≤ 1.5 ({sizes.big_calls:,} vs {sizes.small_calls:,})"
    rows = []
    for small, big, title in (
        ("calls-small", "calls-big", "`GET …/calls`"),
        ("lead-calls-small", "lead-calls-big", "`GET …/leads/{id}/calls`"),
    ):
        if small in comparisons and big in comparisons:
            a, b = comparisons[small], comparisons[big]
            rows.append(
                Scaling(f"{title}, product", a.product, b.product, Target(factor, max_factor=1.5))
            )
            if a.raw is not None and b.raw is not None:
                rows.append(Scaling(f"{title}, raw", a.raw, b.raw, Target("for reference")))
    return rows


def _imports(run: Run, product: Server, url: str, fixture: Fixture, rows: int) -> list[Throughput]:
    run.log(f"lead import: {rows:,} rows over HTTP and through the CLI")
    csv_path = run.work / "leads.csv"
    csv_path.write_text(lead_csv(rows))
    target = Target("≥ 15,000 rows/s", min_rate=15_000)
    results = []
    # The target asks for both cores: the server may use the load core while wrk is idle.
    set_affinity(product.process.pid, {SERVER_CORE, LOAD_CORE})
    try:
        status, body, seconds = _post_csv(
            f"{product.base_url}/v1/tenants/{fixture.import_http.id}/leads/import?country=US",
            fixture.import_http.api_key,
            csv_path.read_bytes(),
            timeout=1800,
        )
    finally:
        set_affinity(product.process.pid, {SERVER_CORE})
    if status == 200 and isinstance(body, dict):
        detail = f"created {body.get('created'):,}, failed {body.get('failed'):,}"
    else:
        detail = f"HTTP {status}: {str(body)[:200]}"
        run.notes.append(f"HTTP import failed: {detail}")
    results.append(Throughput("`POST …/leads/import` (text/csv)", rows, seconds, detail, target))
    run.log(f"  HTTP: {rows / seconds:,.0f} rows/s ({detail})")

    env = product_environment(
        url, run.work / "var-cli", run.secret, access_log=run.options.access_log
    )
    started = time.monotonic()
    done = run_cli(
        [
            "leads",
            "import",
            str(csv_path),
            "--tenant",
            str(fixture.import_cli.id),
            "--country",
            "US",
        ],
        env,
        timeout=1800,
    )
    seconds = time.monotonic() - started
    # Its report's first line ("rows N: created …"); log lines (JSON) go to stdout too.
    summary = next((ln for ln in done.stdout.splitlines() if ln.startswith("rows ")), "")
    detail = (
        summary
        if done.returncode == 0
        else f"exit {done.returncode}: {summary or done.stderr[-200:]}"
    )
    if done.returncode != 0:
        run.notes.append(f"CLI import failed: {detail}")
    results.append(
        Throughput("`voice-agent leads import` (whole command)", rows, seconds, detail, target)
    )
    run.log(f"  CLI: {rows / seconds:,.0f} rows/s ({detail})")
    return results


MEMORY_TARGET = Target("≤ 250 MB, and ≤ 10 % above the figure at half", max_mb=250, max_growth=0.10)


def _memory(run: Run, product: Server, fixture: Fixture, requests: int) -> Memory:
    """RSS of a fresh server at start, past half the requests and past all of them.

    wrk runs in short chunks until each mark is passed (it has no request count of its own);
    the table gives the requests actually served at each reading.
    """
    lines, described = _memory_mix(fixture, run.secret, run.bodies)
    mix = run.work / "mix.tsv"
    mix.write_text("\n".join(lines) + "\n")
    points = [(0, product.rss_bytes() / 2**20)]
    served = 0
    chunk = 5.0 if run.options.quick else 10.0
    deadline = time.monotonic() + MEMORY_CHECK_LIMIT
    run.log(f"memory: {requests:,} mixed requests to a fresh server")
    for mark in (requests // 2, requests):
        while served < mark:
            if time.monotonic() > deadline:
                run.notes.append(
                    f"memory check stopped after {MEMORY_CHECK_LIMIT / 60:.0f} minutes at"
                    f" {served:,} requests"
                )
                return Memory(tuple(points), described, MEMORY_TARGET)
            result = run_wrk(
                product.base_url,
                "mixed.lua",
                seconds=chunk,
                connections=run.options.connections,
                env={
                    "BENCH_MIX": str(mix),
                    "BENCH_PROVIDER_ID_FORMAT": _lua_format(payloads.PROVIDER_ID_FORMAT),
                    "BENCH_OUR_ID_FORMAT": _lua_format(payloads.OUR_ID_FORMAT),
                    "BENCH_OFFSET": str(run.next_call.get("conversation-update", 0)),
                    "BENCH_POOL": str(fixture.pool),
                },
            )
            run._take_calls("conversation-update", result.ids_used)
            served += result.requests
            if result.errors:
                run.notes.append(
                    f"memory check: {result.errors:,} of {result.requests:,} requests failed"
                )
        points.append((served, product.rss_bytes() / 2**20))
        run.log(f"  after {served:,}: {points[-1][1]:.0f} MB")
    return Memory(tuple(points), described, MEMORY_TARGET)


def main(argv: Sequence[str] | None = None) -> int:
    options = Options.parse(argv)
    work = Path(tempfile.mkdtemp(prefix="voice-agent-bench-"))
    failed = True
    try:
        with _interruptible():
            report = execute(options, work)
        options.output.parent.mkdir(parents=True, exist_ok=True)
        existing = options.output.read_text() if options.output.exists() else None
        options.output.write_text(merge(existing, render(report), options.only))
        print(render(report))
        print(f"wrote {options.output}")
        failed = False
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: everything started was stopped", file=sys.stderr)
        return 130
    except (RuntimeError, subprocess.SubprocessError, OSError, psycopg.Error) as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    finally:
        if options.keep or failed:
            print(f"logs and data kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

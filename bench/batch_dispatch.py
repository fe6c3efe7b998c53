"""The batch-dispatch scenario: the product's BatchDispatcher against a raw psycopg loop that
sends the same statements, on one tenant's batch of leads.

Each side runs in a process of its own on the server core (`python -m bench.batch_dispatch
product|raw …`): it warms up on a batch of `lines` leads, then dispatches a fresh batch of
every lead of the tenant, round after round of `lines` dials, until no lead is left, and
writes what it did as JSON. A round is what the product's `BatchDispatcher.tick()` does: one
transaction that claims the due leads and queues their calls, then the dials at once, and
one transaction that records the provider's answers on their calls and moves their items
(the answers in by then, which is all of them: the provider answers at once). The telephony provider
answers every create at once (queued, with its id), so a round's time is the database's and
the code's. Between rounds, outside the time measured, the round's calls end: their lines
are freed and their items completed (as their end-of-call reports would), so that every
round finds `lines` free lines and room in the batch's concurrency of `lines`.

The product is built as `voice-agent worker` builds it (the container from the same
settings, the application's own database login under row-level security, JSON logs at info)
with a provider pool and a per-tenant ceiling of `lines`; the tenant's
`calls.concurrent.max` never holds it back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import psycopg
from psycopg.types.json import Jsonb

from bench.wrk import WrkResult

ROOT = Path(__file__).resolve().parent.parent

# The lock every placement of a call takes (adapters/postgres/calls.py: _PLACEMENT_LOCK).
PLACEMENT_LOCK = 0x766F_6963_6531
# How long after placing a call the product looks it up if nothing was heard (its default).
RECONCILE_AFTER = timedelta(minutes=15)


@attrs.frozen
class DispatchPlan:
    """What one side's process does, as the harness tells it (JSON on the command line)."""

    url: str
    """The database, logged in as its owner (the product side logs in as the application)."""
    tenant_id: UUID
    warmup_batch_id: UUID
    batch_id: UUID
    lines: int
    """Dials per round: the provider's pool and the tenant's share of it."""
    pool_size: int

    def to_json(self) -> str:
        return json.dumps(attrs.asdict(self, value_serializer=lambda _i, _a, v: _plain(v)))

    @classmethod
    def from_json(cls, text: str) -> DispatchPlan:
        data = json.loads(text)
        for key in ("tenant_id", "warmup_batch_id", "batch_id"):
            data[key] = UUID(data[key])
        return cls(**data)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, UUID) else value


@attrs.frozen
class DispatchRun:
    """One side's measured dispatch of a batch: its rounds (dials, seconds each)."""

    rounds: tuple[tuple[int, float], ...]
    errors: int = 0
    """Dials that did not end with the call placed (its provider id recorded, its item live)."""

    def to_json(self) -> str:
        return json.dumps({"rounds": [list(r) for r in self.rounds], "errors": self.errors})

    @classmethod
    def from_json(cls, text: str) -> DispatchRun:
        data = json.loads(text)
        return cls(tuple((int(n), float(s)) for n, s in data["rounds"]), int(data["errors"]))

    @property
    def dials(self) -> int:
        return sum(n for n, _ in self.rounds)

    @property
    def seconds(self) -> float:
        return sum(s for _, s in self.rounds)

    def as_result(self) -> WrkResult:
        """The run as the request scenarios report theirs: dials for requests, and the
        latency of a round of dials (its claim and its dials) for a request's."""
        times = sorted(s * 1000 for _, s in self.rounds)
        return WrkResult(
            requests=self.dials,
            seconds=self.seconds,
            p50_ms=statistics.median(times) if times else 0.0,
            p90_ms=_percentile(times, 0.90),
            p99_ms=_percentile(times, 0.99),
            max_ms=times[-1] if times else 0.0,
            errors=self.errors,
        )


def _percentile(ordered: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of values in ascending order (0 when there are none)."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


# --- the data (the harness, as the database's owner) -------------------------------------------


@attrs.frozen
class DispatchFixture:
    tenant_id: UUID
    agent_id: UUID
    number_id: UUID
    owner_id: UUID
    leads: int


def seed_tenant(url: str, leads: int) -> DispatchFixture:
    """A tenant on the enterprise plan with its people, voice, numbers, agents and `leads`
    leads, whose concurrent calls are limited by the pool only."""
    from bench.seed import Seeder, Sizes, _bulk_session

    with _bulk_session(url) as conn:
        seeder = Seeder(url, conn, Sizes())
        tenant = seeder.tenant("Bench Batch Co", "512")
        seeder.leads(tenant, leads - 1)  # and the tenant's hot lead
        number = conn.execute(
            "SELECT default_number_id FROM voice_agents WHERE id = %s", (tenant.agent_id,)
        ).fetchone()
        feature = conn.execute(
            "SELECT id FROM features WHERE feature_key = 'calls.concurrent.max'"
        ).fetchone()
        if number is None or feature is None:
            raise RuntimeError("the seeded agent has no number, or the catalogue no limit")
        conn.execute(
            "INSERT INTO tenant_features (id, tenant_id, feature_id, feature_value, reason,"
            " created_at, updated_at) VALUES (gen_random_uuid(), %s, %s, %s, 'bench', now(),"
            " now())",
            (tenant.id, feature[0], Jsonb(10 * leads)),
        )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) leads")
    return DispatchFixture(tenant.id, tenant.agent_id, number[0], tenant.owner_id, leads)


def new_batch(
    url: str, fixture: DispatchFixture, name: str, lines: int, leads: int | None = None
) -> UUID:
    """A started batch (not yet in the registry of running batches) of the tenant's first
    `leads` leads (all of them by default) at a concurrency of `lines`, always inside its
    calling window, one try each. Written with SQL, its row mapped by the product's own
    adapter (adapters.postgres.batches.batch_values)."""
    from adapters.postgres.batches import BATCH_COLUMNS, batch_values
    from bench.seed import _UUID7, new_id
    from domain.batches import Batch, BatchCounts, CallingWindow
    from domain.ids import AgentId, BatchId, PhoneNumberId, TenantId, UserId

    now = datetime.now(UTC)
    count = leads or fixture.leads
    batch = Batch(
        id=BatchId(new_id()),
        tenant_id=TenantId(fixture.tenant_id),
        agent_id=AgentId(fixture.agent_id),
        from_number_id=PhoneNumberId(fixture.number_id),
        name=name,
        # The whole day but its last microsecond, every day: no lead waits for its hours.
        window=CallingWindow(range(1, 8), clock_time(0), clock_time(23, 59, 59, 999_999)),
        created_at=now,
        updated_at=now,
        concurrency=lines,
        max_attempts=1,
        created_by=UserId(fixture.owner_id),
    )
    batch.counts = BatchCounts(pending=count)
    batch.start(now)
    values = batch_values(batch)
    for key in ("retry_policy", "ended_by", "skipped_by"):
        values[key] = Jsonb(values[key])
    columns = ["id", "tenant_id", *BATCH_COLUMNS, "version", "created_at"]
    row = {"id": batch.id, "tenant_id": batch.tenant_id, "version": 0, "created_at": now}
    row.update(values)
    with psycopg.connect(url) as conn:
        conn.execute(_UUID7)
        conn.execute(
            f"INSERT INTO call_batches ({', '.join(columns)})"
            f" VALUES ({', '.join(f'%({c})s' for c in columns)})",
            row,
        )
        added = conn.execute(
            "INSERT INTO call_batch_items (id, tenant_id, batch_id, lead_id, status, attempts,"
            " variables, version, created_at, updated_at)"
            " SELECT pg_temp.uuid7(%(now)s), tenant_id, %(batch)s, id, 'pending', 0, '{}', 0,"
            " %(now)s, %(now)s"
            " FROM (SELECT id, tenant_id FROM leads WHERE tenant_id = %(tenant)s"
            "       ORDER BY created_at, id LIMIT %(count)s) AS chosen",
            {"now": now, "batch": batch.id, "tenant": fixture.tenant_id, "count": count},
        ).rowcount
        if added != count:
            raise RuntimeError(f"batch {name}: {added} items, not {count}")
    return batch.id


class Registry:
    """What the harness does to the database around and between rounds, as its owner (never
    timed)."""

    def __init__(self, conn: psycopg.AsyncConnection[Any], tenant_id: UUID) -> None:
        self._conn = conn
        self._tenant_id = tenant_id

    async def enter(self, batch_id: UUID) -> None:
        await self._conn.execute(
            "INSERT INTO running_batches (tenant_id, batch_id, created_at, updated_at)"
            " VALUES (%s, %s, now(), now())",
            (self._tenant_id, batch_id),
        )

    async def end_round(self, batch_id: UUID) -> None:
        """The round's calls end, as they would on the telephone: their lines are free, their
        items completed and counted so. (The calls themselves stay queued: nothing the
        dispatcher reads depends on them.)"""
        await self._conn.execute("DELETE FROM live_calls WHERE tenant_id = %s", (self._tenant_id,))
        await self._conn.execute(
            "WITH ended AS ("
            "  UPDATE call_batch_items SET status = 'completed', last_outcome = 'completed',"
            "   version = version + 1"
            "  WHERE tenant_id = %(tenant)s AND batch_id = %(batch)s AND status = 'live'"
            "  RETURNING 1)"
            " UPDATE call_batches SET live = live - n, completed = completed + n,"
            "  ended_by = jsonb_build_object('completed', completed + n), version = version + 1"
            " FROM (SELECT count(*) AS n FROM ended) AS e"
            " WHERE tenant_id = %(tenant)s AND id = %(batch)s",
            {"tenant": self._tenant_id, "batch": batch_id},
        )

    async def leave(self, batch_id: UUID) -> None:
        """Out of the registry and paused."""
        await self.end_round(batch_id)
        await self._conn.execute(
            "DELETE FROM running_batches WHERE tenant_id = %s AND batch_id = %s",
            (self._tenant_id, batch_id),
        )
        await self._conn.execute(
            "UPDATE call_batches SET status = 'paused', pause_reason = 'requested'"
            " WHERE tenant_id = %s AND id = %s",
            (self._tenant_id, batch_id),
        )

    async def undialled(self, batch_id: UUID) -> int:
        """The batch's items whose call was not placed (no provider id recorded on it)."""
        cursor = await self._conn.execute(
            "SELECT count(*) FROM call_batch_items i"
            " LEFT JOIN voice_calls c ON c.tenant_id = i.tenant_id AND c.id = i.last_call_id"
            " WHERE i.tenant_id = %s AND i.batch_id = %s"
            " AND (i.status <> 'completed' OR c.vapi_call_id IS NULL)",
            (self._tenant_id, batch_id),
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else -1


async def drive(plan: DispatchPlan, tick: Callable[[], Awaitable[int]]) -> DispatchRun:
    """Warm up on the small batch, then time the rounds that dispatch the whole one; `tick`
    runs one round and returns the dials it made. Between rounds the calls of the last one
    end (not timed)."""
    async with await psycopg.AsyncConnection.connect(plan.url, autocommit=True) as conn:
        registry = Registry(conn, plan.tenant_id)
        await registry.enter(plan.warmup_batch_id)
        while await tick():
            await registry.end_round(plan.warmup_batch_id)
        await registry.leave(plan.warmup_batch_id)

        await registry.enter(plan.batch_id)
        rounds: list[tuple[int, float]] = []
        while True:
            started = time.perf_counter()
            dialled = await tick()
            seconds = time.perf_counter() - started
            if not dialled:
                break
            rounds.append((dialled, seconds))
            await registry.end_round(plan.batch_id)
        errors = await registry.undialled(plan.batch_id)
        await registry.leave(plan.batch_id)
    return DispatchRun(tuple(rounds), errors)


# --- the product --------------------------------------------------------------------------------


class AnsweringProvider:
    """A telephony provider that answers every create at once: queued, with its id."""

    async def place_call(self, call: Any) -> Any:
        from application.ports.telephony import ProviderCall

        provider_id = f"bench-{call.call_id}"
        return ProviderCall(
            provider_call_id=provider_id,
            status="queued",
            data={"id": provider_id, "status": "queued", "type": "outboundPhoneCall"},
        )

    async def get_call(self, provider_call_id: str) -> Any:
        return None

    async def find_call(self, call_id: Any, from_number: Any, created_after: Any) -> Any:
        return None

    async def close(self) -> None:
        return None


def product_environment(plan: DispatchPlan) -> dict[str, str]:
    return {
        "DATABASE_URL": plan.url,
        "VOICE_AGENT_LOG_FORMAT": "json",
        "VOICE_AGENT_LOG_LEVEL": "info",
        "VOICE_AGENT_DB_POOL_SIZE": str(plan.pool_size),
        "VOICE_AGENT_PROVIDER_MAX_CONCURRENT_CALLS": str(plan.lines),
        "VOICE_AGENT_PROVIDER_TENANT_MAX_CONCURRENT_CALLS": str(plan.lines),
    }


async def run_product(plan: DispatchPlan) -> DispatchRun:
    from dependency_injector import providers

    from entrypoints.cli import application_login, build_container, settle_heap
    from entrypoints.container import dispose
    from entrypoints.logs import configure_logging
    from entrypoints.settings import Settings

    settings = Settings.from_env(product_environment(plan))
    configure_logging(settings.log_level, settings.log_format)
    container = build_container(settings, application_login(settings, plan.url))
    container.telephony.override(providers.Singleton(AnsweringProvider))
    dispatcher = container.batch_dispatcher()
    await settle_heap()  # as the worker does once started

    async def tick() -> int:
        return (await dispatcher.tick()).dialled

    try:
        return await drive(plan, tick)
    finally:
        await dispose(container)


# --- the raw loop -------------------------------------------------------------------------------

_RUNNING = "SELECT batch_id, tenant_id FROM running_batches ORDER BY tenant_id, batch_id"
_LOCK = "SELECT pg_advisory_xact_lock(%s)"
_HELD_BY = "SELECT count(*) FROM live_calls WHERE on_line AND tenant_id = %s"
_HELD = "SELECT count(*) FROM live_calls WHERE on_line"
_TENANT = "SELECT * FROM tenants WHERE id = %s"
_BATCH_FOR_UPDATE = "SELECT * FROM call_batches WHERE tenant_id = %s AND id = %s FOR UPDATE"
_DUE = (
    "tenant_id = %(tenant)s AND batch_id = %(batch)s AND status = 'pending'"
    " AND %(now)s >= coalesce(next_attempt_at, '-infinity'::timestamptz)"
)
_COUNT_DUE = f"SELECT count(*) FROM (SELECT id FROM call_batch_items WHERE {_DUE} LIMIT %(n)s) d"
_CLAIM = (
    "SELECT i.*, l.id AS lead, l.phone, l.name AS lead_name, l.timezone, l.do_not_call"
    " FROM call_batch_items i LEFT JOIN leads l ON l.tenant_id = i.tenant_id AND l.id = i.lead_id"
    " WHERE i.tenant_id = %(tenant)s AND i.batch_id = %(batch)s AND i.status = 'pending'"
    " AND %(now)s >= coalesce(i.next_attempt_at, '-infinity'::timestamptz)"
    " ORDER BY coalesce(i.next_attempt_at, '-infinity'::timestamptz), i.id LIMIT %(n)s"
    " FOR UPDATE OF i SKIP LOCKED"
)
_AGENT = "SELECT * FROM voice_agents WHERE tenant_id = %s AND id = %s"
_NUMBER = "SELECT * FROM phone_numbers WHERE tenant_id = %s AND id = %s"
_VOICE = "SELECT * FROM voices WHERE tenant_id = %s AND id = %s"
_INSERT_CALL = (
    "INSERT INTO voice_calls (id, tenant_id, agent_id, lead_id, voice_id, from_number_id,"
    " to_number, direction, status, vapi_data, batch_id, metadata, version, created_at,"
    " updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, 'outbound', 'queued', '{}', %s, %s, 0,"
    " %s, %s)"
)
_HOLD = (
    "INSERT INTO live_calls (call_id, tenant_id, on_line, check_at) VALUES (%s, %s, true, %s)"
    " ON CONFLICT (call_id) DO NOTHING"
)
_ITEM_DIALLING = (
    "UPDATE call_batch_items SET status = 'dialling', attempts = attempts + 1,"
    " next_attempt_at = NULL, last_call_id = %s, updated_at = %s, version = version + 1"
    " WHERE id = %s AND version = %s AND tenant_id = %s"
)
_BATCH_COUNTS = (
    "UPDATE call_batches SET pending = %s, dialling = %s, live = %s, updated_at = %s,"
    " version = version + 1 WHERE id = %s AND version = %s AND tenant_id = %s"
)
_CALLS_FOR_UPDATE = (
    "SELECT * FROM voice_calls WHERE tenant_id = %s AND id = ANY(%s) ORDER BY id FOR UPDATE"
)
_CALL_PLACED = (
    "UPDATE voice_calls SET vapi_call_id = %s, vapi_data = %s, updated_at = %s,"
    " version = version + 1 WHERE id = %s AND version = %s AND tenant_id = %s"
)
_ITEMS_OF_CALLS = (
    "SELECT * FROM call_batch_items WHERE tenant_id = %s AND last_call_id = ANY(%s)"
    " ORDER BY id FOR UPDATE"
)
_ITEM_LIVE = (
    "UPDATE call_batch_items SET status = 'live', updated_at = %s, version = version + 1"
    " WHERE id = %s AND version = %s AND tenant_id = %s"
)
_BATCH_LIVE = (
    "UPDATE call_batches SET dialling = %s, live = %s, updated_at = %s, version = version + 1"
    " WHERE id = %s AND version = %s AND tenant_id = %s"
)


async def _one(conn: Any, statement: str, parameters: Any = None) -> dict[str, Any]:
    row = await (await conn.execute(statement, parameters)).fetchone()
    if row is None:
        raise RuntimeError(f"no row: {statement}")
    return dict(row)


async def run_raw(plan: DispatchPlan) -> DispatchRun:
    """A dispatcher written straight on psycopg: per round the statements the product sends
    (less its security context: it logs in as the owner, as bench/raw_server.py does), the
    claim's and the answers' writes as executemany as the product sends them, over a pool of
    the product's size."""
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    from bench.seed import new_id

    pool: Any = AsyncConnectionPool(
        plan.url,
        min_size=plan.pool_size,
        max_size=2 * plan.pool_size,
        kwargs={"row_factory": dict_row},
        open=False,
    )
    await pool.open(wait=True)

    async def claim() -> list[dict[str, Any]]:
        async with pool.connection() as conn:
            running = await (await conn.execute(_RUNNING)).fetchall()
            await conn.rollback()
        if not running:
            return []
        dials: list[dict[str, Any]] = []
        async with pool.connection() as conn:
            await conn.execute(_LOCK, (PLACEMENT_LOCK,))
            now = datetime.now(UTC)
            for entry in running:
                batch_id, tenant_id = entry["batch_id"], entry["tenant_id"]
                held = (await _one(conn, _HELD_BY, (tenant_id,)))["count"]
                in_use = (await _one(conn, _HELD))["count"]
                await _one(conn, _TENANT, (tenant_id,))
                batch = await _one(conn, _BATCH_FOR_UPDATE, (tenant_id, batch_id))
                room = batch["concurrency"] - batch["dialling"] - batch["live"]
                due = {"tenant": tenant_id, "batch": batch_id, "now": now}
                counted = (await _one(conn, _COUNT_DUE, {**due, "n": room}))["count"]
                wanted = min(room, counted, plan.lines - held, plan.lines - in_use)
                if wanted <= 0:
                    continue
                agent = await _one(conn, _AGENT, (tenant_id, batch["agent_id"]))
                await _one(conn, _NUMBER, (tenant_id, batch["from_number_id"]))
                await _one(conn, _VOICE, (tenant_id, agent["voice_id"]))
                items = await (await conn.execute(_CLAIM, {**due, "n": wanted})).fetchall()
                calls, holds, claims = [], [], []
                for item in items:
                    if item["do_not_call"]:
                        raise RuntimeError("the bench's leads may all be called")
                    call_id = new_id()
                    metadata = {"batch_item_id": str(item["id"]), "attempt": item["attempts"] + 1}
                    calls.append(
                        (
                            call_id,
                            tenant_id,
                            batch["agent_id"],
                            item["lead_id"],
                            agent["voice_id"],
                            batch["from_number_id"],
                            item["phone"],
                            batch_id,
                            Jsonb(metadata),
                            now,
                            now,
                        )
                    )
                    holds.append((call_id, tenant_id, now + RECONCILE_AFTER))
                    claims.append((call_id, now, item["id"], item["version"], tenant_id))
                    dials.append({"call": call_id, "tenant": tenant_id})
                # As the product writes a round's claims: each statement for all its leads
                # in one flight (executemany, pipelined).
                async with conn.cursor() as cursor:
                    await cursor.executemany(_INSERT_CALL, calls)
                    await cursor.executemany(_HOLD, holds)
                    await cursor.executemany(_ITEM_DIALLING, claims)
                    if cursor.rowcount != len(claims):
                        raise RuntimeError("an item claimed was changed meanwhile")
                await conn.execute(
                    _BATCH_COUNTS,
                    (
                        batch["pending"] - len(items),
                        batch["dialling"] + len(items),
                        batch["live"],
                        now,
                        batch_id,
                        batch["version"],
                        tenant_id,
                    ),
                )
            await conn.commit()
        return dials

    async def record(dials: list[dict[str, Any]]) -> None:
        """The round's answers (all in at once, as the provider answers at once) recorded in
        one transaction, as the product records the answers in by then."""
        if not dials:
            return
        tenant_id = dials[0]["tenant"]
        async with pool.connection() as conn:
            now = datetime.now(UTC)
            ids = [dial["call"] for dial in dials]
            calls = await (await conn.execute(_CALLS_FOR_UPDATE, (tenant_id, ids))).fetchall()
            placed = []
            for call in calls:
                provider_id = f"bench-{call['id']}"  # the provider's answer
                record = {"id": provider_id, "status": "queued", "type": "outboundPhoneCall"}
                placed.append(
                    (provider_id, Jsonb(record), now, call["id"], call["version"], tenant_id)
                )
            items = await (await conn.execute(_ITEMS_OF_CALLS, (tenant_id, ids))).fetchall()
            batch = await _one(conn, _BATCH_FOR_UPDATE, (tenant_id, items[0]["batch_id"]))
            async with conn.cursor() as cursor:
                await cursor.executemany(_CALL_PLACED, placed)
                await cursor.executemany(
                    _ITEM_LIVE, [(now, i["id"], i["version"], tenant_id) for i in items]
                )
            await conn.execute(
                _BATCH_LIVE,
                (
                    batch["dialling"] - len(items),
                    batch["live"] + len(items),
                    now,
                    batch["id"],
                    batch["version"],
                    tenant_id,
                ),
            )
            await conn.commit()

    async def tick() -> int:
        dials = await claim()
        await record(dials)
        return len(dials)

    try:
        return await drive(plan, tick)
    finally:
        await pool.close()


# --- the harness ---------------------------------------------------------------------------------


def run_side(side: str, plan: DispatchPlan, work: Path, *, timeout: float = 1800) -> DispatchRun:
    """One side's round in a process of its own on the server core; its output goes to
    logs/batch-<side>.log in `work`."""
    from bench.pinning import SERVER_CORE, pinned
    from bench.processes import clean_environment

    result = work / f"batch-{side}.json"
    result.unlink(missing_ok=True)
    log = work / "logs" / f"batch-{side}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "bench.batch_dispatch",
        side,
        "--plan",
        plan.to_json(),
        "--result",
        str(result),
    ]
    with log.open("ab") as out:
        done = subprocess.run(
            pinned(SERVER_CORE, command),
            cwd=ROOT,
            env=clean_environment({}),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
        )
    if done.returncode != 0 or not result.exists():
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"batch dispatch, {side} side, exited with {done.returncode}:\n{tail}")
    return DispatchRun.from_json(result.read_text())


# --- a side's process ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.batch_dispatch")
    parser.add_argument("side", choices=("product", "raw"))
    parser.add_argument("--plan", required=True, help="the DispatchPlan, as JSON")
    parser.add_argument("--result", required=True, type=Path, help="where the run goes (JSON)")
    args = parser.parse_args(argv)
    plan = DispatchPlan.from_json(args.plan)
    run = run_product if args.side == "product" else run_raw
    result = asyncio.run(run(plan))
    args.result.write_text(result.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A batch run by real processes: `serve` (the API and Vapi's Server URL, no worker of its
own), `voice-agent worker`s, and Vapi's fake on loopback whose calls end by themselves
(tests.fakes.vapi_line), all on one PostgreSQL of the fault suite; and what the database
holds of the batch, read directly.

The batch is made as a customer makes it, over HTTP: a tenant on the enterprise plan, an
agent with a voice and a number, a lead per number, a batch of them all with a calling
window open for hours around now, started.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import attrs
import psycopg

from tests.faults.harness import Service
from tests.support import twilio_body

T = TypeVar("T")

SERVER_URL_SECRET = "server-url-secret"
SERVE_KEY = "vapi-key-of-serve"
GONE_AT_PROVIDER = "provider-has-no-record"
# Calls are placed, settled and reported on at once in these tests: the reconciler looks at a
# call a second after it was placed, and a report is waited for a second.
QUICK_RECONCILER = {
    "VOICE_AGENT_RECONCILE_AFTER_SECONDS": "1",
    "VOICE_AGENT_RECONCILE_RECHECK_SECONDS": "1",
    "VOICE_AGENT_REPORT_GRACE_SECONDS": "1",
}
STATES = ("pending", "dialling", "live", "completed", "failed", "skipped", "cancelled")


def environment(database_url: str, vapi_url: str, **more: str) -> dict[str, str]:
    """What every process of the test shares: the database, Vapi, the Server URL's secret,
    and a line pool large enough that only the batch's own concurrency holds it back."""
    return {
        "DATABASE_URL": database_url,
        "VOICE_AGENT_VAPI_BASE_URL": vapi_url,
        "VOICE_AGENT_VAPI_WEBHOOK_SECRET": SERVER_URL_SECRET,
        "VOICE_AGENT_PROVIDER_MAX_CONCURRENT_CALLS": "50",
        "VOICE_AGENT_PROVIDER_TENANT_MAX_CONCURRENT_CALLS": "50",
        **more,
    }


def serve_api(
    env: Mapping[str, str], port: int, log_dir: Path, services: list[Service]
) -> tuple[Service, str]:
    """`serve` without a worker (the workers under test do all the dialling), and a platform
    admin's token."""
    env = {**env, "VOICE_AGENT_VAPI_API_KEY": SERVE_KEY, "VOICE_AGENT_WORKER": "false"}
    token = Service.platform_admin_token(env=env, log_path=log_dir / "admin.log")
    serve = Service.start(["serve", "--port", str(port)], env=env, log_path=log_dir / "serve.log")
    services.append(serve)
    return serve, token


def start_worker(
    env: Mapping[str, str], key: str, log_path: Path, services: list[Service]
) -> Service:
    """A `voice-agent worker` dialling with its own Vapi key (so the fake tells its calls
    from the others'); returned as soon as it runs, before it is ready."""
    worker = Service.start(
        ["worker"],
        env={**env, "VOICE_AGENT_VAPI_API_KEY": key},
        log_path=log_path,
        ready_path=None,
    )
    services.append(worker)
    return worker


@attrs.frozen
class Campaign:
    """A started batch of one lead per number."""

    batch_id: str
    numbers: tuple[str, ...]

    @classmethod
    def start(
        cls,
        serve: Service,
        token: str,
        *,
        leads: int,
        concurrency: int,
        max_attempts: int,
    ) -> Campaign:
        def post(path: str, body: dict[str, Any] | None = None, status: int = 201) -> Any:
            answer, _, made = serve.http("POST", path, body, token=token)
            assert answer == status, (path, made)
            return made

        tenant = post("/v1/tenants", {"name": "Acme"})["id"]
        status, _, plans = serve.http("GET", "/v1/plans", token=token)
        assert status == 200, plans
        [enterprise] = [p["id"] for p in plans["items"] if p["name"] == "enterprise"]
        path = f"/v1/tenants/{tenant}"
        status, _, moved = serve.http("PUT", f"{path}/plan", {"plan_id": enterprise}, token=token)
        assert status == 200, moved
        voice = post(
            f"{path}/voices", {"name": "Ava", "provider": "11labs", "provider_voice_id": "ava"}
        )
        number = post(
            f"{path}/phone-numbers",
            twilio_body("+12125550100"),
        )
        agent = post(
            f"{path}/agents",
            {
                "name": "Sam",
                "voice_id": voice["id"],
                "default_number_id": number["id"],
                "first_message": "Hello, this is Acme.",
            },
        )
        # 555-0100 to 555-0199: numbers kept for fiction, each a valid one.
        numbers = tuple(f"+1415555{100 + n:04d}" for n in range(leads))
        lead_ids = [
            post(f"{path}/leads", {"phone": phone, "name": f"Lead {n}", "timezone": "UTC"})["id"]
            for n, phone in enumerate(numbers)
        ]
        batch = post(
            f"{path}/batches",
            {
                "name": "Spring renewals",
                "agent_id": agent["id"],
                "calling_window": _open_for_hours(),
                "leads": {"ids": lead_ids},
                "concurrency": concurrency,
                "max_attempts": max_attempts,
            },
        )
        assert batch["preflight"]["callable_now"] == leads, batch["preflight"]
        started = post(f"{path}/batches/{batch['id']}/start", status=200)
        assert started["status"] == "running", started
        return cls(batch["id"], numbers)


def _open_for_hours() -> dict[str, Any]:
    """A calling window (in UTC, the leads' zone) that opened within the last two hours and
    closes 23 hours after it opened, every day: no lead waits for its hours. (A window is never
    open all day: it may not start and end at the same time.)"""
    opened = datetime.now(UTC) - timedelta(hours=1)
    return {
        "days": [1, 2, 3, 4, 5, 6, 7],
        "start": f"{opened:%H}:00",
        "end": f"{opened - timedelta(hours=1):%H}:00",
    }


@attrs.frozen
class Item:
    number: str
    status: str
    attempts: int
    last_outcome: str | None
    call_status: str | None
    ended_reason: str | None


@attrs.frozen
class BatchRows:
    """The batch as the database holds it."""

    status: str
    counts: dict[str, int]
    """The batch's own progress counts, by item state."""
    recount: dict[str, int]
    """call_batch_items counted by status."""
    items: dict[str, Item]
    """By the lead's number."""
    calls: Counter[str]
    """The batch's calls by the number they dial."""

    @classmethod
    def read(cls, database_url: str, batch_id: str) -> BatchRows:
        """Read as the superuser, past row-level security."""
        with psycopg.connect(database_url, connect_timeout=10) as conn:
            row = conn.execute(
                f"SELECT status, {', '.join(STATES)} FROM call_batches WHERE id = %s",
                (batch_id,),
            ).fetchone()
            assert row is not None, f"no batch {batch_id}"
            recount = dict.fromkeys(STATES, 0)
            for status, count in conn.execute(
                "SELECT status, count(*) FROM call_batch_items WHERE batch_id = %s GROUP BY status",
                (batch_id,),
            ):
                recount[status] = count
            items = {
                number: Item(number, *rest)
                for number, *rest in conn.execute(
                    "SELECT l.phone, i.status, i.attempts, i.last_outcome, c.status,"
                    " c.ended_reason FROM call_batch_items i"
                    " JOIN leads l ON l.tenant_id = i.tenant_id AND l.id = i.lead_id"
                    " LEFT JOIN voice_calls c ON c.tenant_id = i.tenant_id"
                    " AND c.id = i.last_call_id WHERE i.batch_id = %s",
                    (batch_id,),
                )
            }
            calls: Counter[str] = Counter(
                dict(
                    conn.execute(
                        "SELECT to_number, count(*) FROM voice_calls WHERE batch_id = %s"
                        " GROUP BY to_number",
                        (batch_id,),
                    ).fetchall()
                )
            )
        return cls(row[0], dict(zip(STATES, row[1:], strict=True)), recount, items, calls)


class ClaimBrake:
    """Holds the commit of one claim of leads for a moment, so that a test can kill the
    worker while it waits for the answer to its COMMIT: the claim is committed, the worker
    never learns it and never dials. (A kill in the few milliseconds between a commit and the
    provider's create is the same to the rest of the system; this makes it certain.)

    A deferred trigger on the items sleeps, once, in the commit of the next transaction that
    claims a lead (pending to dialling) after `arm()`; it is installed by the superuser and
    left armed by nothing else."""

    SECONDS = 2.0

    def __init__(self, database_url: str) -> None:
        self._url = database_url

    def install(self) -> None:
        with psycopg.connect(self._url, connect_timeout=10) as conn:
            conn.execute("CREATE TABLE fault_claim_brake (armed boolean NOT NULL)")
            conn.execute("INSERT INTO fault_claim_brake VALUES (false)")
            conn.execute(
                "CREATE FUNCTION fault_claim_brake() RETURNS trigger LANGUAGE plpgsql"
                " SECURITY DEFINER SET search_path = public AS $$ BEGIN"
                " IF current_setting('fault.braked', true) IS DISTINCT FROM 'yes'"
                " AND (SELECT armed FROM fault_claim_brake) THEN"
                " PERFORM set_config('fault.braked', 'yes', true);"
                " UPDATE fault_claim_brake SET armed = false;"
                f" PERFORM pg_sleep({self.SECONDS});"
                " END IF; RETURN NULL; END $$"
            )
            conn.execute(
                "CREATE CONSTRAINT TRIGGER fault_claim_brake AFTER UPDATE ON call_batch_items"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                " WHEN (OLD.status = 'pending' AND NEW.status = 'dialling')"
                " EXECUTE FUNCTION fault_claim_brake()"
            )

    def arm(self) -> None:
        with psycopg.connect(self._url, connect_timeout=10) as conn:
            conn.execute("UPDATE fault_claim_brake SET armed = true")

    def _braking(self) -> bool:
        with psycopg.connect(self._url, connect_timeout=10) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'"
            ).fetchone()
        return bool(row and row[0])

    def wait_until_braking(self, timeout: float) -> None:
        """Until a claim's commit is held."""
        wait_until(self._braking, bool, timeout, "a claim held in its commit")

    def wait_until_released(self, timeout: float) -> None:
        wait_until(self._braking, lambda braking: not braking, timeout, "the claim committed")


def wait_until(read: Callable[[], T], done: Callable[[T], bool], timeout: float, what: str) -> T:
    """`read()` again until `done` holds of what it read; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        seen = read()
        if done(seen):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s; last seen: {seen}")
        time.sleep(0.1)


def dialled_by_log(worker: Service) -> int:
    """How many leads the worker says it dialled (its dispatch runs' reports)."""
    return sum(
        int(line.get("dialled", 0))
        for line in worker.log_lines()
        if line.get("event") == "batches dispatched"
    )

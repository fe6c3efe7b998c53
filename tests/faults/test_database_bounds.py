"""Every wait for the database is bounded, on a real `serve` and a real PostgreSQL: a request
that runs into a bound gets a 503 problem+json with Retry-After within it — never a 500, never
a hang — whether the pool is taken by requests queued behind one tenant's lock or the server
stops answering altogether (frozen with SIGSTOP) while requests hold its connections.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import psycopg
import pytest

from tests.faults.harness import Cluster, Service, free_port

pytestmark = pytest.mark.faults

POOL_SECONDS = 1.0
LOCK_SECONDS = 1.0
STATEMENT_SECONDS = 2.0
GRACE_SECONDS = 1.0  # adapters.postgres.timeouts.ANSWER_GRACE_SECONDS: a statement's answer
CONNECT_SECONDS = 2  # psycopg waits at least 2 s for a new connection
# The machine is shared with other tests: a bound is kept when the answer comes within this
# much after it.
SLACK = 2.0
ENV = {
    "VOICE_AGENT_WORKER": "false",
    "VOICE_AGENT_DB_POOL_SIZE": "2",  # four connections at most
    "VOICE_AGENT_DB_POOL_TIMEOUT_SECONDS": str(POOL_SECONDS),
    "VOICE_AGENT_DB_LOCK_TIMEOUT_SECONDS": str(LOCK_SECONDS),
    "VOICE_AGENT_DB_STATEMENT_TIMEOUT_SECONDS": str(STATEMENT_SECONDS),
    "VOICE_AGENT_DB_CONNECT_TIMEOUT": str(CONNECT_SECONDS),
}
# Longer than any request could have waited before these bounds (SQLAlchemy's 30 s pool wait).
HTTP_TIMEOUT = 35.0


@attrs.frozen
class Answer:
    what: str
    started: float
    elapsed: float
    status: int | None
    """None: no answer within HTTP_TIMEOUT."""
    headers: Mapping[str, str]
    body: Any

    def is_unavailable_problem(self) -> bool:
        """A 503 problem+json with Retry-After and a detail saying what happened."""
        return (
            self.status == 503
            and self.headers.get("Content-Type", "").startswith("application/problem+json")
            and int(self.headers.get("Retry-After", "0")) > 0
            and isinstance(self.body, dict)
            and bool(self.body.get("detail"))
        )


def ask(service: Service, what: str, method: str, path: str, token: str, **kw: Any) -> Answer:
    started = time.monotonic()
    try:
        status, headers, body = service.http(method, path, token=token, timeout=HTTP_TIMEOUT, **kw)
    except OSError as error:  # a timeout, or the connection dropped
        status, headers, body = None, {}, repr(error)
    return Answer(what, started, time.monotonic() - started, status, headers, body)


@pytest.fixture
def serving(cluster: Cluster, tmp_path: Path, services: list[Service]) -> tuple[Service, str, str]:
    """`serve` on the cluster with short bounds, a platform admin's token, the database URL."""
    url = cluster.create_database("bounds")
    env = {"DATABASE_URL": url, **ENV}
    log_path = tmp_path / "serve.log"
    token = Service.platform_admin_token(env=env, log_path=log_path)
    service = Service.start(["serve", "--port", str(free_port())], env=env, log_path=log_path)
    services.append(service)
    return service, token, url


def new_tenant(service: Service, token: str, name: str) -> str:
    status, _, created = service.http("POST", "/v1/tenants", {"name": name}, token=token)
    assert status == 201, created
    return str(created["id"])


@contextmanager
def tenant_row_held(url: str, tenant_id: str) -> Iterator[None]:
    """Another session holds the tenant's row, as a long import does."""
    with psycopg.connect(url, connect_timeout=10) as holder:
        holder.execute("SELECT 1 FROM tenants WHERE id = %s FOR UPDATE", (tenant_id,))
        yield
        holder.rollback()


def test_requests_queued_behind_a_tenants_lock_leave_other_tenants_a_bounded_answer(
    serving: tuple[Service, str, str],
) -> None:
    service, token, url = serving
    held = new_tenant(service, token, "Held")
    other = new_tenant(service, token, "Other")

    def rename(n: int) -> Answer:
        return ask(service, "held", "PATCH", f"/v1/tenants/{held}", token, body={"name": f"R{n}"})

    def elsewhere(_: int) -> Answer:
        return ask(service, "other", "GET", f"/v1/tenants/{other}", token)

    with tenant_row_held(url, held), ThreadPoolExecutor(40) as pool:
        queued = [pool.submit(rename, n) for n in range(25)]
        time.sleep(0.5)  # the queue takes every connection of the pool
        others = [pool.submit(elsewhere, n) for n in range(10)]
        answers = [f.result(timeout=HTTP_TIMEOUT + 5) for f in [*queued, *others]]

    for answer in answers:
        assert answer.status == 200 or answer.is_unavailable_problem(), answer
    # Two units of work per request (who is asking, then the work): each waits at most the
    # pool's bound for a connection, and the held tenant's also the lock's.
    for answer in answers:
        bound = 2 * POOL_SECONDS + (LOCK_SECONDS if answer.what == "held" else 0)
        assert answer.elapsed < bound + SLACK, answer
    assert any(a.is_unavailable_problem() for a in answers if a.what == "held")
    details = {a.body["detail"] for a in answers if a.status == 503}
    assert any("lock timeout" in d or "connection" in d for d in details), details

    # With the lock gone, both tenants are served again.
    assert rename(99).status == 200
    assert elsewhere(0).status == 200


def test_requests_holding_connections_to_a_frozen_server_get_503_within_the_bound(
    cluster: Cluster, serving: tuple[Service, str, str]
) -> None:
    service, token, _ = serving
    tenant = new_tenant(service, token, "Acme")
    answers: list[Answer] = []
    stop = threading.Event()

    def traffic(n: int) -> None:
        while not stop.is_set():
            path = "/v1/me" if n % 2 else f"/v1/tenants/{tenant}"
            answers.append(ask(service, "traffic", "GET", path, token))

    # A statement waits at most its bound and the grace for an answer, after waiting at most
    # the pool's bound for a connection (or a new connection, its connect timeout).
    bound = POOL_SECONDS + max(STATEMENT_SECONDS + GRACE_SECONDS, CONNECT_SECONDS)
    with ThreadPoolExecutor(12) as pool:
        running = [pool.submit(traffic, n) for n in range(12)]
        time.sleep(1.0)
        cluster.freeze()
        # Once every process of the server is stopped: stopping them one by one takes a
        # moment, more with the workers' connections, and a backend not stopped yet answers.
        frozen_at = time.monotonic()
        try:
            time.sleep(bound + 3)
        finally:
            cluster.thaw()
        thawed_at = time.monotonic()
        recovered = wait_for(
            lambda: any(a.status == 200 and a.started > thawed_at for a in list(answers)),
            timeout=10,
        )
        time.sleep(1.0)
        stop.set()
        for future in running:
            future.result(timeout=HTTP_TIMEOUT + 5)

    assert recovered, "no request succeeded after the server came back"
    for answer in answers:
        assert answer.status == 200 or answer.is_unavailable_problem(), answer
        assert answer.elapsed < bound + SLACK, answer
    during = [a for a in answers if frozen_at < a.started and a.started + a.elapsed < thawed_at]
    assert during
    assert all(a.status == 503 for a in during), during
    # Requests in flight when the server froze, holding its connections, were cut loose at the
    # answer's bound (the others in flight waited for the pool, and were told so): a 503 when
    # a statement or the commit went unanswered, or their answer when only the end of a
    # transaction that had read all it needed did (its rollback is not waited for longer).
    caught = [a for a in answers if a.started < frozen_at < a.started + a.elapsed]
    holding = [a for a in caught if a.elapsed >= STATEMENT_SECONDS]
    assert holding, caught
    for answer in holding:
        assert answer.status == 200 or (
            answer.is_unavailable_problem()
            and (
                "did not answer" in answer.body["detail"]
                or "did not confirm the commit" in answer.body["detail"]
            )
        ), answer
    last = sorted(answers, key=lambda a: a.started)[-12:]
    assert all(a.status == 200 for a in last), last


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()

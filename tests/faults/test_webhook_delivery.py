"""Tenant webhooks with real processes: `serve` (its worker inside) on the sandbox, and a
receiver on loopback that the test turns up, down, or holds mid-request.

A receiver gets a call's events signed and in order; one that was down gets them after the
retry, once each by id; a `serve` killed while a request is out loses no event (it is sent
again, with its id, after the lease); a refused change sends nothing; a receiver answering
500 is retried with backoff and then disabled, and the audit log says so.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest
from standardwebhooks.webhooks import Webhook

from tests.faults.harness import Cluster, Service, free_port
from tests.faults.test_sandbox_restart import Desk

pytestmark = pytest.mark.faults

CALL_EVENTS = ["call.queued", "call.started", "call.ended", "call.analyzed", "call.failed"]
ENV = {
    "VOICE_AGENT_SANDBOX_RING_SECONDS": "0",
    "VOICE_AGENT_SANDBOX_TALK_SECONDS": "0.5",
    "VOICE_AGENT_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
    "VOICE_AGENT_WEBHOOKS_TIMEOUT_SECONDS": "1",  # a lease of 7 s; the kill comes well within 1 s
    "VOICE_AGENT_WEBHOOKS_RETRY_DELAYS": "1,1,1,1,1,1,1,1,1,1",
    "VOICE_AGENT_WEBHOOKS_DISABLE_AFTER_SECONDS": "3",
}
BOUND = 45.0


class Receiver:
    """An HTTP receiver: `mode` is "up" (204), "down" (503), "error" (500) or "hold" (the
    request gets no answer until the mode changes)."""

    def __init__(self) -> None:
        self.mode = "up"
        self.requests: list[tuple[dict[str, str], bytes, str]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                mode = receiver.mode
                with receiver.lock:
                    receiver.requests.append((headers, body, mode))
                while mode == "hold" and receiver.mode == "hold":
                    time.sleep(0.05)
                status = {"up": 204, "hold": 204, "down": 503, "error": 500}[mode]
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks"

    def received(self, secret: str, *, answered: bool = True) -> list[dict[str, Any]]:
        """The events, verified with the endpoint's secret (Standard Webhooks' own check);
        with `answered`, only those the receiver took (2xx)."""
        with self.lock:
            requests = list(self.requests)
        events = []
        for headers, body, mode in requests:
            if answered and mode not in ("up",):
                continue
            Webhook(secret).verify(body, headers)
            events.append(json.loads(body))
        return events

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    try:
        yield made
    finally:
        made.close()


def wait_for(
    what: str, done: Callable[[], bool], timeout: float = BOUND, why: Callable[[], Any] = str
) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {why()}"
        time.sleep(0.1)


def of_call(events: list[dict[str, Any]], call_id: str) -> list[str]:
    return [e["type"] for e in events if (e["data"].get("object") or {}).get("id") == call_id]


def undelivered(url: str, tenant_id: str, received: set[str]) -> list[tuple[Any, ...]]:
    """The tenant's events the receiver has not taken, with their deliveries' state."""
    with psycopg.connect(url, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT e.id::text, e.type, d.status, d.attempts, d.last_error"
            " FROM outbound_events e LEFT JOIN webhook_deliveries d ON d.event_id = e.id"
            " WHERE e.tenant_id = %s AND e.type = ANY(%s)",
            (tenant_id, CALL_EVENTS),
        ).fetchall()
    return [r for r in rows if r[0] not in received]


def delivery_of(url: str, event_id: str) -> tuple[str, int]:
    """The status and number of attempts of the one delivery of an event."""
    with psycopg.connect(url, connect_timeout=10) as conn:
        [(status, attempts)] = conn.execute(
            "SELECT status, attempts FROM webhook_deliveries WHERE event_id = %s", (event_id,)
        ).fetchall()
    return str(status), int(attempts)


def stored_events(url: str, tenant_id: str) -> set[str]:
    """The ids of the tenant's events of the types the endpoint wants."""
    with psycopg.connect(url, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT id FROM outbound_events WHERE tenant_id = %s AND type = ANY(%s)",
            (tenant_id, CALL_EVENTS),
        ).fetchall()
    return {str(r[0]) for r in rows}


class Hooks:
    """The desk's tenant with webhooks allowed and one endpoint at the receiver."""

    def __init__(self, service: Service, admin: str, desk: Desk, url: str) -> None:
        self.desk = desk
        self.tenant_path = desk.path
        for key, value in (("webhooks", True), ("webhooks.endpoints.max", 2)):
            status, _, reply = service.http(
                "PUT", f"{desk.path}/features/{key}", {"value": value}, token=admin
            )
            assert status == 200, reply
        body = {"url": url, "event_types": CALL_EVENTS}
        status, _, made = service.http(
            "POST", f"{desk.path}/webhook-endpoints", body, token=desk.token
        )
        assert status == 201, made
        self.endpoint = made
        self.secret = made["secret"]

    def endpoint_now(self, service: Service) -> dict[str, Any]:
        path = f"{self.tenant_path}/webhook-endpoints/{self.endpoint['id']}"
        status, _, endpoint = service.http("GET", path, token=self.desk.token)
        assert status == 200, endpoint
        return dict(endpoint)


def test_events_reach_a_receiver_through_downtime_a_killed_worker_and_until_it_is_disabled(
    cluster: Cluster, tmp_path: Path, services: list[Service], receiver: Receiver
) -> None:
    url = cluster.create_database("webhook_delivery")
    env = {"DATABASE_URL": url, **ENV}
    log_path = tmp_path / "serve.log"
    admin = Service.platform_admin_token(env=env, log_path=log_path)

    def serve() -> Service:
        service = Service.start(["serve", "--port", str(free_port())], env=env, log_path=log_path)
        services.append(service)
        return service

    first = serve()
    desk = Desk(first, admin)
    hooks = Hooks(first, admin, desk, receiver.url)
    tenant_id = desk.path.rsplit("/", 1)[1]

    # 1. A call's four steps, signed, in order. A second call while it holds the tenant's
    # one line is refused: its transaction rolls back, and nothing is sent of it.
    status, call = desk.place(first)
    assert status == 201, call
    status, refused = desk.place(first)
    assert (status, refused.get("feature")) == (403, "calls.concurrent.max"), refused
    steps = ["call.queued", "call.started", "call.ended", "call.analyzed"]
    wait_for(
        "the first call's events",
        lambda: of_call(receiver.received(hooks.secret), call["id"]) == steps,
    )
    wait_for("the call to end", lambda: desk.call(first, call["id"])["status"] == "ended")

    # 2. The receiver is down when the next call is placed: its first event is refused, the
    # others wait behind it, and all come after the retry, once each. (Up again at once:
    # failing longer than the bound would disable the endpoint, which step 4 shows.)
    receiver.mode = "down"
    before = len(receiver.requests)
    status, second = desk.place(first)
    assert status == 201, second
    wait_for("an attempt refused", lambda: len(receiver.requests) > before)
    receiver.mode = "up"
    refused_id = receiver.requests[before][0]["webhook-id"]
    wait_for(
        "the second call's events after the retry",
        lambda: of_call(receiver.received(hooks.secret), second["id"]) == steps,
    )
    wait_for("the refused event recorded", lambda: delivery_of(url, refused_id)[0] == "delivered")
    assert delivery_of(url, refused_id)[1] == 2  # refused once, then delivered
    taken = receiver.received(hooks.secret)
    assert len({e["id"] for e in taken}) == len(taken)  # once each by id

    # 3. `serve` killed while a request is out: the event is sent again after the lease.
    receiver.mode = "hold"
    status, third = desk.place(first)
    assert status == 201, third
    wait_for("a request held", lambda: receiver.requests[-1][2] == "hold")
    held_id = receiver.requests[-1][0]["webhook-id"]
    first.kill()
    receiver.mode = "up"
    second_serve = serve()
    wait_for(
        "the held event sent again",
        lambda: held_id in {e["id"] for e in receiver.received(hooks.secret)},
    )
    wait_for(
        "the held event's delivery recorded", lambda: delivery_of(url, held_id)[0] == "delivered"
    )
    assert delivery_of(url, held_id)[1] == 1  # the killed serve recorded nothing: the lease
    # Nothing recorded is lost: every event of the tenant reaches the receiver.
    wait_for(
        "every recorded event",
        lambda: stored_events(url, tenant_id) <= {e["id"] for e in receiver.received(hooks.secret)},
        why=lambda: undelivered(url, tenant_id, {e["id"] for e in receiver.received(hooks.secret)}),
    )
    received_calls = {
        (e["data"].get("object") or {}).get("id") for e in receiver.received(hooks.secret)
    }
    assert received_calls == {call["id"], second["id"], third["id"]}

    # 4. A receiver answering 500 is retried with backoff, then disabled (and audited).
    receiver.mode = "error"
    before = len(receiver.requests)
    status, fourth = desk.place(second_serve)
    assert status == 201, fourth
    wait_for("the endpoint disabled", lambda: not hooks.endpoint_now(second_serve)["enabled"])
    endpoint = hooks.endpoint_now(second_serve)
    assert endpoint["disabled_reason"]
    failed = [h for h, _, mode in receiver.requests[before:] if mode == "error"]
    stamps = sorted(int(h["webhook-timestamp"]) for h in failed)
    assert stamps[-1] - stamps[0] >= 3  # failing at least the bound before being disabled
    status, _, log = second_serve.http("GET", f"{desk.path}/audit-log", token=desk.token)
    assert status == 200, log
    assert [e["entity_id"] for e in log["items"] if e["action"] == "endpoint.disabled"] == [
        hooks.endpoint["id"]
    ]
    quiet = len(receiver.requests)
    time.sleep(1.5)  # past a retry delay
    assert len(receiver.requests) == quiet  # nothing more is sent to a disabled endpoint

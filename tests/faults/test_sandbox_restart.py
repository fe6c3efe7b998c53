"""Sandbox calls in flight when `serve` stops end with it, instead of holding their tenant's
line until the reconciler gives up on them.

The sandbox plays its calls inside the serving process: once that process is gone, no message
about them will ever come. A killed `serve` leaves them to the next start; a stopped one ends
its own on the way out.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.faults.harness import Cluster, Service, free_port
from tests.support import twilio_body

pytestmark = pytest.mark.faults

INTERRUPTED = "sandbox-interrupted"
SETTLE_BOUND_SECONDS = 10
# Calls that would stay on the line for an hour if nothing ended them.
ENV = {"VOICE_AGENT_SANDBOX_RING_SECONDS": "0", "VOICE_AGENT_SANDBOX_TALK_SECONDS": "3600"}


class Desk:
    """A tenant on the free plan (one call at a time) with an agent, a number and a lead."""

    def __init__(self, service: Service, token: str) -> None:
        self.token = token
        status, _, tenant = service.http("POST", "/v1/tenants", {"name": "Acme"}, token=token)
        assert status == 201, tenant
        self.path = f"/v1/tenants/{tenant['tenant']['id'] if 'tenant' in tenant else tenant['id']}"
        voice = self._post(
            service,
            "voices",
            {"name": "Ava", "provider": "11labs", "provider_voice_id": "ava"},
        )
        number = self._post(service, "phone-numbers", twilio_body("+12125550100"))
        agent = {
            "name": "Sam",
            "voice_id": voice["id"],
            "default_number_id": number["id"],
            "first_message": "Hello, this is Acme.",
        }
        self.agent_id = self._post(service, "agents", agent)["id"]
        self.lead_id = self._post(service, "leads", {"phone": "+14155550123", "name": "Ada"})["id"]

    def _post(self, service: Service, what: str, body: dict[str, Any]) -> dict[str, Any]:
        status, _, created = service.http("POST", f"{self.path}/{what}", body, token=self.token)
        assert status == 201, created
        return dict(created)

    def place(self, service: Service) -> tuple[int, dict[str, Any]]:
        body = {"agent_id": self.agent_id, "lead_id": self.lead_id}
        status, _, reply = service.http("POST", f"{self.path}/calls", body, token=self.token)
        return status, reply

    def call(self, service: Service, call_id: str) -> dict[str, Any]:
        status, _, detail = service.http("GET", f"{self.path}/calls/{call_id}", token=self.token)
        assert status == 200, detail
        return dict(detail)


def _stored(url: str, call_id: str) -> tuple[str, str | None, bool]:
    """The call's status and reason, and whether it is still registered as in flight, read
    directly (as the superuser) while no `serve` runs."""
    with psycopg.connect(url, connect_timeout=10) as conn:
        status, reason = conn.execute(
            "SELECT status, ended_reason FROM voice_calls WHERE id = %s", (call_id,)
        ).fetchone() or (None, None)
        live = conn.execute("SELECT 1 FROM live_calls WHERE call_id = %s", (call_id,)).fetchone()
    return status, reason, live is not None


def _wait_until_in_progress(desk: Desk, service: Service, call_id: str) -> None:
    deadline = time.monotonic() + SETTLE_BOUND_SECONDS
    while desk.call(service, call_id)["status"] != "in-progress":
        assert time.monotonic() < deadline, "the sandbox call never started"
        time.sleep(0.1)


def test_calls_in_flight_when_serve_stops_are_ended_and_free_their_line(
    cluster: Cluster, tmp_path: Path, services: list[Service]
) -> None:
    url = cluster.create_database("sandbox_restart")
    env = {"DATABASE_URL": url, **ENV}
    log_path = tmp_path / "serve.log"
    token = Service.platform_admin_token(env=env, log_path=log_path)

    def serve() -> Service:
        service = Service.start(["serve", "--port", str(free_port())], env=env, log_path=log_path)
        services.append(service)
        return service

    first = serve()
    desk = Desk(first, token)
    status, reply = desk.place(first)
    assert status == 201, reply
    killed_call = reply["id"]
    _wait_until_in_progress(desk, first, killed_call)
    status, refused = desk.place(first)
    assert (status, refused.get("feature")) == (403, "calls.concurrent.max"), refused

    # A crash: nothing ends the call on the way out.
    first.kill()
    assert _stored(url, killed_call) == ("in-progress", None, True)

    # The next start ends it, and the tenant's line is free at once.
    second = serve()
    ended = desk.call(second, killed_call)
    assert (ended["status"], ended["ended_reason"]) == ("ended", INTERRUPTED), ended
    assert "stopped" in ended["error"]
    status, reply = desk.place(second)
    assert status == 201, reply
    stopped_call = reply["id"]
    _wait_until_in_progress(desk, second, stopped_call)

    # A clean stop ends the calls it was carrying itself.
    assert second.stop() == 0
    assert _stored(url, stopped_call) == ("ended", INTERRUPTED, False)

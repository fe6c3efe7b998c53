"""A long call's end-of-call report — megabytes, sent once by Vapi — posted to a real `serve`
is stored and applied: its transcript and cost reach the call, none of it is refused as too
large for an ordinary request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.fakes.vapi_messages import T0, VapiCall
from tests.faults.harness import Cluster, Service, free_port
from tests.support import twilio_body

pytestmark = pytest.mark.faults

SECRET = "vapi-server-url-secret"
TURNS = 2_600  # 5,201 messages: 5.4 MB, as Vapi reports a long call
LATER = T0.replace(year=T0.year + 5)  # after the call was placed: news to it
ENV = {
    "VOICE_AGENT_WORKER": "false",
    "VOICE_AGENT_VAPI_WEBHOOK_SECRET": SECRET,
    # The sandbox keeps the call on the line until the report ends it.
    "VOICE_AGENT_SANDBOX_RING_SECONDS": "0",
    "VOICE_AGENT_SANDBOX_TALK_SECONDS": "3600",
}


def created(service: Service, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, _, made = service.http("POST", path, body, token=token)
    assert status == 201, made
    return dict(made)


def test_a_report_of_megabytes_is_stored_and_applied_by_serve(
    cluster: Cluster, tmp_path: Path, services: list[Service]
) -> None:
    url = cluster.create_database("large_webhook")
    env = {"DATABASE_URL": url, **ENV}
    log_path = tmp_path / "serve.log"
    token = Service.platform_admin_token(env=env, log_path=log_path)
    service = Service.start(["serve", "--port", str(free_port())], env=env, log_path=log_path)
    services.append(service)

    tenant = created(service, token, "/v1/tenants", {"name": "Acme"})
    base = f"/v1/tenants/{tenant['tenant']['id'] if 'tenant' in tenant else tenant['id']}"
    voice = {"name": "Ava", "provider": "11labs", "provider_voice_id": "ava"}
    voice_id = created(service, token, f"{base}/voices", voice)["id"]
    line = created(service, token, f"{base}/phone-numbers", twilio_body("+12125550100"))
    number_id = line["id"]
    agent = {
        "name": "Sam",
        "voice_id": voice_id,
        "default_number_id": number_id,
        "first_message": "Hello, this is Acme.",
    }
    agent_id = created(service, token, f"{base}/agents", agent)["id"]
    lead = created(service, token, f"{base}/leads", {"phone": "+14155550123", "name": "Ada"})
    call = created(service, token, f"{base}/calls", {"agent_id": agent_id, "lead_id": lead["id"]})
    assert call["vapi_call_id"], call

    vapi_side = VapiCall(
        id=call["vapi_call_id"],
        name=call["id"],
        metadata={"tenant_id": call["tenant_id"], "call_id": call["id"]},
        phone_number_id=line["provider_number_id"],
        customer_number=call["to_number"],
        customer_external_id=lead["id"],
        created_at=LATER,
        turns=TURNS,
    )
    raw = json.dumps(vapi_side.end_of_call_report()).encode()
    assert len(raw) > 5_000_000

    status, _, reply = service.http(
        "POST",
        "/v1/webhooks/vapi",
        data=raw,
        headers={"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"},
        timeout=60,
    )

    assert (status, reply) == (200, {"received": True, "duplicate": False}), reply
    status, _, transcript = service.http(
        "GET", f"{base}/calls/{call['id']}/transcript", token=token, timeout=30
    )
    assert status == 200, transcript
    assert transcript["text"] == vapi_side.spoken
    assert len(transcript["messages"]) == 1 + 2 * TURNS
    status, _, cost = service.http("GET", f"{base}/calls/{call['id']}/cost", token=token)
    assert status == 200, cost
    assert float(cost["cost"]) == pytest.approx(vapi_side.cost)
    with psycopg.connect(url, connect_timeout=10) as conn:
        stored = conn.execute(
            "SELECT octet_length(payload::text) FROM webhook_events"
            " WHERE vapi_call_id = %s AND type = 'end-of-call-report'",
            (vapi_side.id,),
        ).fetchall()
    assert len(stored) == 1
    assert stored[0][0] > 5_000_000

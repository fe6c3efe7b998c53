"""Logs as an operator's collector reads them: every line JSON, the access log useful and
free of phone numbers and secrets."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.faults.harness import Cluster, Service, free_port

pytestmark = pytest.mark.faults

PHONE = "+14155550123"


def test_every_line_is_json_and_the_access_log_names_no_number_or_secret(
    cluster: Cluster, tmp_path: Path, services: list[Service]
) -> None:
    env = {"DATABASE_URL": cluster.create_database("logs")}
    log_path = tmp_path / "serve.log"
    # `serve`'s own (no-op) migration writes Alembic's lines to the log it shares.
    token = Service.platform_admin_token(env=env, log_path=log_path)
    service = Service.start(["serve", "--port", str(free_port())], env=env, log_path=log_path)
    services.append(service)

    status, _, tenant = service.http("POST", "/v1/tenants", {"name": "Acme"}, token=token)
    assert status == 201, tenant
    tenant_id = tenant["id"]
    lookup = f"/v1/tenants/{tenant_id}/leads/lookup?phone={quote(PHONE)}"
    status, _, _ = service.http("GET", lookup, token=token, headers={"X-Request-Id": "trace-42"})
    assert status == 404
    assert service.stop() == 0

    text = log_path.read_text()
    lines = text.splitlines()
    not_json = [line for line in lines if not _is_json_object(line)]
    assert not_json == []
    records = [json.loads(line) for line in lines]
    assert any(r.get("logger", "").startswith("alembic") for r in records), "Alembic's lines"
    access = [r for r in records if r.get("request_id") == "trace-42"]
    assert len(access) == 1
    assert access[0]["route"] == "/v1/tenants/{tenant_id}/leads/lookup"
    assert access[0]["status"] == 404
    assert access[0]["tenant"] == tenant_id
    assert access[0]["principal"] == "platform-admin"
    assert access[0]["latency_ms"] >= 0
    for written in (PHONE, quote(PHONE), PHONE[1:]):
        assert written not in text
    assert token not in text


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False

"""JSON logs as `serve` writes them: the access line (built without structlog's chain, to the
same text), the request id on every line logged while a request is served, and the writer
that holds access lines for the end of the event loop's turn."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import structlog
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given
from hypothesis import strategies as st

from domain.values import Email
from entrypoints import logs
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.http.serving import serving
from entrypoints.logs import AccessLog, LogLines, UtcStamps, access_line, configure_logging
from tests.support import Api

PHONE = "+14155550123"
ACCESS_FIELDS = [
    "request_id",
    "method",
    "route",
    "status",
    "latency_ms",
    "tenant",
    "principal",
    "event",
    "level",
    "timestamp",
]

texts = st.text(max_size=40)


@given(
    request_id=st.none() | texts,
    method=texts,
    route=texts,
    status=st.integers(min_value=100, max_value=599),
    latency_ms=st.floats(allow_nan=False, allow_infinity=False),
    tenant=st.none() | texts,
    principal=st.sampled_from(["anonymous", "api-key", "user", "platform-admin"]),
    timestamp=texts,
)
def test_the_access_line_is_the_text_the_json_chain_renders(
    request_id: str | None,
    method: str,
    route: str,
    status: int,
    latency_ms: float,
    tenant: str | None,
    principal: str,
    timestamp: str,
) -> None:
    event = {
        "request_id": request_id,
        "method": method,
        "route": route,
        "status": status,
        "latency_ms": latency_ms,
        "tenant": tenant,
        "principal": principal,
        "event": "request",
        "level": "info",
        "timestamp": timestamp,
    }
    rendered = structlog.processors.JSONRenderer()(None, "info", event)
    line = access_line(request_id, method, route, status, latency_ms, tenant, principal, timestamp)
    assert line == rendered


_STAMPS = UtcStamps()


@given(st.integers(min_value=0, max_value=2**62))
def test_timestamps_are_written_as_structlogs_iso_utc_stamper_writes_them(ns: int) -> None:
    # TimeStamper(fmt="iso", utc=True): datetime.now(UTC).isoformat(), "+00:00" as "Z";
    # datetime.now() floors the clock to the microsecond.
    instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)
    assert _STAMPS.at(ns) == instant.isoformat().replace("+00:00", "Z")


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


async def test_held_lines_are_written_together_within_the_holding_time() -> None:
    stream = CountingStream()
    lines = LogLines(stream)
    lines.hold("a")
    await asyncio.sleep(0)
    lines.hold("b")
    assert stream.getvalue() == ""
    await asyncio.sleep(LogLines.HELD_SECONDS * 2)
    assert stream.getvalue() == "a\nb\n"
    assert stream.writes == 1


async def test_no_more_than_the_most_held_lines_wait() -> None:
    stream = CountingStream()
    lines = LogLines(stream)
    for n in range(LogLines.MOST_HELD + 1):
        lines.hold(str(n))
    assert stream.getvalue().splitlines() == [str(n) for n in range(LogLines.MOST_HELD)]
    assert stream.writes == 1
    await asyncio.sleep(LogLines.HELD_SECONDS * 2)
    assert stream.getvalue().splitlines() == [str(n) for n in range(LogLines.MOST_HELD + 1)]


async def test_a_line_logged_while_lines_are_held_comes_after_them() -> None:
    stream = CountingStream()
    lines = LogLines(stream)
    lines.hold("access 1")
    lines.info("warning")
    lines.hold("access 2")
    await asyncio.sleep(LogLines.HELD_SECONDS * 2)
    assert stream.getvalue().splitlines() == ["access 1", "warning", "access 2"]


def test_without_a_running_loop_a_held_line_is_written_at_once() -> None:
    stream = CountingStream()
    LogLines(stream).hold("a")
    assert stream.getvalue() == "a\n"


@pytest.fixture
def json_logs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], str]]:
    """`serve`'s logging (JSON at info) for one test, then the configuration as it was; the
    output as text, once held lines are written."""
    saved = structlog.get_config()
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", root.handlers[:])
    monkeypatch.setattr(logs, "_write_access", logs._write_access)
    levels = {
        name: logging.getLogger(name).level
        for name in ("", "pgserver", "procrastinate", "aiohttp.access")
    }
    configure_logging("info", "json")
    # No logger keeps this configuration past the test.
    structlog.configure(cache_logger_on_first_use=False)

    def output() -> str:
        logs._LINES.flush()
        return capsys.readouterr().out

    try:
        yield output
    finally:
        structlog.configure(**saved)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def _inside(request: web.Request) -> web.Response:
    structlog.get_logger("probe").info("structlog line")
    logging.getLogger("probe").warning("standard library line")
    return web.json_response({})


@pytest.fixture
async def served(memory_container: Container, aiohttp_client: Any) -> Api:
    """The app as `serve` runs it, with our access log, and one route that logs."""
    app = create_app(memory_container.use_cases())
    app.router.add_get("/probe", serving(None, _inside))
    server = TestServer(app)
    await server.start_server(access_log_class=AccessLog)
    client = await aiohttp_client(server)
    issued = await memory_container.bootstrap().create_platform_admin(Email.parse("op@example.com"))
    return Api(client, issued.token)


def _records(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


async def test_the_access_line_names_the_route_and_who_asked_never_the_number(
    json_logs: Callable[[], str], served: Api
) -> None:
    status, created = await served.post("/v1/tenants", {"name": "Acme"})
    assert status == 201
    tenant_id = created["id"]
    lookup = f"/v1/tenants/{tenant_id}/leads/lookup?phone={quote(PHONE)}"
    status, _ = await served.get(lookup, headers={"X-Request-Id": "trace-42"})
    assert status == 404

    text = json_logs()
    access = [r for r in _records(text) if r.get("request_id") == "trace-42"]
    assert len(access) == 1
    assert list(access[0]) == ACCESS_FIELDS
    assert access[0] | {"latency_ms": 0, "timestamp": ""} == {
        "request_id": "trace-42",
        "method": "GET",
        "route": "/v1/tenants/{tenant_id}/leads/lookup",
        "status": 404,
        "latency_ms": 0,
        "tenant": tenant_id,
        "principal": "platform-admin",
        "event": "request",
        "level": "info",
        "timestamp": "",
    }
    assert access[0]["latency_ms"] >= 0
    for written in (PHONE, quote(PHONE), PHONE[1:]):
        assert written not in text
    assert served.token is not None
    assert served.token not in text


async def test_every_line_logged_while_serving_a_request_carries_its_id(
    json_logs: Callable[[], str], served: Api
) -> None:
    response = await served.client.get(
        "/probe", headers={"Authorization": f"Bearer {served.token}"}
    )
    assert response.status == 200
    request_id = response.headers["X-Request-Id"]
    structlog.get_logger("probe").info("after the request")

    records = _records(json_logs())
    by_event = {r["event"]: r for r in records}
    assert by_event["structlog line"]["request_id"] == request_id
    assert by_event["standard library line"]["request_id"] == request_id
    assert by_event["standard library line"]["logger"] == "probe"
    assert by_event["request"]["request_id"] == request_id
    assert "request_id" not in by_event["after the request"]


async def test_a_safe_request_id_is_kept_and_any_other_replaced_by_a_fresh_one(
    json_logs: Callable[[], str], served: Api
) -> None:
    kept = await served.client.get("/healthz", headers={"X-Request-Id": "edge:7f.3-a_b"})
    assert kept.headers["X-Request-Id"] == "edge:7f.3-a_b"
    replaced = await served.client.get("/healthz", headers={"X-Request-Id": "no spaces"})
    fresh = await served.client.get("/healthz")

    ids = [replaced.headers["X-Request-Id"], fresh.headers["X-Request-Id"]]
    for request_id in ids:
        # a UUID 4, in hex
        assert re.fullmatch(r"[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}", request_id)
    assert ids[0] != ids[1]
    logged = [r["request_id"] for r in _records(json_logs()) if r["event"] == "request"]
    assert logged == ["edge:7f.3-a_b", *ids]


async def test_a_request_aiohttp_answers_itself_gets_one_access_line_of_its_own(
    json_logs: Callable[[], str], served: Api
) -> None:
    """A request line aiohttp cannot parse never reaches the application, whose routes
    write every other access line: the access logger writes this one."""
    server = served.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(b"NOT A REQUEST\r\n\r\n")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    assert answer.split(b" ", 2)[1] == b"400"
    ok = await served.client.get("/healthz")
    assert ok.status == 200

    access = [r for r in _records(json_logs()) if r["event"] == "request"]
    assert [(r["route"], r["status"], r["principal"]) for r in access] == [
        ("unmatched", 400, "anonymous"),
        ("/healthz", 200, "anonymous"),
    ]
    assert access[0]["request_id"] is None
    assert access[1]["request_id"] == ok.headers["X-Request-Id"]


async def test_below_info_no_request_writes_an_access_line(
    json_logs: Callable[[], str], served: Api
) -> None:
    configure_logging("warning", "json")
    assert (await served.client.get("/healthz")).status == 200
    assert (await served.client.get("/v1/nowhere")).status == 404

    assert [r for r in _records(json_logs()) if r.get("event") == "request"] == []

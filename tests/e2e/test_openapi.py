"""The OpenAPI document, the Swagger UI, health and readiness, and a database that is down."""

from __future__ import annotations

import re

import pytest
from dependency_injector import providers

from adapters.postgres.engine import create_engine
from entrypoints.container import Container
from entrypoints.http.app import ENDPOINTS, create_app
from tests.e2e.helpers import PROBLEM_JSON, assert_problem, expect, random_id, send
from tests.support import Api

pytestmark = pytest.mark.postgres

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/none"


async def test_the_document_is_openapi_3_1_and_lists_every_route(api):
    reply = await send(api, "GET", "/openapi.json")

    assert reply.status == 200
    assert reply.content_type == "application/json"
    document = reply.body
    # Valid OpenAPI: tests/unit/test_openapi_document.py validates the very document served.
    assert document["openapi"].startswith("3.1")
    listed = {(m.upper(), path) for path, ops in document["paths"].items() for m in ops}
    assert listed == {(e.method, e.path) for e in ENDPOINTS}
    for e in ENDPOINTS:
        operation = document["paths"][e.path][e.method.lower()]
        assert str(e.status) in operation["responses"], (e.method, e.path)
        assert set(re.findall(r"{(\w+)}", e.path)) == {
            p["name"] for p in operation["parameters"] if p["in"] == "path"
        }
        if e.public:
            assert operation["security"] == []
        else:
            assert "401" in operation["responses"], (e.method, e.path)


async def test_the_docs_page_loads_the_bundled_swagger_ui_without_a_token(api):
    page = await send(api, "GET", "/docs")

    assert page.status == 200
    assert page.content_type == "text/html"
    assert "/openapi.json" in page.body
    assert "/docs/static/swagger-ui-bundle.js" in page.body
    bundle = await api.client.get("/docs/static/swagger-ui-bundle.js")
    assert bundle.status == 200
    assert "javascript" in bundle.content_type
    assert len(await bundle.read()) > 100_000
    css = await api.client.get("/docs/static/swagger-ui.css")
    assert css.status == 200
    assert "css" in css.content_type


async def test_a_missing_static_file_is_404_problem_json(api):
    """Like any unknown path: every error of this API is problem+json."""
    missing = await send(api, "GET", "/docs/static/no-such-file.js")
    assert_problem(missing, 404)
    escape = await send(api, "GET", "/docs/static/../../etc/passwd")
    assert_problem(escape, 404)


async def test_health_needs_no_token_and_readiness_sees_the_database(api):
    for path in ("/healthz", "/readyz"):
        reply = await send(api, "GET", path)
        assert (reply.status, reply.body) == (200, {"status": "ok"}), path
        assert reply.headers["X-Request-Id"]


async def test_a_safe_request_id_is_echoed_and_an_unsafe_one_replaced(api):
    reply = await send(api, "GET", "/healthz", headers={"X-Request-Id": "trace-42.a:b"})
    assert reply.headers["X-Request-Id"] == "trace-42.a:b"
    reply = await send(api, "GET", "/v1/me", headers={"X-Request-Id": "bad id\u00e9<script>"})
    assert reply.status == 401
    replaced = reply.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)
    assert reply.body["request_id"] == replaced


@pytest.fixture
async def offline(aiohttp_client) -> Api:
    """The app through the real container, on a database nobody listens for."""
    container = Container()
    container.database_url.override(UNREACHABLE)
    engine = create_engine(UNREACHABLE, connect_timeout=1)
    container.engine.override(providers.Object(engine))
    app = create_app(container.use_cases(), on_cleanup=engine.dispose)
    try:
        yield Api(await aiohttp_client(app), None)
    finally:
        container.reset_override()


async def test_readiness_is_503_problem_json_when_the_database_is_down(offline):
    reply = await send(offline, "GET", "/readyz")

    problem = assert_problem(reply, 503, code="service-unavailable")
    assert "unreachable" in problem["detail"]
    # Liveness does not depend on the database.
    assert (await send(offline, "GET", "/healthz")).status == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/me", None),
        ("GET", "/v1/tenants", None),
        ("POST", "/v1/tenants", {"name": "Acme"}),
        ("DELETE", "/v1/tenants/{tenant}/members/{user}", None),
    ],
)
@pytest.mark.parametrize("kind", ["user token", "api key"])
async def test_an_authenticated_call_is_503_not_500_when_the_database_is_down(
    offline, method, path, body, kind
):
    """Authenticating needs the database, so a well-formed token is where it shows."""
    tenant = random_id().replace("-", "")
    token = (
        f"vau_{'a' * 12}_{'b' * 43}"
        if kind == "user token"
        else f"vak_{tenant}_{'a' * 12}_{'b' * 43}"
    )
    url = path.format(tenant=random_id(), user=random_id())

    reply = await send(offline.as_(token), method, url, json_body=body)

    problem = assert_problem(reply, 503, code="service-unavailable")
    assert reply.content_type == PROBLEM_JSON
    assert problem["instance"] == url
    assert "WWW-Authenticate" not in reply.headers


async def test_without_a_token_the_answer_is_still_401_when_the_database_is_down(offline):
    reply = await send(offline, "GET", "/v1/me")
    assert_problem(reply, 401, code="unauthenticated")
    reply = await send(offline.as_("garbage"), "GET", "/v1/me")
    assert_problem(reply, 401, code="unauthenticated")
    expect(await offline.get("/openapi.json"), 200)

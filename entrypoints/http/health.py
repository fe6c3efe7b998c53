"""Liveness, readiness, the OpenAPI document and its Swagger UI."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import msgspec
from aiohttp import web
from openapi_ui_bundles.swagger_ui import static_path as swagger_ui_static

from application.errors import ServiceUnavailable
from entrypoints.http.routing import Endpoint, reply, use_cases
from entrypoints.http.schemas import HealthOut, ReadyOut, WorkerOut
from entrypoints.worker_health import WorkerHealth

OPENAPI = web.AppKey("openapi", bytes)
WORKER_HEALTH = web.AppKey("worker_health", WorkerHealth)

_DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>voice-agent-backend API</title>
  <link rel="stylesheet" href="/docs/static/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/static/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
  </script>
</body>
</html>
"""


def service_version() -> str:
    try:
        return version("voice-agent-backend")
    except PackageNotFoundError:
        return "0.0.0"


async def healthz(_request: web.Request) -> web.Response:
    """Liveness: 200 while the process serves requests. It asks nothing of the database, so a
    database outage never gets a healthy process restarted."""
    return reply(HealthOut("ok"))


async def readyz(request: web.Request) -> web.Response:
    """Readiness: 200 when the database answers and its schema is migrated to head, 503
    problem+json naming what is wrong otherwise. When this process runs the job worker (the call
    reconciler), its state is reported too, without judging readiness by it."""
    problem = await use_cases(request).probe.check()
    if problem is not None:
        raise ServiceUnavailable(f"not ready: {problem}")
    # The worker is reported, not judged: a worker waiting for its database to come back
    # does not make the API unable to serve.
    worker = request.app.get(WORKER_HEALTH)
    if worker is None:
        return reply(ReadyOut("ok"))
    return reply(
        ReadyOut(
            "ok",
            WorkerOut(worker.state, worker.restarts, worker.last_sweep_at, worker.last_stopped_at),
        )
    )


async def openapi(request: web.Request) -> web.Response:
    """This document: OpenAPI 3.1, generated from the route table and the request and response
    schemas at start-up."""
    return web.Response(body=request.app[OPENAPI], content_type="application/json")


async def docs(_request: web.Request) -> web.Response:
    """Swagger UI for this document, served from the bundled assets (no network access needed)."""
    return web.Response(text=_DOCS_PAGE, content_type="text/html")


# Only the bundle's own files, by exact name: nothing else on disk is reachable.
_SWAGGER_FILES = {p.name: p for p in Path(swagger_ui_static).iterdir() if p.is_file()}


async def docs_asset(request: web.Request) -> web.FileResponse:
    """One of Swagger UI's bundled static files, by exact name; any other name is a 404."""
    path = _SWAGGER_FILES.get(request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})


def encode_openapi(document: dict[str, object]) -> bytes:
    return msgspec.json.encode(document)


ROUTES = [
    Endpoint(
        "GET",
        "/healthz",
        healthz,
        "The process is alive",
        "health",
        response=HealthOut,
        public=True,
    ),
    Endpoint(
        "GET",
        "/readyz",
        readyz,
        "Ready to serve: the database answers and is migrated to head (503 otherwise); "
        "reports the in-process job worker",
        "health",
        response=ReadyOut,
        public=True,
        errors=(503,),
    ),
    Endpoint("GET", "/openapi.json", openapi, "This OpenAPI 3.1 document", "health", public=True),
    Endpoint(
        "GET", "/docs", docs, "Swagger UI for this API (served offline)", "health", public=True
    ),
    Endpoint(
        "GET",
        "/docs/static/{name}",
        docs_asset,
        "Swagger UI's static files",
        "health",
        public=True,
        errors=(404,),
    ),
]

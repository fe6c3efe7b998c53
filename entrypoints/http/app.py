"""The aiohttp application factory."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import hdrs, web

from entrypoints.http import (
    account_deletion,
    agents,
    batches,
    calls,
    credentials,
    health,
    invitations,
    leads,
    metrics,
    phone_numbers,
    plans,
    retention,
    sign_in,
    tenant_exports,
    tenants,
    users,
    voices,
    webhook_endpoints,
    webhook_messages,
    webhooks,
)
from entrypoints.http.events import EVENT_DOCS
from entrypoints.http.health import OPENAPI, WORKER_HEALTH, encode_openapi, service_version
from entrypoints.http.metrics import (
    METRICS,
    OPERATIONAL_FIGURES,
    HttpMetrics,
    OperationalFigures,
    WorkerCollector,
)
from entrypoints.http.openapi import build_openapi
from entrypoints.http.routing import ROUTE_TABLE, USE_CASES, Endpoint, UseCases
from entrypoints.http.serving import (
    MAX_BODY_BYTES,
    UNROUTED_PATH,
    UPLOAD_MAX_BYTES,
    serving,
    unrouted,
)
from entrypoints.http.webhooks import WEBHOOK_VERIFIER, WebhookVerifier
from entrypoints.worker_health import WorkerHealth

ENDPOINTS: list[Endpoint] = [
    *health.ROUTES,
    *metrics.ROUTES,
    *users.ROUTES,
    *account_deletion.ROUTES,
    *sign_in.ROUTES,
    *tenants.ROUTES,
    *tenant_exports.ROUTES,
    *invitations.ROUTES,
    *credentials.ROUTES,
    *plans.ROUTES,
    *voices.ROUTES,
    *phone_numbers.ROUTES,
    *agents.ROUTES,
    *leads.ROUTES,
    *retention.ROUTES,
    *calls.ROUTES,
    *batches.ROUTES,
    *webhook_endpoints.ROUTES,
    *webhook_messages.ROUTES,
    *webhooks.ROUTES,
]


# aiohttp indexes a route by its path up to the first variable, so every route under
# /v1/tenants/{tenant_id} shares one entry, whose routes are tried in the order they were
# registered: these, the most requested, are registered first (the rest keep their order; no
# route of the tenant's could be taken for one of these).
BUSIEST_TENANT_PATHS = frozenset(
    {
        "/v1/tenants/{tenant_id}/calls/{call_id}",
        "/v1/tenants/{tenant_id}/calls",
        "/v1/tenants/{tenant_id}/leads/{lead_id}/calls",
        "/v1/tenants/{tenant_id}/features/{key}",
    }
)


@functools.cache  # a function of the route table alone
def openapi_document() -> dict[str, object]:
    return build_openapi(
        ENDPOINTS, title="voice-agent-backend", version=service_version(), events=EVENT_DOCS
    )


def create_app(
    use_cases: UseCases,
    *,
    max_body_bytes: int = 1024 * 1024,
    upload_max_bytes: int = 64 * 1024 * 1024,
    import_concurrency: int = 2,
    webhook_verifier: WebhookVerifier | None = None,
    on_cleanup: Callable[[], Awaitable[None]] | None = None,
    operational_figures: OperationalFigures | None = None,
    worker_health: WorkerHealth | None = None,
) -> web.Application:
    """The API. `on_cleanup` runs once at shutdown (the container disposes its engine).
    Without a `webhook_verifier` (a configured secret), the webhook accepts nothing.
    `worker_health`, of a worker running in this process, is reported by /readyz and
    /metrics."""
    app = web.Application(client_max_size=max_body_bytes)
    app[USE_CASES] = use_cases
    app[WEBHOOK_VERIFIER] = webhook_verifier or WebhookVerifier()
    app[METRICS] = HttpMetrics()
    if operational_figures is not None:
        app[OPERATIONAL_FIGURES] = operational_figures
    if worker_health is not None:
        app[WORKER_HEALTH] = worker_health
        app[METRICS].registry.register(WorkerCollector(worker_health))
    app[MAX_BODY_BYTES] = max_body_bytes
    app[UPLOAD_MAX_BYTES] = upload_max_bytes
    app[leads.IMPORT_SLOTS] = leads.ImportSlots(import_concurrency)
    app[OPENAPI] = encode_openapi(openapi_document())
    app[ROUTE_TABLE] = {(e.method, e.path): e for e in ENDPOINTS}
    for endpoint in sorted(ENDPOINTS, key=lambda e: e.path not in BUSIEST_TENANT_PATHS):
        app.router.add_route(endpoint.method, endpoint.path, serving(endpoint, endpoint.handler))
    # Last, after every endpoint's route: aiohttp tries it only when none took the request.
    app.router.add_route(hdrs.METH_ANY, UNROUTED_PATH, serving(None, unrouted))

    if on_cleanup is not None:
        cleanup = on_cleanup

        async def lifetime(_app: web.Application) -> AsyncIterator[None]:
            yield
            await cleanup()

        app.cleanup_ctx.append(lifetime)
    return app

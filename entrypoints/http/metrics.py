"""Prometheus metrics: request counts and latencies by route template (bounded labels), and
what an operator watches of the service: the pool, calls on the line, the job queue, webhooks."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator
from typing import Protocol

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from entrypoints.http.routing import Endpoint
from entrypoints.worker_health import WorkerHealth


class RequestFigures(Collector):
    """Requests answered, by method, route template and status, and their latency by method
    and route template: `http_requests_total` and `http_request_duration_seconds`, as
    prometheus_client's Counter and Histogram would show them.

    Kept in plain dictionaries: the client's metrics take a lock for every increment and
    every bucket, which the event loop's one thread never needs, and which cost a tenth of a
    cheap request's time."""

    BUCKETS = tuple(b for b in Histogram.DEFAULT_BUCKETS if b != float("inf"))

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, int], int] = {}
        # Per method and route: the requests per bucket (not cumulative; the last one past
        # every bound) and the sum of their seconds.
        self._latency: dict[tuple[str, str], tuple[list[int], list[float]]] = {}

    def answered(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        self._counts[key] = self._counts.get(key, 0) + 1
        timed = self._latency.get((method, route))
        if timed is None:
            timed = self._latency[method, route] = ([0] * (len(self.BUCKETS) + 1), [0.0])
        buckets, total = timed
        buckets[bisect.bisect_left(self.BUCKETS, seconds)] += 1
        total[0] += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "http_requests", "HTTP requests answered", labels=["method", "route", "status"]
        )
        for (method, route, status), count in self._counts.items():
            requests.add_metric([method, route, str(status)], count)
        latency = HistogramMetricFamily(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            labels=["method", "route"],
        )
        bounds = [floatToGoString(b) for b in self.BUCKETS] + ["+Inf"]  # type: ignore[no-untyped-call]
        for (method, route), (buckets, total) in self._latency.items():
            cumulative = list(itertools.accumulate(buckets))
            latency.add_metric(
                [method, route], list(zip(bounds, cumulative, strict=True)), total[0]
            )
        yield requests
        yield latency


class HttpMetrics:
    """One registry per application, so several apps in one process never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._requests = RequestFigures()
        self.registry.register(self._requests)
        self.pool_in_use = Gauge(
            "voice_agent_db_pool_in_use",
            "Database connections held by requests and jobs of this process",
            registry=self.registry,
        )
        self.pool_waiting = Gauge(
            "voice_agent_db_pool_waiting",
            "Units of work of this process waiting for a database connection",
            registry=self.registry,
        )
        self.database_up = Gauge(
            "voice_agent_database_up",
            "1 when this scrape could read the database's figures, else 0",
            registry=self.registry,
        )
        self.live_calls = Gauge(
            "voice_agent_live_calls",
            "Calls on the line or not yet settled, every tenant's",
            registry=self.registry,
        )
        self.job_queue_depth = Gauge(
            "voice_agent_job_queue_depth",
            "Background jobs waiting for a worker",
            registry=self.registry,
        )
        self.webhook_deliveries_due = Gauge(
            "voice_agent_webhook_deliveries_due",
            "Tenants' webhook deliveries due now and not yet taken by a worker",
            registry=self.registry,
        )
        self.webhook_delivery_oldest_due = Gauge(
            "voice_agent_webhook_delivery_oldest_due_seconds",
            "How long the longest-waiting webhook delivery has been due (0: none)",
            registry=self.registry,
        )
        self.webhook_lag = Histogram(
            "voice_agent_webhook_lag_seconds",
            "From the time stamped on a provider's message to its being applied here",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            registry=self.registry,
        )

    def answered(self, method: str, route: str, status: int, seconds: float) -> None:
        """One request answered: counted by method, route template and status, timed by
        method and route template."""
        self._requests.answered(method, route, status, seconds)


METRICS = web.AppKey("metrics", HttpMetrics)


class Pool(Protocol):
    @property
    def in_use(self) -> int: ...

    @property
    def waiting(self) -> int: ...


class Figures(Protocol):
    @property
    def live_calls(self) -> int: ...

    @property
    def queued_jobs(self) -> int: ...

    @property
    def webhook_deliveries_due(self) -> int: ...

    @property
    def oldest_webhook_due_seconds(self) -> float: ...


class OperationalFigures(Protocol):
    """The database's side of the service (adapters/postgres/monitoring.py); `read` ends
    within a few seconds whatever the database does."""

    @property
    def pool(self) -> Pool: ...

    async def read(self) -> Figures: ...


OPERATIONAL_FIGURES = web.AppKey("operational_figures", OperationalFigures)


class WorkerCollector(Collector):
    """The in-process job worker, read at each scrape (registered only where one runs)."""

    def __init__(self, health: WorkerHealth) -> None:
        self._health = health

    def collect(self) -> Iterator[Metric]:
        last_sweep = self._health.last_sweep_at
        yield GaugeMetricFamily(
            "voice_agent_worker_last_sweep_timestamp",
            "Unix time of the reconciler's last finished sweep in this process (0: none yet)",
            value=last_sweep.timestamp() if last_sweep is not None else 0.0,
        )
        yield GaugeMetricFamily(
            "voice_agent_worker_running",
            "1 while the job worker runs, 0 while it waits to start (again)",
            value=1.0 if self._health.state == "running" else 0.0,
        )
        yield CounterMetricFamily(
            "voice_agent_worker_restarts",
            "Times the job worker stopped by itself and was started again",
            value=self._health.restarts,
        )


UNMATCHED = "unmatched"
"""The route template of a request no route took (a 404, a method no route has)."""


def record_answer(request: web.Request, route: str, status: int, seconds: float) -> None:
    """Count the request's answer by route template and status, and time it."""
    request.app[METRICS].answered(request.method, route, status, seconds)


async def _observe_database(app: web.Application, metrics: HttpMetrics) -> None:
    source = app.get(OPERATIONAL_FIGURES)
    if source is None:
        return
    metrics.pool_in_use.set(source.pool.in_use)
    metrics.pool_waiting.set(source.pool.waiting)
    try:
        figures = await source.read()
    except Exception:  # the scrape still answers: database_up says the figures are stale
        metrics.database_up.set(0)
        return
    metrics.database_up.set(1)
    metrics.live_calls.set(figures.live_calls)
    metrics.job_queue_depth.set(figures.queued_jobs)
    metrics.webhook_deliveries_due.set(figures.webhook_deliveries_due)
    metrics.webhook_delivery_oldest_due.set(figures.oldest_webhook_due_seconds)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus metrics in the text exposition format: requests by route template and status,
    their latency, database pool use, webhook lag and, when this process runs the job worker,
    its state."""
    await _observe_database(request.app, request.app[METRICS])
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


ROUTES = [
    Endpoint(
        "GET",
        "/metrics",
        metrics,
        "Prometheus metrics (text exposition format)",
        "health",
        public=True,
    ),
]

"""RequestFigures shows what prometheus_client's own Counter and Histogram would show for
the same answers, sample for sample."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter, Histogram

from entrypoints.http.metrics import RequestFigures

an_answer = st.tuples(
    st.sampled_from(["GET", "POST"]),
    st.sampled_from(["/healthz", "/v1/tenants/{tenant_id}/calls", "unmatched"]),
    st.sampled_from([200, 201, 404, 503]),
    # Bounds themselves among the times: a time equal to a bound is in that bound's bucket.
    st.one_of(st.sampled_from(RequestFigures.BUCKETS), st.floats(0, 30, allow_nan=False)),
)


def samples(registry: CollectorRegistry) -> set[tuple[str, tuple[tuple[str, str], ...], float]]:
    return {
        (s.name, tuple(sorted(s.labels.items())), round(s.value, 9))
        for metric in registry.collect()
        for s in metric.samples
        if not s.name.endswith("_created")
    }


@settings(max_examples=50, deadline=None)
@given(answers=st.lists(an_answer, max_size=30))
def test_the_figures_are_the_client_metrics_figures(answers):
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    figures = RequestFigures()
    ours.register(figures)
    requests = Counter(
        "http_requests", "HTTP requests answered", ["method", "route", "status"], registry=theirs
    )
    latency = Histogram(
        "http_request_duration_seconds",
        "Time to answer an HTTP request",
        ["method", "route"],
        registry=theirs,
    )

    for method, route, status, seconds in answers:
        figures.answered(method, route, status, seconds)
        requests.labels(method, route, str(status)).inc()
        latency.labels(method, route).observe(seconds)

    assert samples(ours) == samples(theirs)

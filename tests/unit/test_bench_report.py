"""The benchmark harness's pure parts: reading wrk's result line, summing rounds, the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from bench.batch_dispatch import DispatchPlan, DispatchRun
from bench.processes import product_environment
from bench.report import (
    BEGIN,
    END,
    Comparison,
    Memory,
    RunReport,
    Target,
    markers,
    merge,
    render,
)
from bench.runner import Options
from bench.wrk import WrkFailed, WrkResult, parse_result, summarize
from entrypoints.settings import Settings

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8080/healthz
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.12ms    1.01ms  31.20ms   91.00%
    Req/Sec     7.80k   412.33     8.30k    80.00%
  77812 requests in 10.00s, 12.03MB read
Requests/sec:   7780.12
Transfer/sec:      1.20MB
BENCH_RESULT {"requests":77812,"duration_us":10001234,"bytes":12614000,"p50_us":3950,\
"p90_us":5100,"p99_us":7420,"max_us":31200,"mean_us":4120.5,"errors_connect":0,\
"errors_read":1,"errors_write":0,"errors_status":3,"errors_timeout":2,"ids_used":0}
"""


def test_the_result_line_gives_rate_percentiles_and_every_kind_of_error() -> None:
    result = parse_result(WRK_OUTPUT)

    assert result.requests == 77812
    assert result.seconds == pytest.approx(10.001234)
    assert result.per_second == pytest.approx(77812 / 10.001234)
    assert (result.p50_ms, result.p90_ms, result.p99_ms, result.max_ms) == (
        3.95,
        5.1,
        7.42,
        31.2,
    )
    assert result.errors == 6  # read 1, status 3, timeout 2


def test_output_without_a_result_line_is_an_error_that_shows_the_output() -> None:
    with pytest.raises(WrkFailed, match="unable to connect"):
        parse_result("unable to connect to 127.0.0.1:8080 Connection refused\n")


def _round(requests: int, seconds: float, p50: float, p99: float, errors: int = 0) -> WrkResult:
    return WrkResult(requests, seconds, p50, p50 * 1.2, p99, p99 * 2, errors)


def test_rounds_add_up_their_requests_and_time_and_keep_the_worst_p99() -> None:
    summary = summarize([_round(1000, 10, 4.0, 9.0), _round(3000, 5, 2.0, 30.0, errors=2)])

    assert summary.per_second == pytest.approx(4000 / 15)  # not the mean of the rates (350)
    assert (summary.per_second_low, summary.per_second_high) == (100.0, 600.0)
    assert summary.p50_ms == pytest.approx(3.0)
    assert summary.p99_ms == 30.0
    assert summary.errors == 2


def test_the_ratio_is_product_over_raw_and_judged_against_the_target() -> None:
    raw = summarize([_round(2000, 10, 1.0, 2.0)])
    product = summarize([_round(1500, 10, 1.0, 2.0)])
    target = Target("≥ 0.70", min_ratio=0.70)

    assert Comparison("x", "y", product, raw, target).ratio == pytest.approx(0.75)
    assert Comparison("x", "y", product, raw, target).met is True
    slow = summarize([_round(1300, 10, 1.0, 2.0)])
    assert Comparison("x", "y", slow, raw, target).met is False


def test_memory_growth_is_the_last_point_over_the_one_before() -> None:
    target = Target("≤ 250 MB, ≤ 10 %", max_mb=250, max_growth=0.10)

    steady = Memory(((0, 90.0), (50_000, 120.0), (100_000, 126.0)), "mix", target)
    leaking = Memory(((0, 90.0), (50_000, 120.0), (100_000, 150.0)), "mix", target)

    assert steady.growth == pytest.approx(0.05)
    assert steady.met is True
    assert leaking.met is False


def test_a_new_run_replaces_only_the_generated_section() -> None:
    first = merge(None, "figures of run 1\n")
    assert first.startswith("# Benchmarks")
    edited = first + "\n## Before and after\n\nwritten by hand\n"

    second = merge(edited, "figures of run 2\n")

    assert "figures of run 2" in second
    assert "figures of run 1" not in second
    assert "written by hand" in second
    assert second.count(BEGIN) == 1
    assert second.count(END) == 1


def test_a_run_of_some_scenarios_stands_beside_the_whole_runs_figures() -> None:
    whole = merge(None, "whole run 1\n") + "\n## Notes\n\nwritten by hand\n"
    dispatch = frozenset({"batch-dispatch"})

    partial = merge(whole, "dispatch run 1\n", dispatch)
    again = merge(partial, "dispatch run 2\n", dispatch)

    assert "whole run 1" in again
    assert "dispatch run 2" in again
    assert "dispatch run 1" not in again
    assert "written by hand" in again
    assert again.index("whole run 1") < again.index("dispatch run 2") < again.index("by hand")
    begin, end = markers(dispatch)
    assert (again.count(begin), again.count(end)) == (1, 1)
    # A whole run's newer figures replace both.
    next_whole = merge(again, "whole run 2\n")
    assert "whole run 2" in next_whole
    assert "dispatch run 2" not in next_whole
    assert "whole run 1" not in next_whole
    assert "written by hand" in next_whole
    assert begin not in next_whole
    assert end not in next_whole


def test_a_document_without_markers_keeps_its_text_and_gets_the_section_appended() -> None:
    merged = merge("# Benchmarks\n\nold notes\n", "figures\n")

    assert merged.startswith("# Benchmarks\n\nold notes\n")
    assert merged.rstrip().endswith(END)


def _dispatch_run(*rounds: tuple[int, float], errors: int = 0) -> DispatchRun:
    return DispatchRun(rounds, errors)


def test_a_dispatch_run_reports_dials_over_its_rounds_and_a_rounds_latency() -> None:
    run = _dispatch_run(*[(100, 0.2)] * 8, (100, 0.5), (40, 0.1), errors=3)

    result = run.as_result()

    assert (result.requests, result.errors) == (940, 3)
    assert result.seconds == pytest.approx(2.2)
    assert result.per_second == pytest.approx(940 / 2.2)
    assert result.p50_ms == pytest.approx(200.0)
    assert result.p99_ms == pytest.approx(500.0)  # the slowest of ten rounds
    assert result.p90_ms == pytest.approx(200.0)  # the ninth of ten
    assert result.max_ms == pytest.approx(500.0)


def test_a_dispatch_run_and_its_plan_cross_a_process_boundary_unchanged() -> None:
    plan = DispatchPlan(
        "postgresql://bench@127.0.0.1:5432/bench",
        uuid4(),
        uuid4(),
        uuid4(),
        lines=100,
        pool_size=10,
    )
    run = _dispatch_run((100, 0.25), (7, 0.125), errors=1)

    assert DispatchPlan.from_json(plan.to_json()) == plan
    assert DispatchRun.from_json(run.to_json()) == run
    assert DispatchRun.from_json(_dispatch_run().to_json()).as_result().requests == 0


def _report(**fields: Any) -> RunReport:
    return RunReport(
        date="2026-12-05 12:00 UTC",
        command="make bench",
        quick=False,
        machine=(),
        settings=(),
        data=(),
        **fields,
    )


def test_the_batch_dispatch_has_its_own_table_in_dials_per_second() -> None:
    raw = summarize([_dispatch_run((100, 0.2), (100, 0.2)).as_result()])
    product = summarize([_dispatch_run((100, 0.5), (100, 0.3)).as_result()])
    dispatch = Comparison(
        "batch dispatch", "the same statements", product, raw, Target("≥ 0.50", min_ratio=0.5)
    )

    text = render(_report(comparisons=(), dispatch=(dispatch,)))

    assert "### Request paths" not in text
    assert "### Batch dispatch" in text
    assert "| scenario | raw side | raw dials/s | raw round p50 / p99 |" in text
    # 200 dials in 0.4 s against 200 in 0.8 s: half, which meets the target.
    assert (
        "| batch dispatch | the same statements | 500 | 200 / 200 | 250 | 400 / 500"
        " | 0.50 | ≥ 0.50 | yes |" in text
    )


def test_only_the_batch_dispatch_needs_no_servers_nor_wrk() -> None:
    assert not Options.parse(["--only", "batch-dispatch"]).wants_servers
    assert Options.parse(["--only", "batch-dispatch,healthz"]).wants_servers
    assert Options.parse([]).wants_servers
    assert Options.parse(["--quick"]).batch_leads < Options.parse([]).batch_leads


def test_the_product_logs_every_request_unless_the_run_measures_without_its_access_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def level(options: Options) -> str:
        env = product_environment(
            "postgresql://bench@127.0.0.1/bench", tmp_path, "secret", access_log=options.access_log
        )
        return Settings.from_env(env).log_level

    assert level(Options.parse([])) == "info"
    assert level(Options.parse(["--no-access-log"])) == "warning"
    monkeypatch.setenv("BENCH_ACCESS_LOG", "0")
    assert level(Options.parse([])) == "warning"
    assert level(Options.parse(["--access-log"])) == "info"

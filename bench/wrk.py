"""wrk, run pinned to the load core, and what its scripts report (the BENCH_RESULT line)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from bench.pinning import LOAD_CORE, pinned

LUA = Path(__file__).with_name("lua")
RESULT_MARK = "BENCH_RESULT "
THREADS = 1  # wrk has one core (the other is the server's): one thread drives 32 connections


class WrkFailed(RuntimeError):
    """wrk did not run, or printed no result line."""


@attrs.frozen
class WrkResult:
    """One run of wrk."""

    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    """Failed connections, reads, writes and timeouts, and responses with status 400 or more."""
    ids_used: int = 0

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def parse_result(output: str) -> WrkResult:
    """The result line that bench/lua/common.lua's done() prints among wrk's output."""
    for line in output.splitlines():
        if line.startswith(RESULT_MARK):
            data = json.loads(line[len(RESULT_MARK) :])
            errors = sum(
                int(data[f"errors_{kind}"])
                for kind in ("connect", "read", "write", "status", "timeout")
            )
            return WrkResult(
                requests=int(data["requests"]),
                seconds=int(data["duration_us"]) / 1e6,
                p50_ms=int(data["p50_us"]) / 1000,
                p90_ms=int(data["p90_us"]) / 1000,
                p99_ms=int(data["p99_us"]) / 1000,
                max_ms=int(data["max_us"]) / 1000,
                errors=errors,
                ids_used=int(data.get("ids_used", 0)),
            )
    raise WrkFailed(f"wrk printed no {RESULT_MARK.strip()} line:\n{output[-3000:]}")


@attrs.frozen
class Summary:
    """Several rounds of one side of a scenario, taken together."""

    rounds: int
    per_second: float
    """All requests over all the rounds' time."""
    per_second_low: float
    per_second_high: float
    p50_ms: float
    """The median of the rounds' medians."""
    p99_ms: float
    """The worst round's 99th percentile."""
    errors: int
    requests: int


def summarize(results: Sequence[WrkResult]) -> Summary:
    if not results:
        raise ValueError("no rounds to summarize")
    rates = [r.per_second for r in results]
    seconds = sum(r.seconds for r in results)
    requests = sum(r.requests for r in results)
    return Summary(
        rounds=len(results),
        per_second=requests / seconds if seconds > 0 else 0.0,
        per_second_low=min(rates),
        per_second_high=max(rates),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=max(r.p99_ms for r in results),
        errors=sum(r.errors for r in results),
        requests=requests,
    )


def run_wrk(
    url: str,
    script: str,
    *,
    seconds: float,
    connections: int,
    headers: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    grace: float = 60,
) -> WrkResult:
    """wrk against `url` on the load core for `seconds`; killed if it overruns by `grace`."""
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA / script),
    ]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    environment = {
        **os.environ,
        "BENCH_LUA_DIR": str(LUA),
        "BENCH_THREADS": str(THREADS),
        **(env or {}),
    }
    try:
        done = subprocess.run(
            pinned(LOAD_CORE, command),
            env=environment,
            capture_output=True,
            text=True,
            timeout=seconds + grace,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise WrkFailed(f"wrk ran past {seconds + grace:.0f} s: {' '.join(command)}") from None
    if done.returncode != 0:
        raise WrkFailed(f"wrk exited with {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return parse_result(done.stdout)

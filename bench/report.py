"""docs/benchmarks.md: the run's figures as Markdown, between markers the next run replaces.

Whatever the file holds outside the markers (notes, before/after figures) is kept.
"""

from __future__ import annotations

import re

import attrs

from bench.wrk import Summary

BEGIN = "<!-- bench:begin (written by `make bench`; edit outside these markers) -->"
END = "<!-- bench:end -->"

HEADER = """# Benchmarks

`make bench` runs the product (`voice-agent serve`) and a raw baseline (bench/raw_server.py:
aiohttp and a psycopg pool doing the same SQL, without authentication or layers) on the same
seeded database, drives both with wrk, and writes the section below. See bench/README.md for
what each scenario does on each side.

"""


@attrs.frozen
class Target:
    text: str
    min_ratio: float | None = None
    max_p99_ms: float | None = None
    max_factor: float | None = None
    min_rate: float | None = None
    max_mb: float | None = None
    max_growth: float | None = None


@attrs.frozen
class Comparison:
    """One scenario: the product against its raw counterpart, over the same rounds."""

    title: str
    baseline: str
    product: Summary
    raw: Summary | None = None
    target: Target | None = None

    @property
    def ratio(self) -> float | None:
        if self.raw is None or self.raw.per_second <= 0:
            return None
        return self.product.per_second / self.raw.per_second

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        if self.target.min_ratio is not None:
            return self.ratio is not None and self.ratio >= self.target.min_ratio
        if self.target.max_p99_ms is not None:
            return self.product.p99_ms <= self.target.max_p99_ms
        return None


@attrs.frozen
class Scaling:
    """p50 of a list at a large table against the same list at a small one."""

    title: str
    small: Summary
    large: Summary
    target: Target

    @property
    def factor(self) -> float:
        return self.large.p50_ms / self.small.p50_ms if self.small.p50_ms > 0 else float("inf")

    @property
    def met(self) -> bool | None:
        return None if self.target.max_factor is None else self.factor <= self.target.max_factor


@attrs.frozen
class Throughput:
    """Rows per second of one import."""

    title: str
    rows: int
    seconds: float
    detail: str
    target: Target

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def met(self) -> bool:
        return self.target.min_rate is None or self.rate >= self.target.min_rate


@attrs.frozen
class Memory:
    """The server's resident memory at points of a run of mixed requests."""

    points: tuple[tuple[int, float], ...]
    """(requests served, MB)."""
    mix: str
    target: Target

    @property
    def growth(self) -> float | None:
        """The last point over the one at half its requests, less one."""
        if len(self.points) < 2:
            return None
        (_, half), (_, last) = self.points[-2], self.points[-1]
        return last / half - 1 if half > 0 else None

    @property
    def met(self) -> bool:
        last = self.points[-1][1] if self.points else 0.0
        growth = self.growth
        within_size = self.target.max_mb is None or last <= self.target.max_mb
        within_growth = self.target.max_growth is None or (
            growth is not None and growth <= self.target.max_growth
        )
        return within_size and within_growth


@attrs.frozen
class RunReport:
    date: str
    command: str
    quick: bool
    machine: tuple[tuple[str, str], ...]
    settings: tuple[str, ...]
    data: tuple[str, ...]
    comparisons: tuple[Comparison, ...]
    scaling: tuple[Scaling, ...] = ()
    imports: tuple[Throughput, ...] = ()
    memory: Memory | None = None
    dispatch: tuple[Comparison, ...] = ()
    """The batch dispatcher against a raw loop: dials for requests, rounds of dials for
    latencies."""
    notes: tuple[str, ...] = ()


def _rate(value: float) -> str:
    return f"{value:,.0f}"


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _met(met: bool | None) -> str:
    return "—" if met is None else ("yes" if met else "**no**")


def _side(summary: Summary | None) -> tuple[str, str]:
    if summary is None:
        return "—", "—"
    spread = ""
    if summary.rounds > 1:
        spread = f" ({_rate(summary.per_second_low)} to {_rate(summary.per_second_high)})"
    errors = f", {summary.errors:,} errors" if summary.errors else ""
    return (
        _rate(summary.per_second) + spread,
        f"{_ms(summary.p50_ms)} / {_ms(summary.p99_ms)}{errors}",
    )


def render(run: RunReport) -> str:
    lines: list[str] = []
    add = lines.append
    if run.quick:
        add("## Harness check (`BENCH_QUICK=1`): not results")
        add("")
        add(
            "Reduced data and short rounds, to show that the harness works end to end. The"
            " figures say nothing about the product's speed; run `make bench` on an idle"
            " machine for those."
        )
    else:
        add("## Results")
    add("")
    add(f"- Date: {run.date}")
    add(f"- Command: `{run.command}`")
    for name, value in run.machine:
        add(f"- {name}: {value}")
    add("")
    add("Settings:")
    add("")
    lines.extend(f"- {setting}" for setting in run.settings)
    add("")
    add("Data:")
    add("")
    lines.extend(f"- {item}" for item in run.data)
    add("")
    if run.comparisons:
        add("### Request paths")
        add("")
        add(
            "req/s is all requests over all rounds' time (lowest to highest round in brackets);"
            " latency is the median round's p50 and the worst round's p99, in ms."
        )
        add("")
        _comparisons(lines, run.comparisons, "req/s", "p50 / p99")
    if run.dispatch:
        if run.comparisons:
            add("")
        add("### Batch dispatch")
        add("")
        add(
            "dials/s is all dials over all runs' time (lowest to highest run in brackets); a"
            " round is one claim of due leads and their dials, and its latency is the median"
            " run's median round and the worst run's p99 round, in ms."
        )
        add("")
        _comparisons(lines, run.dispatch, "dials/s", "round p50 / p99")
    if run.scaling:
        add("")
        add("### Lists at a large table")
        add("")
        add("| list | p50 small | p50 large | large ÷ small | target | met |")
        add("|---|---|---|---|---|---|")
        for s in run.scaling:
            add(
                f"| {s.title} | {_ms(s.small.p50_ms)} | {_ms(s.large.p50_ms)} | {s.factor:.2f}"
                f" | {s.target.text} | {_met(s.met)} |"
            )
    if run.imports:
        add("")
        add("### Lead import")
        add("")
        add("| path | rows | seconds | rows/s | result | target | met |")
        add("|---|---|---|---|---|---|---|")
        for t in run.imports:
            add(
                f"| {t.title} | {t.rows:,} | {t.seconds:.1f} | {_rate(t.rate)} | {t.detail}"
                f" | {t.target.text} | {_met(t.met)} |"
            )
    if run.memory is not None:
        m = run.memory
        add("")
        add("### Server memory")
        add("")
        add(f"Mixed requests: {m.mix}")
        add("")
        add("| requests served | RSS (MB) |")
        add("|---|---|")
        for served, megabytes in m.points:
            add(f"| {f'{served:,}' if served else 'at start'} | {megabytes:.0f} |")
        growth = f"{m.growth * 100:+.1f} %" if m.growth is not None else "—"
        add("")
        add(f"Growth over the second half: {growth}. Target: {m.target.text}. Met: {_met(m.met)}.")
    if run.notes:
        add("")
        add("### Notes")
        add("")
        lines.extend(f"- {note}" for note in run.notes)
    return "\n".join(lines) + "\n"


def _comparisons(
    lines: list[str], comparisons: tuple[Comparison, ...], rate: str, latency: str
) -> None:
    lines.append(
        f"| scenario | raw side | raw {rate} | raw {latency} | product {rate}"
        f" | product {latency} | ratio | target | met |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for c in comparisons:
        raw_rate, raw_latency = _side(c.raw)
        product_rate, product_latency = _side(c.product)
        ratio = f"{c.ratio:.2f}" if c.ratio is not None else "—"
        target = c.target.text if c.target else "—"
        lines.append(
            f"| {c.title} | {c.baseline} | {raw_rate} | {raw_latency} | {product_rate}"
            f" | {product_latency} | {ratio} | {target} | {_met(c.met)} |"
        )


def markers(only: frozenset[str] = frozenset()) -> tuple[str, str]:
    """The markers around a run's section: a whole run's, or a run of some scenarios
    (`BENCH_ONLY`), whose section stands beside the whole run's instead of replacing it."""
    if not only:
        return BEGIN, END
    keys = ",".join(sorted(only))
    return (
        f"<!-- bench:begin only={keys} (written by `BENCH_ONLY={keys} make bench`;"
        " edit outside these markers) -->",
        f"<!-- bench:end only={keys} -->",
    )


_PARTIAL = re.compile(r"<!-- bench:begin only=.*?<!-- bench:end only=[^>]*-->\n*", re.S)


def merge(existing: str | None, section: str, only: frozenset[str] = frozenset()) -> str:
    """The document with `section` between the run's markers: replacing what was there, or
    added (a run of some scenarios after the whole run's section). A whole run drops the
    sections of earlier runs of some scenarios: its own figures are newer."""
    begin, end = markers(only)
    block = f"{begin}\n{section}{end}\n"
    if not existing:
        return HEADER + block
    text = existing if only else _PARTIAL.sub("", existing)
    start = text.find(begin)
    stop = text.find(end, start) if start != -1 else -1
    if stop != -1:
        rest = text[stop + len(end) :].lstrip("\n")
        return text[:start] + block + ("\n" + rest if rest else "")
    whole_end = text.find(END) if only else -1
    if whole_end != -1:
        cut = whole_end + len(END)
        rest = text[cut:].lstrip("\n")
        return text[:cut] + "\n\n" + block + ("\n" + rest if rest else "")
    return text.rstrip("\n") + "\n\n" + block

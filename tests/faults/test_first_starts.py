"""Simultaneous first starts: the README promises that any number of `migrate` and `serve`
processes may start at once on a fresh database. One migrates and installs the catalogue,
the others wait for it and find nothing left to do."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from application.catalogue import FEATURES, PLANS
from tests.faults.harness import Cluster, Service, free_port

pytestmark = pytest.mark.faults

# Each round starts four processes on a fresh database; before the fix the first round
# already failed. Two rounds keep the test's cost (about 20 s of CPU) within the suite's budget.
ROUNDS = 2


def _catalogue(url: str) -> tuple[list[str], list[str]]:
    with psycopg.connect(url, connect_timeout=10) as conn:
        features = [r[0] for r in conn.execute("SELECT feature_key FROM features ORDER BY 1")]
        plans = [r[0] for r in conn.execute("SELECT name FROM plans ORDER BY 1")]
    return features, plans


def test_two_migrates_and_two_serves_at_once_on_a_fresh_database_all_succeed(
    cluster: Cluster, tmp_path: Path, services: list[Service]
) -> None:
    for round_ in range(ROUNDS):
        env = {"DATABASE_URL": cluster.create_database(f"first_start_{round_}")}
        logs = tmp_path / f"round-{round_}"

        def migrate(
            n: int, env: dict[str, str] = env, logs: Path = logs
        ) -> subprocess.CompletedProcess[str]:
            return Service.run(["migrate"], env=env, log_path=logs / f"migrate-{n}.log")

        def serve(n: int, env: dict[str, str] = env, logs: Path = logs) -> Service:
            service = Service.start(
                ["serve", "--port", str(free_port())],
                env={**env, "VOICE_AGENT_WORKER": "false"},
                log_path=logs / f"serve-{n}.log",
                ready_path=None,
            )
            services.append(service)
            service.wait_until_ready("/readyz", timeout=60)
            return service

        with ThreadPoolExecutor(4) as pool:
            migrating = [pool.submit(migrate, n) for n in range(2)]
            serving = [pool.submit(serve, n) for n in range(2)]
            migrated = [future.result(timeout=90) for future in migrating]
            served = [future.result(timeout=90) for future in serving]

        for done in migrated:
            assert done.returncode == 0, done.stderr[-3000:]
            assert done.stdout.splitlines()[-1].startswith("database at "), done.stdout[-3000:]
        assert _catalogue(env["DATABASE_URL"]) == (
            sorted(f.key for f in FEATURES),
            sorted(p.name for p in PLANS),
        )
        for service in served:
            assert service.stop() == 0, service.log_text()[-3000:]

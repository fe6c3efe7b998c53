"""Fixtures of the fault suite: each test gets PostgreSQL servers and processes of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.harness import Cluster, Service

pytestmark = pytest.mark.faults


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    server = Cluster.create()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def services() -> Iterator[list[Service]]:
    """Append each process started in a test here: they are killed at its end."""
    started: list[Service] = []
    try:
        yield started
    finally:
        for service in started:
            service.kill()

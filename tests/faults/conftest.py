"""Fixtures of the fault suite: each test gets PostgreSQL servers and processes of its own."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.faults.harness import Cluster, Service, postmaster_of

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


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A VOICE_AGENT_DATA_DIR for `serve` on the embedded default. Not under pytest's rotating
    tmp dirs: as root the server runs as another user, and another pytest run could delete it."""
    home = Path(tempfile.mkdtemp(prefix="voice-agent-fault-embedded-"))
    try:
        yield home
    finally:
        left = postmaster_of(home / "pg")
        if left is not None:  # the test failed: do not leave its server behind
            with contextlib.suppress(psutil.Error):
                left.terminate()
                left.wait(10)
        shutil.rmtree(home, ignore_errors=True)

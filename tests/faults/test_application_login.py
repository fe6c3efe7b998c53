"""`serve` with no configuration runs as the application's login, not as the embedded
server's superuser: the API's pool and the worker's connections all log in as
`voice_agent_app`, which `migrate` made a login on first start."""

from __future__ import annotations

import contextlib
from pathlib import Path

import psutil
import pytest

from adapters.postgres.rls import APP_ROLE
from entrypoints.cli import EMBEDDED_DATABASE
from tests.faults.harness import Service, free_port, postmaster_of

pytestmark = pytest.mark.faults


def _sessions(postmaster: psutil.Process, database: str) -> list[str]:
    """The login of each client session on `database`, from the backends' process titles
    ("postgres: <login> <database> <client> <state>")."""
    logins = []
    for backend in postmaster.children():
        with contextlib.suppress(psutil.NoSuchProcess):
            title = " ".join(backend.cmdline()).split()
            if len(title) > 2 and title[0] == "postgres:" and title[2] == database:
                logins.append(title[1])
    return logins


def test_serve_on_the_embedded_default_runs_as_the_application_login(
    data_dir: Path, services: list[Service]
) -> None:
    service = Service.start(
        ["serve", "--port", str(free_port())],
        env={"VOICE_AGENT_DATA_DIR": str(data_dir), "VOICE_AGENT_SEED_DEMO": "true"},
        log_path=data_dir / "serve.log",
        ready_path="/readyz",
        timeout=90,
    )
    services.append(service)

    token = (data_dir / "demo-token").read_text().strip()
    status, _, me = service.http("GET", "/v1/me", token=token)
    assert status == 200, me
    postmaster = postmaster_of(data_dir / "pg")
    assert postmaster is not None
    logins = _sessions(postmaster, EMBEDDED_DATABASE)
    assert logins, "no session of serve on the embedded server"
    assert set(logins) == {APP_ROLE}
    assert service.stop() == 0

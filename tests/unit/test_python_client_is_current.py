"""The Python client in clients/python is what the generator makes of the current OpenAPI
document: generated again into a temporary directory, it is the same, byte for byte (about
three seconds). And it is the client installed here, every module of which imports."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import voice_agent_client

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "python"
# What installing, importing or building the client leaves beside it, not generated.
LEFT_BY_USE = {
    "__pycache__",
    ".pdm-build",  # an editable install's
    ".ruff_cache",
    ".mypy_cache",
    ".pytest_cache",
    "build",
    "dist",
}


def files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
        and not LEFT_BY_USE & set(path.relative_to(root).parts)
        and not path.name.endswith(".egg-info")
    }


def test_the_committed_python_client_is_generated_from_the_current_document(tmp_path):
    fresh = tmp_path / "python"
    # The venv this test runs in: its voice-agent, generator and ruff.
    env = os.environ | {"VOICE_AGENT_BIN": str(Path(sys.executable).parent)}

    run = subprocess.run(
        [ROOT / "scripts" / "generate-client", fresh],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 0, f"the client could not be generated:\n{run.stdout}{run.stderr}"
    made, committed = files(fresh), files(CLIENT)
    stale = sorted(n for n in made.keys() | committed.keys() if made.get(n) != committed.get(n))
    assert not stale, (
        f"clients/python is stale ({len(stale)} files differ from what the current OpenAPI "
        f"document generates, e.g. {', '.join(stale[:5])}): run `make client` and commit it"
    )


def test_the_installed_client_is_the_committed_one_and_every_module_imports():
    assert Path(voice_agent_client.__file__).parent == CLIENT / "voice_agent_client"
    modules = [
        importlib.import_module(m.name)
        for m in pkgutil.walk_packages(voice_agent_client.__path__, "voice_agent_client.")
    ]
    assert "voice_agent_client.api.calls.place_call" in {m.__name__ for m in modules}

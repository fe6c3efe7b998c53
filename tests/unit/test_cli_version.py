import sys
import tomllib
from pathlib import Path

import pytest

from entrypoints import console_script

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def test_version_prints_the_package_version_and_exits_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    version = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    monkeypatch.setattr(sys, "argv", ["voice-agent", "--version"])

    with pytest.raises(SystemExit) as exit_:
        console_script.main()

    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"voice-agent {version}\n"

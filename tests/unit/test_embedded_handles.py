"""The embedded server's handle list forgets processes that are gone, so the last live user
of the server still stops it (a killed `serve` never lets go by itself)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from adapters.postgres.embedded import HANDLE_STARTS_FILE, HANDLES_FILE, release_stale_handles


def _spawn() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


@pytest.fixture
def live_child() -> Iterator[subprocess.Popen[bytes]]:
    child = _spawn()
    try:
        yield child
    finally:
        child.kill()
        child.wait(10)


def _gone_pid() -> int:
    child = _spawn()
    child.kill()
    child.wait(10)
    return child.pid


def _list(data_dir: Path, pids: list[int], starts: dict[int, float] | None = None) -> None:
    (data_dir / HANDLES_FILE).write_text(json.dumps(pids))
    if starts is not None:
        (data_dir / HANDLE_STARTS_FILE).write_text(
            json.dumps({str(pid): at for pid, at in starts.items()})
        )


def _until_zombie(process: psutil.Process, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while process.status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the killed child did not exit"
        time.sleep(0.01)


def _listed(data_dir: Path) -> list[int]:
    return list(json.loads((data_dir / HANDLES_FILE).read_text()))


def test_processes_that_are_gone_are_released(
    tmp_path: Path, live_child: subprocess.Popen[bytes]
) -> None:
    gone = _gone_pid()
    started = psutil.Process(live_child.pid).create_time()
    _list(tmp_path, [gone, live_child.pid, os.getpid()], {live_child.pid: started})

    assert release_stale_handles(tmp_path) == [gone]

    assert _listed(tmp_path) == [live_child.pid, os.getpid()]
    kept_starts = json.loads((tmp_path / HANDLE_STARTS_FILE).read_text())
    assert kept_starts == {str(live_child.pid): started}


def test_a_pid_now_used_by_another_process_is_released(
    tmp_path: Path, live_child: subprocess.Popen[bytes]
) -> None:
    # The listed process started a minute before the one that holds its pid now.
    earlier = psutil.Process(live_child.pid).create_time() - 60
    _list(tmp_path, [live_child.pid, os.getpid()], {live_child.pid: earlier})

    assert release_stale_handles(tmp_path) == [live_child.pid]
    assert _listed(tmp_path) == [os.getpid()]


def test_a_killed_process_not_yet_reaped_is_released(tmp_path: Path) -> None:
    child = _spawn()
    try:
        listed = psutil.Process(child.pid)
        child.kill()
        _until_zombie(listed)  # exited, not yet reaped by its parent (us)
        _list(tmp_path, [child.pid, os.getpid()])

        assert release_stale_handles(tmp_path) == [child.pid]
        assert _listed(tmp_path) == [os.getpid()]
    finally:
        child.wait(10)


def test_live_processes_are_kept_and_nothing_is_rewritten(
    tmp_path: Path, live_child: subprocess.Popen[bytes]
) -> None:
    _list(tmp_path, [live_child.pid, os.getpid()])  # no start recorded: kept as it is
    before = (tmp_path / HANDLES_FILE).stat().st_mtime_ns

    assert release_stale_handles(tmp_path) == []
    assert _listed(tmp_path) == [live_child.pid, os.getpid()]
    assert (tmp_path / HANDLES_FILE).stat().st_mtime_ns == before


def test_a_data_dir_without_a_handle_list_has_nothing_to_release(tmp_path: Path) -> None:
    assert release_stale_handles(tmp_path) == []
    assert not (tmp_path / HANDLES_FILE).exists()

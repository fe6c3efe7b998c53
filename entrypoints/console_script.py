"""The `voice-agent` command, as pyproject's console script calls it.

Light on purpose: import worker processes are spawned, and a spawned process first runs the
script that started its parent again (multiprocessing's way of restoring `__main__`), so what
this module imports every worker imports too: the whole application would take each worker a
second to start and a hundred megabytes. The command's code is loaded when it runs."""

from __future__ import annotations


def main() -> int:
    from entrypoints.cli import main as run

    return run()

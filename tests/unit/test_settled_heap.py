"""What start-up made is set apart from the garbage collector's full collections."""

from __future__ import annotations

import gc

from entrypoints.cli import settle_heap


async def test_what_start_up_made_is_left_out_of_full_collections():
    made_at_start = [{"n": n} for n in range(10_000)]
    tracked_before = len(gc.get_objects())
    try:
        await settle_heap()

        # A full collection walks the tracked objects; the frozen ones are not among them.
        assert gc.get_freeze_count() >= len(made_at_start)
        assert len(gc.get_objects()) < tracked_before / 10
        assert not any(tracked is made_at_start[0] for tracked in gc.get_objects())
    finally:
        gc.unfreeze()

"""What a process remembers for a while, renewed before it expires by one caller at a time.

An entry is kept until `until` (its loading plus the cache's time to live: what another
process changed is seen within that bound) and is due for renewal from `renew_at`, some of
its life earlier. When every caller found an expired entry at once and loaded it again,
every request in flight for one token or tenant went to the database together, once per time
to live: with 32 cached feature checks in flight, all 32 stalled up to 171 ms every five
seconds against a median of 4 ms (bench/, `feature`). So the first caller to find an entry
due is told to load it, and while that load is under way the others are answered from the
entry, which has not expired.

A caller that finds nothing kept waits for the load of the same entry another caller has
under way (`LoadsUnderWay`), then asks again: after an idle spell longer than the time to
live, the first requests of a burst all find nothing, and each loaded it (the first 32
feature checks of a round, up to 238 ms).

Where a caller first asks without a transaction and, told nothing, asks again inside one
(`AccessCache.access`, then `authorize`), the second question must not be answered from the
entry it is renewing: `while_renewed=False` says so, and makes that caller load.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Hashable, Iterator
from datetime import datetime
from typing import Generic, TypeVar

import attrs

# The part of an entry's life after which it is renewed.
RENEW_AFTER = 0.75

Value = TypeVar("Value")
Key = TypeVar("Key")
# A wall-clock instant or a monotonic reading: each cache keeps one.
When = TypeVar("When", datetime, float)


@attrs.define(slots=True)
class Kept(Generic[Value, When]):
    value: Value
    renew_at: When
    until: When
    renewing: bool = False


def kept(
    entries: dict[Key, Kept[Value, When]], key: Key, now: When, *, while_renewed: bool = True
) -> Value | None:
    """The value kept for `key`, or None when the caller must load it: nothing kept, kept
    too long, or due for renewal and this caller the first to find it so. Once one caller
    renews an entry, the others get its value (unless `while_renewed` is False) until it
    expires or the renewal replaces it."""
    found = entries.get(key)
    if found is None:
        return None
    if now >= found.until:
        del entries[key]
        return None
    if found.renewing:
        return found.value if while_renewed else None
    if now >= found.renew_at:
        found.renewing = True
        return None
    return found.value


def keep(
    entries: dict[Key, Kept[Value, When]], key: Key, value: Value, loaded_at: When, until: When
) -> None:
    """Keep `value` loaded at `loaded_at` until `until`, due for renewal most of the way
    there."""
    renew_at = loaded_at + (until - loaded_at) * RENEW_AFTER
    # Put last, as the newest: a bounded cache drops its first entries.
    entries.pop(key, None)
    entries[key] = Kept(value, renew_at, until)


class LoadsUnderWay:
    """The loads of a cache's entries under way, by key."""

    def __init__(self) -> None:
        self._done: dict[Hashable, asyncio.Event] = {}

    async def wait(self, key: Hashable) -> bool:
        """Wait for the load of `key` under way, if one is; whether one was. The caller then
        asks the cache again, and loads the entry itself if the load kept nothing."""
        done = self._done.get(key)
        if done is None:
            return False
        await done.wait()
        return True

    @contextlib.contextmanager
    def loading(self, key: Hashable) -> Iterator[None]:
        """Mark the load of `key` under way while the block runs, however it ends."""
        done = self._done.get(key)
        if done is None:
            done = self._done[key] = asyncio.Event()
        try:
            yield
        finally:
            if self._done.get(key) is done:
                del self._done[key]
            done.set()

"""UUIDv7 ids (time-ordered: good index locality, creation order for free)."""

from __future__ import annotations

import os
import threading
import time
from uuid import UUID

_RANDOM_BYTES = 10 * 400  # random bits for 400 ids per system call


class _Sequence:
    """The process's ids: each one's millisecond is past the one before's (moved on by one
    when the clock has not), so ids made one after another in a process increase, as
    uuid6.uuid7 makes them. Bulk work makes ids by the hundred thousand: random bits are
    read in blocks and the UUID built from one integer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._random = b""
        self._at = 0

    def next(self) -> UUID:
        with self._lock:
            ms = time.time_ns() // 1_000_000
            if ms <= self._last_ms:
                ms = self._last_ms + 1
            self._last_ms = ms
            if self._at >= len(self._random):
                self._random, self._at = os.urandom(_RANDOM_BYTES), 0
            bits = int.from_bytes(self._random[self._at : self._at + 10])
            self._at += 10
        # 48 bits of milliseconds, version 7, 12 random bits, variant 0b10, 62 random bits.
        return UUID(
            int=(ms & 0xFFFF_FFFF_FFFF) << 80
            | 0x7 << 76
            | (bits >> 68 & 0xFFF) << 64
            | 0b10 << 62
            | bits & (1 << 62) - 1
        )

    def forget_random(self) -> None:
        """In a forked child: the bits read before belong to the parent's ids."""
        self._lock = threading.Lock()
        self._random, self._at = b"", 0


_SEQUENCE = _Sequence()
os.register_at_fork(after_in_child=_SEQUENCE.forget_random)


class Uuid7Generator:
    def new(self) -> UUID:
        return _SEQUENCE.next()

"""UUIDv7 ids: time-ordered, unique, and never shared with a forked child."""

from __future__ import annotations

import os
import time
from uuid import UUID

from adapters.ids import Uuid7Generator


def test_ids_are_version_7_and_increase_one_after_another() -> None:
    ids = Uuid7Generator()
    before = time.time_ns() // 1_000_000

    made = [ids.new() for _ in range(5000)]

    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert {(i.version, i.variant) for i in made} == {(7, "specified in RFC 4122")}
    assert made[0].int >> 80 >= before  # the first one's millisecond is now's


def test_two_generators_of_a_process_share_one_order() -> None:
    a, b = Uuid7Generator(), Uuid7Generator()

    made = [g.new() for _ in range(100) for g in (a, b)]

    assert made == sorted(made)


def test_the_random_bits_are_random() -> None:
    ids = Uuid7Generator()
    low = {ids.new().int & (1 << 62) - 1 for _ in range(1000)}

    assert len(low) == 1000


def test_a_forked_child_makes_ids_of_its_own() -> None:
    ids = Uuid7Generator()
    ids.new()  # random bits read ahead
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        os.write(write, ids.new().bytes)
        os._exit(0)
    os.waitpid(child, 0)
    theirs = UUID(bytes=os.read(read, 16))
    mine = ids.new()

    assert theirs.int & (1 << 62) - 1 != mine.int & (1 << 62) - 1

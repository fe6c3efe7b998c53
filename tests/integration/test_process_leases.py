"""Process leases on PostgreSQL: held while the process runs, taken again after its
connection is cut, free once it lets go; only a lease no session holds counts as gone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import psycopg
import pytest

from adapters.postgres.engine import libpq_url
from adapters.postgres.leases import LEASES, PostgresProcessLeases

pytestmark = pytest.mark.postgres

KEEP_EVERY = 0.05
WAIT_SECONDS = 10


@pytest.fixture
async def leases(pg_url: str) -> AsyncIterator[list[PostgresProcessLeases]]:
    """Make leases by appending; each is released at the end."""
    made: list[PostgresProcessLeases] = []
    yield made
    for lease in made:
        await lease.release()


def holder(pg_url: str, instance: int) -> int | None:
    """The backend (session) holding `instance`'s lease, if any."""
    with psycopg.connect(libpq_url(pg_url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s AND objid = %s AND database ="
            " (SELECT oid FROM pg_database WHERE datname = current_database())",
            (LEASES, instance),
        ).fetchone()
    return int(row[0]) if row else None


async def test_a_held_lease_is_not_gone_and_a_released_one_is(
    pg_url: str, leases: list[PostgresProcessLeases]
) -> None:
    running, starting = (PostgresProcessLeases(pg_url) for _ in range(2))
    leases.extend([running, starting])
    await running.hold(11)
    await starting.hold(12)

    assert await starting.gone({11, 12, 13}) == {13}
    assert await running.gone([]) == set()

    await running.release()
    await running.release()  # again: nothing happens
    assert await starting.gone({11, 12}) == {11}
    assert holder(pg_url, 11) is None


async def test_a_lease_lost_with_its_connection_is_taken_again(
    pg_url: str, leases: list[PostgresProcessLeases]
) -> None:
    lease = PostgresProcessLeases(pg_url, keep_every=KEEP_EVERY)
    leases.append(lease)
    await lease.hold(21)
    first = holder(pg_url, 21)
    assert first is not None

    with psycopg.connect(libpq_url(pg_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))

    async with asyncio.timeout(WAIT_SECONDS):
        while holder(pg_url, 21) in (None, first):  # noqa: ASYNC110 - another process's state
            await asyncio.sleep(KEEP_EVERY)
    assert await PostgresProcessLeases(pg_url).gone({21}) == set()

"""Races the in-memory adapter decides at commit, as PostgreSQL's locks and indexes would.

(On PostgreSQL the second writer blocks on a row lock or the unique index until the first
commits, which a single-task test cannot interleave; these are the memory-side guarantees.)
"""

from __future__ import annotations

import pytest

from adapters.memory.unit_of_work import InMemoryDatabase
from application.errors import AlreadyExists, ConcurrencyConflict
from application.pagination import PageRequest
from domain.values import Email
from tests.contract.test_unit_of_work import a_user, given


async def test_two_saves_from_one_version_cannot_both_commit():
    uows = InMemoryDatabase().unit_of_work
    user = a_user()
    await given(uows, user)
    async with uows() as a, uows() as b:
        ua, ub = await a.users.get(user.id), await b.users.get(user.id)
        assert ua is not None
        assert ub is not None
        ua.first_name, ub.first_name = "A", "B"
        await a.users.save(ua)
        await b.users.save(ub)
        await a.commit()
        with pytest.raises(ConcurrencyConflict):
            await b.commit()
    async with uows() as tx:
        stored = await tx.users.get(user.id)
    assert stored is not None
    assert (stored.first_name, stored.version) == ("A", 1)


async def test_the_same_email_added_twice_at_once_commits_once():
    uows = InMemoryDatabase().unit_of_work
    async with uows() as a, uows() as b:
        await a.users.add(a_user("dup@example.com"))
        await b.users.add(a_user("DUP@example.com"))
        await a.commit()
        with pytest.raises(AlreadyExists):
            await b.commit()
    async with uows() as tx:
        assert await tx.users.by_email(Email.parse("dup@example.com")) is not None
        assert len(await tx.users.list(PageRequest())) == 1

"""Removing a user: what was theirs goes, what they made stays and forgets them."""

from __future__ import annotations

import pytest

from adapters.clock import SystemClock
from adapters.ids import Uuid7Generator
from application.access import Principal
from application.context import UseCaseDeps
from application.credentials import CreateApiKey, CredentialService, IssueUserToken
from application.errors import ConcurrencyConflict
from application.pagination import PageRequest
from application.ports.unit_of_work import UnitOfWorkFactory
from application.tenancy import AddMember, MembershipService
from domain.tenancy import Role
from tests.support import PLATFORM, World


async def test_a_removed_user_takes_their_memberships_and_tokens_and_leaves_their_keys(
    uows: UnitOfWorkFactory,
) -> None:
    deps = UseCaseDeps(uows=uows, ids=Uuid7Generator(), clock=SystemClock())
    world = World(deps)
    owner = await world.user("owner@example.com")
    leaving = await world.user("leaving@example.com")
    tenant = await world.tenant(owner)
    await MembershipService(deps).add_member(PLATFORM, AddMember(tenant.id, Role.ADMIN, leaving.id))
    credentials = CredentialService(deps)
    key = await credentials.create_api_key(
        Principal.user(leaving.id), CreateApiKey(tenant.id, "ci", Role.MEMBER)
    )
    await credentials.issue_user_token(PLATFORM, IssueUserToken(leaving.id, "laptop"))

    async with uows(user_id=leaving.id) as tx:
        stale = await tx.users.get(leaving.id)
        assert stale is not None
        stale.version -= 1
        with pytest.raises(ConcurrencyConflict):
            await tx.users.remove(stale)
    async with uows(user_id=leaving.id) as tx:  # not committed: nothing happens
        user = await tx.users.get_for_update(leaving.id)
        assert user is not None
        await tx.users.remove(user)
    async with uows(user_id=leaving.id) as tx:
        assert await tx.users.get(leaving.id) is not None
        user = await tx.users.get_for_update(leaving.id)
        assert user is not None
        await tx.users.remove(user)
        await tx.commit()

    async with uows(tenant_id=tenant.id) as tx:
        assert await tx.users.get(leaving.id) is None
        assert await tx.memberships.get(tenant.id, leaving.id) is None
        assert await tx.memberships.count(tenant.id) == 1
        kept = await tx.api_keys.get(tenant.id, key.credential.id)
        assert await tx.user_tokens.list(leaving.id, PageRequest()) == []
    assert kept is not None
    assert kept.created_by is None

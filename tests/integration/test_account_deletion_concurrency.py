"""Accounts deleted while owners change: every tenant keeps an owner."""

from __future__ import annotations

import asyncio
import random

import pytest

from application.access import Principal
from application.account_deletion import AccountDeletionService
from application.errors import ConcurrencyConflict, NotFound, PermissionDenied
from application.pagination import PageRequest
from application.tenancy import AddMember, ChangeRole, MembershipService
from domain.errors import LastOwnerOfTenants, LastOwnerRequired, OwnerRoleReserved
from domain.tenancy import Role
from tests.support import PLATFORM, World

pytestmark = pytest.mark.postgres

# Refusals a race may legitimately produce: a last owner protected; the target or the
# actor already gone or no longer entitled; a membership changed under a deletion.
EXPECTED_REFUSALS = (
    LastOwnerOfTenants,
    LastOwnerRequired,
    ConcurrencyConflict,
    NotFound,
    OwnerRoleReserved,
    PermissionDenied,
)


@pytest.mark.parametrize("seed", range(4))
async def test_deletions_racing_each_other_and_owner_changes_leave_every_tenant_an_owner(
    pg_deps, seed
):
    rng = random.Random(seed)
    world = World(pg_deps)
    members = MembershipService(pg_deps)
    accounts = AccountDeletionService(pg_deps)
    owners = [await world.user(f"owner{i}@example.com") for i in range(3)]
    # Two tenants sharing owners, so that deletions lock more than one tenant each.
    tenants = [await world.tenant(owners[0], "One"), await world.tenant(owners[1], "Two")]
    for tenant in tenants:
        for owner in owners:
            if await _role(members, tenant.id, owner.id) is None:
                await members.add_member(PLATFORM, AddMember(tenant.id, Role.OWNER, owner.id))

    def attack(actor, target, tenant):
        who = Principal.user(actor.id)
        roll = rng.random()
        if roll < 0.5:
            return accounts.delete_account(who, actor.id)
        if roll < 0.75:
            return members.change_role(who, ChangeRole(tenant.id, target.id, Role.ADMIN))
        return members.transfer_ownership(who, tenant.id, target.id)

    attacks = [
        attack(actor, target, tenant)
        for actor in owners
        for target in owners
        for tenant in tenants
        if actor != target
    ]
    rng.shuffle(attacks)
    results = await asyncio.gather(*attacks, return_exceptions=True)

    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, EXPECTED_REFUSALS)
    ]
    assert unexpected == []
    for tenant in tenants:
        page = await members.list_members(PLATFORM, tenant.id, PageRequest())
        assert Role.OWNER in [m.membership.role for m in page.items], tenant.name
    async with pg_deps.uows() as tx:
        left = [o for o in owners if await tx.users.get(o.id) is not None]
    assert left, "someone must remain to own the tenants"
    assert len(left) < len(owners) or any(isinstance(r, LastOwnerOfTenants) for r in results)


async def _role(members, tenant_id, user_id):
    try:
        member = await members.get_member(PLATFORM, tenant_id, user_id)
    except NotFound:
        return None
    return member.membership.role

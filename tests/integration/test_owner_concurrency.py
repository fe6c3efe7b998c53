"""A tenant keeps an owner however many demotions and removals race each other."""

from __future__ import annotations

import asyncio
import random

import pytest

from application.access import Principal
from application.errors import ConcurrencyConflict, NotFound, PermissionDenied
from application.pagination import PageRequest
from application.tenancy import AddMember, ChangeRole, MembershipService
from domain.errors import LastOwnerRequired, OwnerRoleReserved
from domain.tenancy import Role
from tests.support import PLATFORM, World

pytestmark = pytest.mark.postgres

# Refusals a race may legitimately produce: the last owner is protected; an earlier change
# already removed the target (NotFound) or took the actor's own rights away.
EXPECTED_REFUSALS = (
    LastOwnerRequired,
    ConcurrencyConflict,
    NotFound,
    OwnerRoleReserved,
    PermissionDenied,
)


@pytest.mark.parametrize("seed", range(8))
async def test_concurrent_demotions_and_removals_leave_at_least_one_owner(pg_deps, seed):
    rng = random.Random(seed)
    world = World(pg_deps)
    members = MembershipService(pg_deps)
    first = await world.user("first@example.com")
    second = await world.user("second@example.com")
    tenant = await world.tenant(first)
    await members.add_member(PLATFORM, AddMember(tenant.id, Role.OWNER, user_id=second.id))
    owners = [first, second]

    def attack(actor, target):
        who = Principal.user(actor.id)
        if rng.random() < 0.5:
            return members.change_role(
                who, ChangeRole(tenant.id, target.id, rng.choice([Role.ADMIN, Role.VIEWER]))
            )
        return members.remove_member(who, tenant.id, target.id)

    # Each owner attacks both owners (itself included: leaving), all at once.
    attacks = [attack(actor, target) for actor in owners for target in owners]
    rng.shuffle(attacks)
    results = await asyncio.gather(*attacks, return_exceptions=True)

    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, EXPECTED_REFUSALS)
    ]
    assert unexpected == []
    assert any(not isinstance(r, Exception) for r in results), "at least one change went through"
    platform = Principal.user(first.id, is_platform_admin=True)
    page = await members.list_members(platform, tenant.id, PageRequest())
    assert [m.membership.role for m in page.items].count(Role.OWNER) >= 1

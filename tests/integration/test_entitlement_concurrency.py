"""A member limit holds however many additions race for the last place."""

from __future__ import annotations

import asyncio

import pytest

from application.access import Principal
from application.catalogue import sync_catalogue
from application.pagination import PageRequest
from application.plans import CreatePlan, PlanService, TenantFeatureService
from application.tenancy import AddMember, MembershipService
from domain.plans import EntitlementExceeded
from domain.tenancy import Member, Role
from domain.values import Email
from tests.support import PLATFORM, World

pytestmark = pytest.mark.postgres

RACERS = 8


@pytest.mark.parametrize("limit", [2, 5])
async def test_concurrent_additions_fill_the_last_place_exactly_once(pg_deps, limit):
    world = World(pg_deps)
    members = MembershipService(pg_deps)
    await sync_catalogue(pg_deps)
    plan = await PlanService(pg_deps).create_plan(PLATFORM, CreatePlan(f"team-{limit}"))
    await PlanService(pg_deps).set_plan_feature(PLATFORM, plan.id, "members.max", limit)
    owner = await world.user("owner@acme.example")
    tenant = await world.tenant(owner)
    me = Principal.user(owner.id)
    await TenantFeatureService(pg_deps).change_plan(me, tenant.id, plan.id)
    for n in range(limit - 2):  # the owner is the first member
        await members.add_member(
            me, AddMember(tenant.id, Role.MEMBER, email=Email.parse(f"early{n}@acme.example"))
        )
    emails = [Email.parse(f"racer{n}@acme.example") for n in range(RACERS)]
    # Open the pool's connections first, so that no racer is held back connecting while
    # another runs its whole transaction alone: they all reach the member count together.
    await asyncio.gather(*(members.list_members(me, tenant.id, PageRequest()) for _ in emails))

    results = await asyncio.gather(
        *(members.add_member(me, AddMember(tenant.id, Role.MEMBER, email=e)) for e in emails),
        return_exceptions=True,
    )

    added = [r for r in results if isinstance(r, Member)]
    refused = [r for r in results if isinstance(r, EntitlementExceeded)]
    assert len(added) == 1, results
    assert len(refused) == RACERS - 1, results
    assert {(e.feature, e.limit, e.used, e.wanted) for e in refused} == {
        ("members.max", limit, limit, 1)
    }
    page = await members.list_members(me, tenant.id, PageRequest(limit=50))
    assert len(page.items) == limit
    assert added[0].user.id in {m.user.id for m in page.items}
    # A refused addition created no user either: its transaction was rolled back whole.
    async with pg_deps.uows() as tx:
        created = [e for e in emails if await tx.users.by_email(e) is not None]
    assert created == [added[0].user.email]

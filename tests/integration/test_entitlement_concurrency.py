"""A member limit holds however many invitations race for the last place."""

from __future__ import annotations

import asyncio

import pytest

from adapters.memory.email import RecordingMailer
from adapters.passwords import Argon2PasswordHasher
from application.access import Principal
from application.catalogue import sync_catalogue
from application.invitations import InvitationService, InvitationView, Invite
from application.pagination import PageRequest
from application.plans import CreatePlan, PlanService, TenantFeatureService
from domain.plans import EntitlementExceeded
from domain.tenancy import Role
from domain.values import Email
from tests.support import PLATFORM, World

pytestmark = pytest.mark.postgres

RACERS = 8


@pytest.mark.parametrize("limit", [2, 5])
async def test_concurrent_invitations_fill_the_last_place_exactly_once(pg_deps, limit):
    world = World(pg_deps)
    invitations = InvitationService(
        pg_deps, RecordingMailer(), Argon2PasswordHasher.fast_for_tests()
    )
    await sync_catalogue(pg_deps)
    plan = await PlanService(pg_deps).create_plan(PLATFORM, CreatePlan(f"team-{limit}"))
    await PlanService(pg_deps).set_plan_feature(PLATFORM, plan.id, "members.max", limit)
    owner = await world.user("owner@acme.example")
    tenant = await world.tenant(owner)
    me = Principal.user(owner.id)
    await TenantFeatureService(pg_deps).change_plan(me, tenant.id, plan.id)
    for n in range(limit - 2):  # the owner is the first member; pending invitations count
        await invitations.invite(
            me, Invite(tenant.id, Email.parse(f"early{n}@acme.example"), Role.MEMBER)
        )
    emails = [Email.parse(f"racer{n}@acme.example") for n in range(RACERS)]
    # Open the pool's connections first, so that no racer is held back connecting while
    # another runs its whole transaction alone: they all reach the count together.
    await asyncio.gather(
        *(invitations.list_invitations(me, tenant.id, PageRequest()) for _ in emails)
    )

    results = await asyncio.gather(
        *(invitations.invite(me, Invite(tenant.id, e, Role.MEMBER)) for e in emails),
        return_exceptions=True,
    )

    made = [r for r in results if isinstance(r, InvitationView)]
    refused = [r for r in results if isinstance(r, EntitlementExceeded)]
    assert len(made) == 1, results
    assert len(refused) == RACERS - 1, results
    assert {(e.feature, e.limit, e.used, e.wanted) for e in refused} == {
        ("members.max", limit, limit, 1)
    }
    page = await invitations.list_invitations(me, tenant.id, PageRequest(limit=50))
    assert len(page.items) == limit - 1
    assert made[0].invitation.id in {v.invitation.id for v in page.items}

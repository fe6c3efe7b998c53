"""The invitation contract, the same on every adapter: fields round trip, saves are
version-checked, one pending invitation per address, expiry judged at read time, and
everything stays in its tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.ids import Uuid7Generator
from application.errors import AlreadyExists, ConcurrencyConflict
from application.pagination import PageRequest
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.ids import InvitationId, MembershipId, TenantId, UserId
from domain.invitations import Invitation, InvitationStatus
from domain.tenancy import Membership, Role, Tenant, User
from domain.values import Email

ids = Uuid7Generator()
T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
LIFE = timedelta(days=7)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def an_invitation(tenant: Tenant, email: str, when: float = 0) -> Invitation:
    invitation, _token = Invitation.issue(
        InvitationId(ids.new()),
        tenant.id,
        Email.parse(email),
        Role.ADMIN,
        invited_by=None,
        inviter_role=Role.OWNER,
        at=at(when),
        life=LIFE,
    )
    return invitation


async def given_tenant(uows: UnitOfWorkFactory, name: str) -> Tenant:
    tenant = Tenant(TenantId(ids.new()), name, created_at=at(0), updated_at=at(0))
    async with uows(tenant_id=tenant.id) as tx:
        await tx.tenants.add(tenant)
        await tx.commit()
    return tenant


async def stored(uows: UnitOfWorkFactory, *invitations: Invitation) -> None:
    async with uows(tenant_id=invitations[0].tenant_id) as tx:
        for invitation in invitations:
            await tx.invitations.add(invitation)
        await tx.commit()


async def test_an_invitation_round_trips_and_is_found_by_id_and_prefix_in_its_tenant_only(
    uows: UnitOfWorkFactory,
) -> None:
    acme, globex = await given_tenant(uows, "Acme"), await given_tenant(uows, "Globex")
    invitation = an_invitation(acme, "Ada@Example.com")
    await stored(uows, invitation)
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.invitations.get(acme.id, invitation.id) == invitation
        assert await tx.invitations.by_prefix(acme.id, invitation.prefix) == invitation
        assert await tx.invitations.pending_for(acme.id, Email.parse("ADA@example.com")) == (
            invitation
        )
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.invitations.get(globex.id, invitation.id) is None
        assert await tx.invitations.by_prefix(globex.id, invitation.prefix) is None
        assert await tx.invitations.count_pending(globex.id, at(1)) == 0
        assert await tx.invitations.list(globex.id, PageRequest(), status=None, now=at(1)) == []


async def test_one_pending_invitation_per_address_whatever_its_case(
    uows: UnitOfWorkFactory,
) -> None:
    acme, globex = await given_tenant(uows, "Acme"), await given_tenant(uows, "Globex")
    first = an_invitation(acme, "ada@example.com")
    await stored(uows, first)
    with pytest.raises(AlreadyExists):
        await stored(uows, an_invitation(acme, "ADA@example.com"))
    await stored(uows, an_invitation(globex, "ada@example.com"))  # another tenant's own
    first.revoke(at(1))
    async with uows(tenant_id=acme.id) as tx:
        await tx.invitations.save(first)
        await tx.commit()
    await stored(uows, an_invitation(acme, "ADA@example.com", when=1))


async def test_saves_are_version_checked_and_mark_sent_only_marks_the_current_token(
    uows: UnitOfWorkFactory,
) -> None:
    acme = await given_tenant(uows, "Acme")
    invitation = an_invitation(acme, "ada@example.com")
    await stored(uows, invitation)
    async with uows(tenant_id=acme.id) as a, uows(tenant_id=acme.id) as b:
        mine = await a.invitations.get(acme.id, invitation.id)
        theirs = await b.invitations.get(acme.id, invitation.id)
        assert mine is not None
        assert theirs is not None
        mine.reissue(at(1), LIFE)
        await a.invitations.save(mine)
        await a.commit()
        theirs.revoke(at(1))
        with pytest.raises(ConcurrencyConflict):
            await b.invitations.save(theirs)
    async with uows(tenant_id=acme.id) as tx:
        await tx.invitations.mark_sent(acme.id, invitation.id, invitation.prefix, at(2))
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        found = await tx.invitations.get(acme.id, invitation.id)
        assert found is not None
        assert found.sent_at is None  # the old token's send does not count for the new one
        await tx.invitations.mark_sent(acme.id, invitation.id, found.prefix, at(2))
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        found = await tx.invitations.get(acme.id, invitation.id)
    assert found is not None
    assert (found.sent_at, found.version, found.status) == (at(2), 1, InvitationStatus.PENDING)


async def test_counts_and_status_filters_judge_expiry_at_read_time(
    uows: UnitOfWorkFactory,
) -> None:
    acme = await given_tenant(uows, "Acme")
    old = an_invitation(acme, "old@example.com", when=0)
    new = an_invitation(acme, "new@example.com", when=3)
    declined = an_invitation(acme, "no@example.com", when=3)
    declined.decline(at(4))
    await stored(uows, old, new, declined)

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.invitations.count_pending(acme.id, at(6)) == 2
        assert await tx.invitations.count_pending(acme.id, at(7)) == 1  # old expires at 7
        listed = {
            status: [
                i.id
                for i in await tx.invitations.list(acme.id, PageRequest(), status=status, now=at(7))
            ]
            for status in InvitationStatus
        }
        page = await tx.invitations.list(acme.id, PageRequest(limit=2), status=None, now=at(7))
    assert listed[InvitationStatus.PENDING] == [new.id]
    assert listed[InvitationStatus.EXPIRED] == [old.id]
    assert listed[InvitationStatus.DECLINED] == [declined.id]
    assert listed[InvitationStatus.ACCEPTED] == listed[InvitationStatus.REVOKED] == []
    assert [i.id for i in page] == [old.id, new.id, declined.id]  # oldest first, limit + 1


async def test_address_is_member_looks_at_the_tenants_own_members_only(
    uows: UnitOfWorkFactory,
) -> None:
    acme, globex = await given_tenant(uows, "Acme"), await given_tenant(uows, "Globex")
    ada = User(UserId(ids.new()), Email.parse("Ada@example.com"), created_at=at(0),
               updated_at=at(0))  # fmt: skip
    async with uows(tenant_id=globex.id) as tx:
        await tx.users.add(ada)
        await tx.memberships.add(
            Membership.grant(
                MembershipId(ids.new()), globex.id, ada.id, Role.VIEWER, granted_by=None, at=at(0)
            )
        )
        await tx.commit()
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.invitations.address_is_member(globex.id, Email.parse("ADA@example.com"))
    async with uows(tenant_id=acme.id) as tx:
        assert not await tx.invitations.address_is_member(acme.id, Email.parse("ada@example.com"))

"""Invitations on the in-memory adapters: who may invite whom, expiry, revoke, resend,
`members.max` counting pending invitations, and acceptance."""

from __future__ import annotations

import re
from datetime import timedelta

import attrs
import pytest

from adapters.memory.email import RecordingMailer
from adapters.passwords import Argon2PasswordHasher
from application.access import Principal
from application.catalogue import sync_catalogue
from application.context import UseCaseDeps
from application.errors import AlreadyExists, NotFound, PermissionDenied
from application.invitations import AcceptInvitation, InvitationService, InvitationView, Invite
from application.pagination import PageRequest
from application.plans import SetOverride, TenantFeatureService
from application.tenancy import AddMember, MembershipService
from domain.errors import OwnerRoleReserved
from domain.invitations import InvitationNotPending, InvitationStatus, SignInToAccept
from domain.plans import EntitlementExceeded
from domain.tenancy import Role, Tenant, User
from domain.values import Email
from tests.support import PLATFORM, MutableClock, World
from tests.unit.helpers import AuditTap

PASSWORD = "correct horse battery"
LIFE = timedelta(days=7)


@attrs.define
class Site:
    service: InvitationService
    mailer: RecordingMailer
    owner: User
    tenant: Tenant
    clock: MutableClock
    deps: UseCaseDeps
    world: World

    @property
    def as_owner(self) -> Principal:
        return Principal.user(self.owner.id)

    def token_sent_to(self, address: str) -> str:
        body = self.mailer.to(address)[-1].body
        found = re.search(r"vin_[0-9a-f]{32}_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", body)
        assert found, body
        return found[0]

    async def invite(
        self, address: str, role: Role = Role.MEMBER, by: Principal | None = None
    ) -> InvitationView:
        return await self.service.invite(
            by or self.as_owner, Invite(self.tenant.id, Email.parse(address), role)
        )

    async def member(self, role: Role) -> User:
        """A person who joined by accepting an invitation, signed in."""
        user = await self.world.user(f"{role}@acme.example")
        await self.invite(user.email.value, role)
        token = self.token_sent_to(user.email.value)
        await self.service.accept(Principal.user(user.id), AcceptInvitation(token))
        return user


@pytest.fixture
async def site(deps: UseCaseDeps, world: World, clock: MutableClock) -> Site:
    owner = await world.user("owner@acme.example", first_name="Olga")
    tenant = await world.tenant(owner)
    mailer = RecordingMailer()
    service = InvitationService(
        deps, mailer, Argon2PasswordHasher.fast_for_tests(), life=LIFE,
        public_url="https://api.example.com",
    )  # fmt: skip
    return Site(service, mailer, owner, tenant, clock, deps, world)


async def test_an_invitee_accepts_with_a_password_and_gets_the_role_and_a_token(
    site: Site, audit_tap: AuditTap
) -> None:
    view = await site.invite("New.Person@Example.com", Role.ADMIN)
    assert view.status is InvitationStatus.PENDING
    assert view.invitation.sent_at is not None
    [message] = site.mailer.sent
    token = site.token_sent_to("new.person@example.com")
    assert "Acme" in message.body
    assert "admin" in message.body
    assert "Olga" in message.body
    assert "curl -X POST https://api.example.com/v1/invitations/accept" in message.body

    preview = await site.service.lookup(token)
    assert (preview.tenant_name, preview.view.invitation.role) == ("Acme", Role.ADMIN)

    accepted = await site.service.accept(None, AcceptInvitation(token, PASSWORD, "Nia"))
    assert accepted.member.membership.role is Role.ADMIN
    assert accepted.member.user.email == Email.parse("new.person@example.com")
    assert accepted.member.user.password_hash is not None
    assert accepted.token is not None
    assert accepted.token.credential.expires_at is not None

    with pytest.raises(InvitationNotPending):  # accepting twice is refused
        await site.service.accept(None, AcceptInvitation(token, PASSWORD))
    actions = [e.action for e in audit_tap.new()]
    assert {"invitation.created", "invitation.accepted", "member.added", "user.created"} <= set(
        actions
    )
    assert not any(token in str(e.changes) for e in audit_tap.new())


async def test_an_address_with_an_account_signs_in_to_accept_and_only_as_itself(
    site: Site,
) -> None:
    known = await site.world.user("known@example.com")
    other = await site.world.user("other@example.com")
    await site.invite("KNOWN@example.com")
    token = site.token_sent_to("known@example.com")
    with pytest.raises(SignInToAccept):
        await site.service.accept(None, AcceptInvitation(token, PASSWORD))
    with pytest.raises(PermissionDenied, match="another address"):
        await site.service.accept(Principal.user(other.id), AcceptInvitation(token))
    accepted = await site.service.accept(Principal.user(known.id), AcceptInvitation(token))
    assert accepted.token is None
    assert accepted.member.user.id == known.id


async def test_inviting_refuses_members_and_pending_addresses_and_admins_inviting_owners(
    site: Site,
) -> None:
    with pytest.raises(AlreadyExists, match="already a member"):
        await site.invite("OWNER@acme.example")
    first = await site.invite("dup@example.com")
    with pytest.raises(AlreadyExists) as taken:
        await site.invite("Dup@Example.com")
    assert taken.value.existing_id == first.invitation.id
    admin = await site.member(Role.ADMIN)
    with pytest.raises(OwnerRoleReserved):
        await site.invite("boss@example.com", Role.OWNER, by=Principal.user(admin.id))
    owner_invite = await site.invite("boss@example.com", Role.OWNER)
    with pytest.raises(OwnerRoleReserved):
        await site.service.revoke(Principal.user(admin.id), site.tenant.id,
                                  owner_invite.invitation.id)  # fmt: skip


async def test_pending_invitations_count_against_members_max_until_they_end(site: Site) -> None:
    await sync_catalogue(site.deps)
    await TenantFeatureService(site.deps).set_override(
        PLATFORM, SetOverride(site.tenant.id, "members.max", 3)
    )
    await site.invite("a@example.com")
    b = await site.invite("b@example.com")  # owner + 2 pending = the free plan's 3
    with pytest.raises(EntitlementExceeded):
        await site.invite("c@example.com")
    await site.service.revoke(site.as_owner, site.tenant.id, b.invitation.id)
    await site.invite("c@example.com")
    # Accepting takes the place the invitation held: not refused by its own count.
    accepted = await site.service.accept(
        None, AcceptInvitation(site.token_sent_to("a@example.com"), PASSWORD)
    )
    assert accepted.member.membership.role is Role.MEMBER
    # Expired invitations hold no place, and a new one replaces the expired one.
    site.clock.advance(days=8)
    page = await site.service.list_invitations(
        site.as_owner, site.tenant.id, PageRequest(), InvitationStatus.EXPIRED
    )
    assert [v.invitation.email.value for v in page.items] == ["c@example.com"]
    again = await site.invite("c@example.com")
    assert again.status is InvitationStatus.PENDING


async def test_an_expired_or_revoked_invitation_cannot_be_accepted_or_declined(
    site: Site,
) -> None:
    await site.invite("late@example.com")
    late = site.token_sent_to("late@example.com")
    site.clock.advance(days=7)
    with pytest.raises(InvitationNotPending, match="expired"):
        await site.service.accept(None, AcceptInvitation(late, PASSWORD))
    with pytest.raises(InvitationNotPending, match="expired"):
        await site.service.decline(late)
    revoked = await site.invite("gone@example.com")
    await site.service.revoke(site.as_owner, site.tenant.id, revoked.invitation.id)
    with pytest.raises(InvitationNotPending, match="revoked"):
        await site.service.accept(None, AcceptInvitation(site.token_sent_to("gone@example.com"),
                                                         PASSWORD))  # fmt: skip
    await site.invite("no@example.com")
    declined = await site.service.decline(site.token_sent_to("no@example.com"))
    assert declined.view.status is InvitationStatus.DECLINED
    with pytest.raises(NotFound):
        await site.service.lookup("vin_not-a-token")


async def test_resending_issues_a_new_token_and_the_old_one_stops_working(site: Site) -> None:
    view = await site.invite("again@example.com")
    old = site.token_sent_to("again@example.com")
    site.clock.advance(days=5)
    resent = await site.service.resend(site.as_owner, site.tenant.id, view.invitation.id)
    new = site.token_sent_to("again@example.com")
    assert new != old
    assert len(site.mailer.to("again@example.com")) == 2
    assert resent.invitation.expires_at == site.clock.now() + LIFE
    with pytest.raises(NotFound):
        await site.service.accept(None, AcceptInvitation(old, PASSWORD))
    await site.service.accept(None, AcceptInvitation(new, PASSWORD))


async def test_a_failed_email_leaves_the_invitation_unsent_and_a_resend_sends_it(
    site: Site,
) -> None:
    site.mailer.failing = True
    view = await site.invite("later@example.com")
    assert view.status is InvitationStatus.PENDING
    assert view.invitation.sent_at is None
    stored = await site.service.get_invitation(site.as_owner, site.tenant.id, view.invitation.id)
    assert stored.invitation.sent_at is None
    site.mailer.failing = False
    resent = await site.service.resend(site.as_owner, site.tenant.id, view.invitation.id)
    assert resent.invitation.sent_at is not None


async def test_members_and_viewers_may_not_see_or_manage_invitations_and_strangers_not_find(
    site: Site,
) -> None:
    view = await site.invite("x@example.com")
    stranger = await site.world.user("stranger@elsewhere.example")
    for who, error in (
        (await site.member(Role.MEMBER), PermissionDenied),
        (await site.member(Role.VIEWER), PermissionDenied),
        (stranger, NotFound),
    ):
        actor = Principal.user(who.id)
        with pytest.raises(error):
            await site.service.list_invitations(actor, site.tenant.id, PageRequest())
        with pytest.raises(error):
            await site.service.resend(actor, site.tenant.id, view.invitation.id)
        with pytest.raises(error):
            await site.invite("y@example.com", by=actor)


async def test_only_platform_admins_add_members_and_only_by_user_id(
    site: Site, deps: UseCaseDeps
) -> None:
    members = MembershipService(deps)
    someone = await site.world.user("someone@example.com")
    with pytest.raises(PermissionDenied, match="invitation"):
        await members.add_member(site.as_owner, AddMember(site.tenant.id, Role.MEMBER,
                                                          user_id=someone.id))  # fmt: skip
    added = await members.add_member(
        PLATFORM, AddMember(site.tenant.id, Role.MEMBER, user_id=someone.id)
    )
    assert added.user.id == someone.id

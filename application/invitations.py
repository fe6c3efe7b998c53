"""Invitations: owners and admins invite an address with a role; the holder of the invitation's
token (sent only to that address) accepts or declines it.

What inviting reveals: nothing about the address beyond the tenant's own data. Inviting never
looks at users; the answer is the same whether the address has an account anywhere or not.
Only the token's holder, who reads that mailbox, learns at acceptance whether an account
already uses the address (then they sign in to accept).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs
import structlog

from application.access import Permission, Principal, authorize
from application.context import UseCaseDeps
from application.credentials import Issued, KeyRevocation, Standing, revoke_keys_of_creator
from application.entitlements import require_capacity
from application.errors import AlreadyExists, NotFound, PermissionDenied
from application.pagination import Page, PageRequest, Position
from application.ports.email import EmailDeliveryFailed, EmailMessage, Mailer
from application.ports.passwords import PasswordHasher
from application.ports.unit_of_work import UnitOfWork
from domain.audit import Actor, ActorKind
from domain.credentials import UserToken, issue_user_token_secret
from domain.errors import InvalidValue, OwnerRoleReserved
from domain.ids import InvitationId, MembershipId, TenantId, UserId, UserTokenId
from domain.invitations import (
    DEFAULT_INVITATION_LIFE,
    Invitation,
    InvitationNotPending,
    InvitationStatus,
    PresentedInvitationToken,
    SignInToAccept,
)
from domain.passwords import new_password
from domain.tenancy import Member, Membership, Role, Tenant, User
from domain.values import Email

log = structlog.get_logger(__name__)

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"
# The personal token an invitee gets on creating their account, to start work at once.
DEFAULT_ACCEPTANCE_TOKEN_LIFE = timedelta(hours=12)


@attrs.frozen
class Invite:
    tenant_id: TenantId
    email: Email
    role: Role


@attrs.frozen
class AcceptInvitation:
    """`password` (and the names) create the invitee's account; without them the caller must
    be signed in as the invited address."""

    token: str
    password: str | None = None
    first_name: str | None = None
    last_name: str | None = None


@attrs.frozen
class InvitationView:
    """An invitation with its status as of when it was read (expiry judged then)."""

    invitation: Invitation
    status: InvitationStatus


@attrs.frozen
class InvitationPreview:
    """What the token's holder is shown: where, as what, for which address, until when."""

    view: InvitationView
    tenant_name: str


@attrs.frozen
class Accepted:
    preview: InvitationPreview
    member: Member
    token: Issued[UserToken] | None
    """The new account's personal token; None when the invitee was signed in."""


def invitation_position(view: InvitationView) -> Position:
    return Position(view.invitation.created_at, view.invitation.id)


class InvitationService:
    def __init__(
        self,
        deps: UseCaseDeps,
        mailer: Mailer,
        hasher: PasswordHasher,
        *,
        life: timedelta = DEFAULT_INVITATION_LIFE,
        public_url: str = DEFAULT_PUBLIC_URL,
        acceptance_token_life: timedelta = DEFAULT_ACCEPTANCE_TOKEN_LIFE,
    ) -> None:
        self._deps = deps
        self._mailer = mailer
        self._hasher = hasher
        self._life = life
        self._public_url = public_url.rstrip("/")
        self._token_life = acceptance_token_life

    def _view(self, invitation: Invitation) -> InvitationView:
        return InvitationView(invitation, invitation.status_at(self._deps.clock.now()))

    # --- the tenant's side ------------------------------------------------------------

    async def invite(self, principal: Principal, cmd: Invite) -> InvitationView:
        """Invite an address (owners and admins; only owners invite owners) and email it the
        token. Refused: an address that is a member already (409), one with a pending
        invitation (409 naming it: resend it instead), and past `members.max`, which counts
        members and pending invitations, checked with the tenant locked as adding members is.
        A pending invitation of the address that has expired is marked expired and replaced.

        The invitation exists once this returns, even when the email could not be handed to
        the mail system: `sent_at` is then None, and resending tries again.
        """
        now = self._deps.clock.now()
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            access = await authorize(
                principal, Permission.MEMBERS_MANAGE, cmd.tenant_id, tx, lock=True
            )
            invitation, token = Invitation.issue(
                InvitationId(self._deps.ids.new()),
                cmd.tenant_id,
                cmd.email,
                cmd.role,
                invited_by=principal.user_id,
                inviter_role=access.role,
                at=now,
                life=self._life,
            )
            if await tx.invitations.address_is_member(cmd.tenant_id, cmd.email):
                raise AlreadyExists(
                    "membership", "email", "this address is already a member of the tenant"
                )
            earlier = await tx.invitations.pending_for(cmd.tenant_id, cmd.email)
            if earlier is not None:
                if earlier.status_at(now) is InvitationStatus.PENDING:
                    raise AlreadyExists(
                        "invitation",
                        "email",
                        "the address already has a pending invitation: resend it instead",
                        existing_id=earlier.id,
                    )
                earlier.expire(now)
                await tx.invitations.save(earlier)
                await self._audit(tx, principal, "invitation.expired", earlier)
            await require_capacity(
                self._deps.entitlements,
                tx,
                access.tenant,
                "members.max",
                now,
                ids=self._deps.ids,
            )
            await tx.invitations.add(invitation)
            await self._audit(
                tx,
                principal,
                "invitation.created",
                invitation,
                expires_at=invitation.expires_at.isoformat(),
            )
            inviter = await self._inviter(tx, principal)
            await tx.commit()
        await self._send(access.tenant, invitation, token, inviter)
        return self._view(invitation)

    async def list_invitations(
        self,
        principal: Principal,
        tenant_id: TenantId,
        page: PageRequest,
        status: InvitationStatus | None = None,
    ) -> Page[InvitationView]:
        """The tenant's invitations, oldest first, of one status as of now if asked
        (owners and admins)."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.MEMBERS_MANAGE, tenant_id, tx)
            rows = await tx.invitations.list(
                tenant_id, page, status=status, now=self._deps.clock.now()
            )
        return Page.from_rows([self._view(i) for i in rows], page, invitation_position)

    async def get_invitation(
        self, principal: Principal, tenant_id: TenantId, invitation_id: InvitationId
    ) -> InvitationView:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.MEMBERS_MANAGE, tenant_id, tx)
            return self._view(await _invitation(tx, tenant_id, invitation_id))

    async def revoke(
        self, principal: Principal, tenant_id: TenantId, invitation_id: InvitationId
    ) -> InvitationView:
        """Revoke a pending invitation: its token stops working (409 unless pending)."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            access = await authorize(principal, Permission.MEMBERS_MANAGE, tenant_id, tx)
            invitation = await _invitation(tx, tenant_id, invitation_id)
            _ensure_may_touch(invitation, access.role)
            invitation.revoke(self._deps.clock.now())
            await tx.invitations.save(invitation)
            await self._audit(tx, principal, "invitation.revoked", invitation)
            await tx.commit()
        return self._view(invitation)

    async def resend(
        self, principal: Principal, tenant_id: TenantId, invitation_id: InvitationId
    ) -> InvitationView:
        """Issue the pending invitation a new token, good for a full life from now (the
        emailed link before it stops working), and email it. 409 unless pending."""
        now = self._deps.clock.now()
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            access = await authorize(principal, Permission.MEMBERS_MANAGE, tenant_id, tx)
            invitation = await _invitation(tx, tenant_id, invitation_id)
            _ensure_may_touch(invitation, access.role)
            token = invitation.reissue(now, self._life)
            await tx.invitations.save(invitation)
            await self._audit(
                tx,
                principal,
                "invitation.resent",
                invitation,
                expires_at=invitation.expires_at.isoformat(),
            )
            inviter = await self._inviter(tx, principal)
            await tx.commit()
        await self._send(access.tenant, invitation, token, inviter)
        return self._view(invitation)

    # --- the invitee's side -----------------------------------------------------------

    async def lookup(self, token: str) -> InvitationPreview:
        """What the token invites to (any status); NotFound for a token that is not one
        (or no longer: replaced by a resend)."""
        presented = _presented(token)
        async with self._deps.uows(tenant_id=presented.tenant_id) as tx:
            invitation = await _by_token(tx, presented)
            tenant = await tx.tenants.get(presented.tenant_id)
        if tenant is None:
            raise NotFound("invitation", "token")
        return InvitationPreview(self._view(invitation), tenant.name)

    async def decline(self, token: str) -> InvitationPreview:
        """Decline a pending invitation; no sign-in needed (the token is the proof)."""
        presented = _presented(token)
        now = self._deps.clock.now()
        async with self._deps.uows(tenant_id=presented.tenant_id) as tx:
            invitation = await _by_token(tx, presented)
            tenant = await tx.tenants.get(presented.tenant_id)
            if tenant is None:
                raise NotFound("invitation", "token")
            invitation.decline(now)
            await tx.invitations.save(invitation)
            anyone = Actor(ActorKind.ANONYMOUS, None)
            await self._audit(tx, anyone, "invitation.declined", invitation)
            await tx.commit()
        return InvitationPreview(self._view(invitation), tenant.name)

    async def accept(self, principal: Principal | None, cmd: AcceptInvitation) -> Accepted:
        """Join the tenant with the invited role, in one transaction with the tenant locked.

        Signed in (`principal`, a user token): the user's address must be the invited one
        (403 otherwise). Not signed in: `password` creates the account with the invited
        address and the answer carries a personal token that expires; if an account already
        has the address, SignInToAccept (409). Only a pending, unexpired invitation is
        accepted (409 otherwise), and `members.max` is checked again, the invitation's own
        place no longer counted as pending.
        """
        presented = _presented(cmd.token)
        tenant_id = presented.tenant_id
        now = self._deps.clock.now()
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            tenant = await tx.tenants.get_for_update(tenant_id)
            invitation = await _by_token(tx, presented)
            if tenant is None:
                raise NotFound("invitation", "token")
            status = invitation.status_at(now)
            if status is not InvitationStatus.PENDING:
                raise InvitationNotPending(status)
            if not tenant.is_active:
                raise PermissionDenied("the tenant is suspended: it takes no new members now")
            issued: Issued[UserToken] | None = None
            if principal is not None:
                user = await self._signed_in_invitee(tx, principal, invitation)
                actor: Principal | Actor = principal
            else:
                user, issued = await self._new_account(tx, invitation, cmd, now)
                actor = Actor(ActorKind.USER, user.id)
            invitation.accept(user.id, now)
            await tx.invitations.save(invitation)
            await require_capacity(
                self._deps.entitlements, tx, tenant, "members.max", now, ids=self._deps.ids
            )
            membership = Membership.grant(
                MembershipId(self._deps.ids.new()),
                tenant_id,
                user.id,
                invitation.role,
                granted_by=None,  # the role was checked against the inviter's when invited
                at=now,
            )
            await tx.memberships.add(membership)
            await self._audit(tx, actor, "invitation.accepted", invitation, user_id=str(user.id))
            await self._deps.audit(
                tx,
                actor,
                "member.added",
                "membership",
                membership.id,
                tenant_id=tenant_id,
                changes={
                    "user_id": str(user.id),
                    "role": membership.role.value,
                    "invitation_id": str(invitation.id),
                },
            )
            if principal is not None and not Standing.of(user).in_tenant(member=False):
                # Keys the user made here before had no standing until now: they stay dead.
                await revoke_keys_of_creator(
                    self._deps, tx, actor, tenant_id, user.id, KeyRevocation.CREATOR_REJOINED
                )
            await tx.commit()
        preview = InvitationPreview(self._view(invitation), tenant.name)
        return Accepted(preview, Member(membership, user), issued)

    async def _signed_in_invitee(
        self, tx: UnitOfWork, principal: Principal, invitation: Invitation
    ) -> User:
        user_id = principal.acting_user()
        user = await tx.users.get(user_id)
        if user is None:
            raise NotFound("user", user_id)
        if user.email != invitation.email:
            raise PermissionDenied(
                "this invitation was sent to another address than the one you are signed in"
                " with: sign in with the invited address to accept it",
                permission="invitation.accept",
            )
        if await tx.memberships.get(invitation.tenant_id, user.id) is not None:
            raise AlreadyExists("membership", "user_id", "you are already a member of this tenant")
        return user

    async def _new_account(
        self, tx: UnitOfWork, invitation: Invitation, cmd: AcceptInvitation, now: datetime
    ) -> tuple[User, Issued[UserToken]]:
        if cmd.password is None:
            raise InvalidValue(
                "give a password to create your account, or sign in and accept with the token"
                " alone",
                field="password",
            )
        password = new_password(cmd.password, invitation.email)
        if await tx.users.by_email(invitation.email) is not None:
            raise SignInToAccept()
        user = User(
            UserId(self._deps.ids.new()),
            invitation.email,
            created_at=now,
            updated_at=now,
            first_name=cmd.first_name,
            last_name=cmd.last_name,
        )
        user.set_password(self._hasher.hash(password), now)
        await tx.users.add(user)
        secret = issue_user_token_secret()
        token = UserToken(
            id=UserTokenId(self._deps.ids.new()),
            user_id=user.id,
            name="invitation acceptance",
            prefix=secret.prefix,
            secret_hash=secret.secret_hash,
            created_at=now,
            expires_at=now + self._token_life,
        )
        await tx.user_tokens.add(token)
        # The account and its token belong to no tenant: audited at the platform's level.
        actor = Actor(ActorKind.USER, user.id)
        await tx.switch_tenant(None)
        await self._deps.audit(
            tx,
            actor,
            "user.created",
            "user",
            user.id,
            tenant_id=None,
            changes={"email": user.email.value, "via": "invitation"},
        )
        await self._deps.audit(
            tx,
            actor,
            "user_token.created",
            "user_token",
            token.id,
            tenant_id=None,
            changes={"user_id": str(user.id), "name": token.name},
        )
        await tx.switch_tenant(invitation.tenant_id)
        return user, Issued(token, secret.token)

    # --- shared -----------------------------------------------------------------------

    async def _inviter(self, tx: UnitOfWork, principal: Principal) -> User | None:
        return await tx.users.get(principal.user_id) if principal.user_id is not None else None

    async def _audit(
        self,
        tx: UnitOfWork,
        actor: Principal | Actor,
        action: str,
        invitation: Invitation,
        **extra: str,
    ) -> None:
        await self._deps.audit(
            tx,
            actor,
            action,
            "invitation",
            invitation.id,
            tenant_id=invitation.tenant_id,
            changes={"email": invitation.email.value, "role": invitation.role.value, **extra},
        )

    async def _send(
        self, tenant: Tenant, invitation: Invitation, token: str, inviter: User | None
    ) -> None:
        """Email the token; on success record when (for this token only). A failure leaves
        `sent_at` None: the invitation stands, and resending tries again."""
        try:
            await self._mailer.send(self._message(tenant, invitation, token, inviter))
        except EmailDeliveryFailed as error:
            log.warning(
                "invitation email not sent",
                tenant_id=str(invitation.tenant_id),
                invitation_id=str(invitation.id),
                error=str(error),
            )
            return
        at = self._deps.clock.now()
        async with self._deps.uows(tenant_id=invitation.tenant_id) as tx:
            await tx.invitations.mark_sent(
                invitation.tenant_id, invitation.id, invitation.prefix, at
            )
            await tx.commit()
        invitation.sent_at = at

    def _message(
        self, tenant: Tenant, invitation: Invitation, token: str, inviter: User | None
    ) -> EmailMessage:
        who = "Someone"
        if inviter is not None:
            names = " ".join(n for n in (inviter.first_name, inviter.last_name) if n)
            who = f"{names} <{inviter.email.value}>" if names else inviter.email.value
        url = self._public_url
        body = f"""{who} invites you to join {tenant.name} as {invitation.role.value}.

Your invitation token (keep it to yourself):

    {token}

To accept and create your account with a password:

    curl -X POST {url}/v1/invitations/accept \\
      -H 'Content-Type: application/json' \\
      -d '{{"token": "{token}", "password": "<a password of 10 characters or more>"}}'

The answer carries a personal token to use at once. If you already have an account with
this address, sign in and send the same request with only the token and your
Authorization: Bearer header.

To see what you are invited to:     POST {url}/v1/invitations/lookup  {{"token": "..."}}
To decline:                         POST {url}/v1/invitations/decline {{"token": "..."}}

The invitation expires at {invitation.expires_at.isoformat()}. If you were not expecting
it, ignore this message: nothing happens unless you accept.
"""
        return EmailMessage(
            to=invitation.email,
            subject=f"You are invited to join {tenant.name}",
            body=body,
            kind="invitation",
        )


def _ensure_may_touch(invitation: Invitation, role: Role | None) -> None:
    """Admins neither invite owners nor revoke or resend an owner's invitation."""
    if invitation.role is Role.OWNER and role not in (None, Role.OWNER):
        raise OwnerRoleReserved()


def _presented(token: str) -> PresentedInvitationToken:
    presented = PresentedInvitationToken.parse(token)
    if presented is None:
        raise NotFound("invitation", "token")
    return presented


async def _by_token(tx: UnitOfWork, presented: PresentedInvitationToken) -> Invitation:
    """The invitation the token is the current one of; one answer for every kind of
    mismatch."""
    invitation = await tx.invitations.by_prefix(presented.tenant_id, presented.prefix)
    if invitation is None or not presented.matches(invitation.secret_hash):
        raise NotFound("invitation", "token")
    return invitation


async def _invitation(
    tx: UnitOfWork, tenant_id: TenantId, invitation_id: InvitationId
) -> Invitation:
    invitation = await tx.invitations.get(tenant_id, invitation_id)
    if invitation is None:
        raise NotFound("invitation", invitation_id)
    return invitation

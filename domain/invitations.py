"""Invitations: how a person joins a tenant, by consent.

An owner or admin invites an address with a role; whoever holds the invitation's one-time
token (sent to that address) accepts or declines it. The token carries its tenant's id in
the clear, as an API key does, so it is found inside that tenant's row-level security
context without any privileged lookup; at rest only its SHA-256 hash is kept.
"""

from __future__ import annotations

import enum
import functools
import hmac
import re
import secrets
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from domain.credentials import IssuedSecret, hash_secret
from domain.errors import InvalidStateTransition, InvariantViolation, OwnerRoleReserved
from domain.ids import InvitationId, TenantId, UserId
from domain.tenancy import Role
from domain.values import Email

INVITATION_MARK = "vin"
DEFAULT_INVITATION_LIFE = timedelta(days=7)
_SECRET_BYTES = 32
_PREFIX_BYTES = 6
_TOKEN = re.compile(
    r"vin_(?P<tenant>[0-9a-f]{32})_(?P<prefix>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43})"
)


class InvitationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"
    # Stored once something notices (a new invitation of the address); a pending invitation
    # past its expiry is expired whenever it is read, stored or not.
    EXPIRED = "expired"


class InvitationNotPending(InvalidStateTransition):
    """The invitation can no longer be accepted, declined, revoked or resent."""

    code = "invitation-not-pending"

    def __init__(self, status: InvitationStatus) -> None:
        super().__init__(f"the invitation is {status}, no longer pending", field="status")
        self.status = status


class SignInToAccept(InvariantViolation):
    """An account already has the invited address: its owner signs in to accept. Said only to
    the token's holder, who holds the mailbox, so it tells a stranger nothing."""

    code = "sign-in-to-accept"

    def __init__(self) -> None:
        super().__init__(
            "an account already uses the invited address: sign in as it and accept the"
            " invitation with its token alone"
        )


@attrs.frozen
class PresentedInvitationToken:
    """What an invitation token says about itself, before it is checked against the store."""

    tenant_id: TenantId
    prefix: str
    raw: str

    @functools.cached_property
    def secret_hash(self) -> str:
        return hash_secret(self.raw)

    @classmethod
    def parse(cls, raw: str) -> PresentedInvitationToken | None:
        match = _TOKEN.fullmatch(raw)
        if match is None:
            return None
        return cls(TenantId(UUID(hex=match["tenant"])), match["prefix"], raw)

    def matches(self, secret_hash: str) -> bool:
        return hmac.compare_digest(self.secret_hash, secret_hash)


def issue_invitation_secret(tenant_id: TenantId) -> IssuedSecret:
    prefix = secrets.token_hex(_PREFIX_BYTES)
    token = f"{INVITATION_MARK}_{tenant_id.hex}_{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    return IssuedSecret(token, prefix, hash_secret(token))


@attrs.define(kw_only=True)
class Invitation:
    id: InvitationId
    tenant_id: TenantId
    email: Email
    role: Role
    prefix: str
    secret_hash: str
    invited_by: UserId | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    status: InvitationStatus = InvitationStatus.PENDING
    accepted_by: UserId | None = None
    accepted_at: datetime | None = None
    declined_at: datetime | None = None
    revoked_at: datetime | None = None
    # When the current token was handed to the mail system; None: not yet, or that failed.
    sent_at: datetime | None = None
    version: int = 0

    @classmethod
    def issue(
        cls,
        id: InvitationId,
        tenant_id: TenantId,
        email: Email,
        role: Role,
        *,
        invited_by: UserId | None,
        inviter_role: Role | None,
        at: datetime,
        life: timedelta,
    ) -> tuple[Invitation, str]:
        """A new pending invitation and its token (shown once: it goes into the email).
        `inviter_role` None is the platform's authority; only owners invite owners."""
        if role is Role.OWNER and inviter_role not in (None, Role.OWNER):
            raise OwnerRoleReserved()
        if life <= timedelta(0):
            raise ValueError("an invitation must live for some time")
        secret = issue_invitation_secret(tenant_id)
        invitation = cls(
            id=id,
            tenant_id=tenant_id,
            email=email,
            role=role,
            prefix=secret.prefix,
            secret_hash=secret.secret_hash,
            invited_by=invited_by,
            created_at=at,
            updated_at=at,
            expires_at=at + life,
        )
        return invitation, secret.token

    def status_at(self, now: datetime) -> InvitationStatus:
        """The status as of `now`: a pending invitation past its expiry is expired."""
        if self.status is InvitationStatus.PENDING and now >= self.expires_at:
            return InvitationStatus.EXPIRED
        return self.status

    def _require_pending(self, now: datetime) -> None:
        status = self.status_at(now)
        if status is not InvitationStatus.PENDING:
            raise InvitationNotPending(status)

    def accept(self, user_id: UserId, at: datetime) -> None:
        self._require_pending(at)
        self.status, self.accepted_by, self.accepted_at, self.updated_at = (
            InvitationStatus.ACCEPTED,
            user_id,
            at,
            at,
        )

    def decline(self, at: datetime) -> None:
        self._require_pending(at)
        self.status, self.declined_at, self.updated_at = InvitationStatus.DECLINED, at, at

    def revoke(self, at: datetime) -> None:
        self._require_pending(at)
        self.status, self.revoked_at, self.updated_at = InvitationStatus.REVOKED, at, at

    def expire(self, at: datetime) -> None:
        """Store the expiry that reading already shows."""
        if self.status_at(at) is not InvitationStatus.EXPIRED or self.status is not (
            InvitationStatus.PENDING
        ):
            raise InvitationNotPending(self.status_at(at))
        self.status, self.updated_at = InvitationStatus.EXPIRED, at

    def reissue(self, at: datetime, life: timedelta) -> str:
        """A new token (the old one stops working) and a full life from `at`; not yet sent."""
        self._require_pending(at)
        secret = issue_invitation_secret(self.tenant_id)
        self.prefix, self.secret_hash = secret.prefix, secret.secret_hash
        self.expires_at, self.sent_at, self.updated_at = at + life, None, at
        return secret.token

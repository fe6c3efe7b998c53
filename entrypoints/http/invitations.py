"""Invitations: /v1/tenants/{tenant_id}/invitations for the tenant's owners and admins, and
/v1/invitations/{lookup,accept,decline} for whoever holds an invitation's token."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from application.access import Principal
from application.errors import Unauthenticated
from application.invitations import AcceptInvitation, InvitationPreview, InvitationView, Invite
from domain.ids import InvitationId
from domain.invitations import InvitationStatus
from domain.tenancy import Role
from domain.values import Email
from entrypoints.http.requests import (
    body,
    page_request,
    path_id,
    principal,
    query_enum,
    tenant_id,
)
from entrypoints.http.routing import PAGE_PARAMS, Endpoint, QueryParam, created, reply, use_cases
from entrypoints.http.schemas import (
    Body,
    CreatedAt,
    EmailText,
    FamilyName,
    GivenName,
    Instant,
    Items,
    MemberOut,
    NextCursor,
    RecordVersion,
    RoleName,
    TenantRef,
    UpdatedAt,
    UserTokenCreatedOut,
)

StatusName = Annotated[
    Literal["pending", "accepted", "declined", "revoked", "expired"],
    msgspec.Meta(
        description="pending until accepted, declined or revoked; a pending invitation past"
        " `expires_at` is expired."
    ),
]
Token = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        description="The invitation's token, from the invitation email (vin_…).",
        examples=["vin_0190f5a27c1e7d3a9b2f4e5d6c7b8a90_3f9a0c1b2d4e_" + "x" * 43],
    ),
]
Password = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=1024,
        description="The new account's password: 10 to 256 characters, not the address.",
    ),
]


class InviteIn(Body):
    """Who to invite, and as what (only owners invite owners)."""

    email: EmailText
    role: RoleName = "member"


class TokenIn(Body):
    """An invitation's token."""

    token: Token


class AcceptInvitationIn(Body):
    """Accept an invitation. Signed in (Authorization: Bearer with a user token of the
    invited address): the token alone. Not signed in: a `password` creates your account with
    the invited address (and `first_name`, `last_name` if given)."""

    token: Token
    password: Password | None = None
    first_name: GivenName | None = None
    last_name: FamilyName | None = None


class InvitationOut(msgspec.Struct, tag_field="object", tag="invitation"):
    """An invitation to the tenant (never its token, which only the email carries)."""

    id: Annotated[UUID, msgspec.Meta(description="The invitation's id.")]
    tenant_id: TenantRef
    email: Annotated[
        str, msgspec.Meta(description="The invited address.", examples=["ada@example.com"])
    ]
    role: RoleName
    status: StatusName
    invited_by: Annotated[
        UUID | None,
        msgspec.Meta(description="The user who invited (or whose API key did); null if gone."),
    ]
    expires_at: Annotated[Instant, msgspec.Meta(description="Until when it can be accepted.")]
    sent_at: Annotated[
        Instant | None,
        msgspec.Meta(
            description="When the email with the current token was handed to the mail system;"
            " null: it could not be (the invitation stands; resend it to try again)."
        ),
    ]
    accepted_by: Annotated[UUID | None, msgspec.Meta(description="The user who accepted.")]
    accepted_at: Instant | None
    declined_at: Instant | None
    revoked_at: Instant | None
    version: RecordVersion
    created_at: CreatedAt
    updated_at: UpdatedAt

    @classmethod
    def of(cls, v: InvitationView) -> InvitationOut:
        i = v.invitation
        return cls(
            i.id,
            i.tenant_id,
            i.email.value,
            i.role.value,
            v.status.value,
            i.invited_by,
            i.expires_at,
            i.sent_at,
            i.accepted_by,
            i.accepted_at,
            i.declined_at,
            i.revoked_at,
            i.version,
            i.created_at,
            i.updated_at,
        )


class InvitationPage(msgspec.Struct):
    """A page of the tenant's invitations, oldest first."""

    items: Annotated[list[InvitationOut], Items]
    next_cursor: NextCursor


class InvitationPreviewOut(msgspec.Struct, tag_field="object", tag="invitation_preview"):
    """What an invitation token invites to, for its holder."""

    tenant_id: TenantRef
    tenant_name: Annotated[
        str, msgspec.Meta(description="The inviting tenant's name.", examples=["Acme"])
    ]
    email: Annotated[
        str, msgspec.Meta(description="The invited address.", examples=["ada@example.com"])
    ]
    role: RoleName
    status: StatusName
    expires_at: Instant

    @classmethod
    def of(cls, p: InvitationPreview) -> InvitationPreviewOut:
        i = p.view.invitation
        return cls(
            i.tenant_id,
            p.tenant_name,
            i.email.value,
            i.role.value,
            p.view.status.value,
            i.expires_at,
        )


class AcceptedOut(msgspec.Struct, tag_field="object", tag="invitation_acceptance"):
    """You are a member of the tenant now."""

    invitation: InvitationPreviewOut
    member: MemberOut
    token: Annotated[
        UserTokenCreatedOut | None,
        msgspec.Meta(
            description="When the account was created here: a personal token (shown once,"
            " it expires) to work with at once; null when you were signed in."
        ),
    ]


async def _signed_in(request: web.Request) -> Principal | None:
    """The caller if they sent a bearer token: accepting works signed in or not."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an Authorization: Bearer <token> header, or none")
    return await use_cases(request).credentials.authenticate(token.strip())


def _invitation_id(request: web.Request) -> InvitationId:
    return InvitationId(path_id(request, "invitation_id"))


async def invite(request: web.Request) -> web.Response:
    """Invite an address with a role (owners and admins; only owners invite owners) and email
    it the invitation's token. The answer is the same whether or not the address has an
    account anywhere. Refused: a member's address (409), an address with a pending invitation
    (409 with `existing_id`: resend that one), past `members.max`, which counts pending
    invitations (403). If the email could not be sent the invitation is still made, with
    `sent_at` null: resend it."""
    data = await body(request, InviteIn)
    view = await use_cases(request).invitations.invite(
        principal(request),
        Invite(tenant_id(request), Email.parse(data.email), Role(data.role)),
    )
    i = view.invitation
    return created(InvitationOut.of(view), f"/v1/tenants/{i.tenant_id}/invitations/{i.id}")


async def list_invitations(request: web.Request) -> web.Response:
    """The tenant's invitations, oldest first, optionally of one status (owners and admins)."""
    page = await use_cases(request).invitations.list_invitations(
        principal(request),
        tenant_id(request),
        page_request(request),
        query_enum(request, "status", InvitationStatus),
    )
    return reply(InvitationPage([InvitationOut.of(v) for v in page.items], page.next_cursor))


async def get_invitation(request: web.Request) -> web.Response:
    """One of the tenant's invitations (owners and admins)."""
    view = await use_cases(request).invitations.get_invitation(
        principal(request), tenant_id(request), _invitation_id(request)
    )
    return reply(InvitationOut.of(view))


async def revoke_invitation(request: web.Request) -> web.Response:
    """Revoke a pending invitation: its token stops working (owners and admins; only owners
    touch an owner's invitation). The answer is the revoked invitation; 409 unless pending."""
    view = await use_cases(request).invitations.revoke(
        principal(request), tenant_id(request), _invitation_id(request)
    )
    return reply(InvitationOut.of(view))


async def resend_invitation(request: web.Request) -> web.Response:
    """Email a pending invitation again with a new token, good for a full life from now; the
    link sent before stops working (owners and admins). 409 unless pending."""
    view = await use_cases(request).invitations.resend(
        principal(request), tenant_id(request), _invitation_id(request)
    )
    return reply(InvitationOut.of(view))


async def lookup_invitation(request: web.Request) -> web.Response:
    """What an invitation token invites to: the tenant's name, the role, the address, the
    status and expiry. No sign-in: the token is the proof. 404 for a token that is not (or
    no longer) an invitation's."""
    data = await body(request, TokenIn)
    preview = await use_cases(request).invitations.lookup(data.token)
    return reply(InvitationPreviewOut.of(preview))


async def accept_invitation(request: web.Request) -> web.Response:
    """Accept an invitation and become a member with its role. Signed in: the token alone,
    and your address must be the invited one (403). Not signed in: `password` creates your
    account with the invited address and the answer carries a personal token that expires;
    when an account already has the address, sign in to accept (409 `sign-in-to-accept`).
    409 when the invitation is no longer pending (accepted, declined, revoked or expired)."""
    data = await body(request, AcceptInvitationIn)
    accepted = await use_cases(request).invitations.accept(
        await _signed_in(request),
        AcceptInvitation(data.token, data.password, data.first_name, data.last_name),
    )
    issued = accepted.token
    return reply(
        AcceptedOut(
            InvitationPreviewOut.of(accepted.preview),
            MemberOut.of(accepted.member),
            UserTokenCreatedOut.of(issued.credential, issued.token) if issued else None,
        )
    )


async def decline_invitation(request: web.Request) -> web.Response:
    """Decline a pending invitation (no sign-in: the token is the proof); 409 unless pending."""
    data = await body(request, TokenIn)
    preview = await use_cases(request).invitations.decline(data.token)
    return reply(InvitationPreviewOut.of(preview))


INVITATIONS = "/v1/tenants/{tenant_id}/invitations"
INVITATION = INVITATIONS + "/{invitation_id}"
LIST_PARAMS = (
    QueryParam(
        "status",
        "Only invitations in this status now (pending past expiry counts as expired).",
        {"type": "string", "enum": [s.value for s in InvitationStatus]},
    ),
    *PAGE_PARAMS,
)
WRITE = (400, 403, 404, 409, 422)
TAG = "invitations"

ROUTES = [
    Endpoint("POST", INVITATIONS, invite, "Invite an address with a role (owners and admins)",
             TAG, body=InviteIn, response=InvitationOut, status=201, errors=WRITE),
    Endpoint("GET", INVITATIONS, list_invitations, "List the tenant's invitations (admins)",
             TAG, response=InvitationPage, query=LIST_PARAMS, errors=(403, 404, 422)),
    Endpoint("GET", INVITATION, get_invitation, "Get an invitation (admins)", TAG,
             response=InvitationOut, errors=(403, 404)),
    Endpoint("DELETE", INVITATION, revoke_invitation, "Revoke a pending invitation (admins)",
             TAG, response=InvitationOut, errors=(403, 404, 409)),
    Endpoint("POST", INVITATION + "/resend", resend_invitation,
             "Email a pending invitation again with a new token (admins)", TAG,
             response=InvitationOut, errors=(403, 404, 409)),
    Endpoint("POST", "/v1/invitations/lookup", lookup_invitation,
             "What an invitation token invites to", TAG, body=TokenIn,
             response=InvitationPreviewOut, public=True, errors=(400, 404, 422)),
    Endpoint("POST", "/v1/invitations/accept", accept_invitation,
             "Accept an invitation, signed in or creating your account", TAG,
             body=AcceptInvitationIn, response=AcceptedOut, public=True,
             errors=(400, 401, 403, 404, 409, 422)),
    Endpoint("POST", "/v1/invitations/decline", decline_invitation, "Decline an invitation",
             TAG, body=TokenIn, response=InvitationPreviewOut, public=True,
             errors=(400, 404, 409, 422)),
]  # fmt: skip

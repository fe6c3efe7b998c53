"""/v1/auth (sign-in, sign-out, password resets) and /v1/me/password."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from application.sign_in import SignedIn
from domain.values import Email
from entrypoints.http.requests import body, principal
from entrypoints.http.routing import Endpoint, reply, use_cases
from entrypoints.http.schemas import Body, EmailText, Instant, UserOut

# The bound on what is read as a password: the policy's 256 characters can grow under NFKC
# normalisation, but a password of megabytes is only a way to spend the server's time.
PasswordText = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=1024,
        description="A password.",
        examples=["correct horse battery staple"],
    ),
]
NewPassword = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=1024,
        description="The new password: 10 to 256 characters once NFKC-normalised, not the "
        "account's email address. Any characters; no composition rules.",
        examples=["correct horse battery staple"],
    ),
]
ResetToken = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        description="The `vpr_…` token of the reset message.",
        examples=["vpr_0a1b2c3d4e5f_" + "A" * 43],
    ),
]


class SignInIn(Body):
    """An email address and its password."""

    email: EmailText
    password: PasswordText


class SignedInOut(msgspec.Struct, tag_field="object", tag="sign_in"):
    """A personal token for the user, shown this once: send it as `Authorization: Bearer`."""

    token: Annotated[
        str,
        msgspec.Meta(
            description="The bearer token (`vau_…`); only its hash is stored.",
            examples=["vau_0a1b2c3d4e5f_" + "A" * 43],
        ),
    ]
    token_id: Annotated[UUID, msgspec.Meta(description="The token's id, to list or revoke it.")]
    expires_at: Annotated[
        Instant, msgspec.Meta(description="When the token stops working (RFC 3339, UTC).")
    ]
    user: UserOut

    @classmethod
    def of(cls, signed_in: SignedIn) -> SignedInOut:
        expires_at = signed_in.credential.expires_at
        assert isinstance(expires_at, datetime)
        return cls(signed_in.token, signed_in.credential.id, expires_at, UserOut.of(signed_in.user))


class ChangePasswordIn(Body):
    """A new password, with the current one when the account has one."""

    new_password: NewPassword
    current_password: Annotated[
        PasswordText | None,
        msgspec.Meta(description="The current password; required unless the account has none yet."),
    ] = None


class PasswordResetIn(Body):
    """The address of the account whose password is forgotten."""

    email: EmailText


ACCEPTED_DETAIL = (
    "if the address has an active account, a message with a reset token is on its way; "
    "the token works once, within 30 minutes"
)


class PasswordResetAcceptedOut(msgspec.Struct, tag_field="object", tag="password_reset_request"):
    """The same answer for every address: whether it has an account is never said."""

    status: Annotated[Literal["accepted"], msgspec.Meta(examples=["accepted"])]
    detail: Annotated[
        str,
        msgspec.Meta(
            description="What happens next.",
            examples=[ACCEPTED_DETAIL],
        ),
    ]


class ConfirmPasswordResetIn(Body):
    """The token of the reset message and the new password."""

    token: ResetToken
    new_password: NewPassword


def client_address(request: web.Request) -> str:
    """The client's address: the peer's, or, behind `trusted_proxies` proxies that each
    append the address they saw to X-Forwarded-For, the entry the outermost of ours wrote.
    Entries before it are the client's to write, so they are never believed."""
    proxies = use_cases(request).sign_in.policy.trusted_proxies
    if proxies > 0:
        entries = [
            e.strip() for h in request.headers.getall("X-Forwarded-For", []) for e in h.split(",")
        ]
        entries = [e for e in entries if e]
        if len(entries) >= proxies:
            return entries[-proxies][:100]
    return request.remote or "unknown"


def _bearer(request: web.Request) -> str:
    return request.headers.get("Authorization", "").partition(" ")[2].strip()


async def sign_in(request: web.Request) -> web.Response:
    """Sign in with an email address and a password: a personal token that expires (12 hours
    by default). An unknown address, an account without a password, a wrong password and a
    deactivated account all get the same 401. After 5 failures for an address within 15
    minutes (or 50 from one client address), requests are refused with 429 and Retry-After
    until the block ends, without checking the password; a success clears the address's
    count."""
    data = await body(request, SignInIn)
    signed_in = await use_cases(request).sign_in.sign_in(
        Email.parse(data.email), data.password, client_address(request)
    )
    return reply(SignedInOut.of(signed_in))


async def sign_out(request: web.Request) -> web.Response:
    """Revoke the personal token this request is made with; it authenticates nothing more."""
    await use_cases(request).sign_in.sign_out(principal(request), _bearer(request))
    return reply(None, 204)


async def change_password(request: web.Request) -> web.Response:
    """Set your password (with a personal token). `current_password` is required when the
    account has a password, not when it has none yet (made by a platform admin, or by an
    invitation). Every other personal token of yours is revoked (the one used here keeps
    working), pending reset links stop working, and a notice is mailed to you. Tenant API
    keys you created are not touched. A wrong `current_password` counts as a failed
    sign-in."""
    data = await body(request, ChangePasswordIn)
    await use_cases(request).sign_in.change_password(
        principal(request), _bearer(request), data.new_password, data.current_password
    )
    return reply(None, 204)


async def request_password_reset(request: web.Request) -> web.Response:
    """Ask for a password reset: always 202 with the same body, at once. If the address has
    an active account, a message with a one-time token (valid 30 minutes) is sent; the work
    happens after the answer, so neither body nor timing says whether it has one. Limited
    like sign-in, per address and per client address (429 with Retry-After)."""
    data = await body(request, PasswordResetIn)
    await use_cases(request).sign_in.request_reset(Email.parse(data.email), client_address(request))
    return reply(PasswordResetAcceptedOut("accepted", ACCEPTED_DETAIL), 202)


async def confirm_password_reset(request: web.Request) -> web.Response:
    """Set a new password with the token of a reset message. The token is then used up,
    every personal token of the account is revoked (sign in again), and a notice is mailed.
    An unknown, expired or already used token is one 400 (`reset-token-invalid`); a refused
    password (422) leaves the token usable."""
    data = await body(request, ConfirmPasswordResetIn)
    await use_cases(request).sign_in.confirm_reset(
        data.token, data.new_password, client_address(request)
    )
    return reply(None, 204)


ROUTES = [
    Endpoint(
        "POST",
        "/v1/auth/sign-in",
        sign_in,
        "Sign in with email and password: a personal token that expires",
        "auth",
        body=SignInIn,
        response=SignedInOut,
        public=True,
        errors=(401, 429, 503),
    ),
    Endpoint(
        "POST",
        "/v1/auth/sign-out",
        sign_out,
        "Sign out: revoke the token this request is made with",
        "auth",
        status=204,
    ),
    Endpoint(
        "PUT",
        "/v1/me/password",
        change_password,
        "Set your password; your other personal tokens are revoked",
        "auth",
        body=ChangePasswordIn,
        status=204,
        errors=(429,),
    ),
    Endpoint(
        "POST",
        "/v1/auth/password-resets",
        request_password_reset,
        "Ask for a password reset message (always 202, whatever the address)",
        "auth",
        body=PasswordResetIn,
        response=PasswordResetAcceptedOut,
        status=202,
        public=True,
        errors=(429, 503),
    ),
    Endpoint(
        "POST",
        "/v1/auth/password-resets/confirm",
        confirm_password_reset,
        "Set a new password with a reset token",
        "auth",
        body=ConfirmPasswordResetIn,
        status=204,
        public=True,
        errors=(400, 429, 503),
    ),
]

"""Signing in with a password, signing out, changing a password and resetting a forgotten one.

What a caller may rely on:
- A sign-in answers one Unauthenticated, with one message, for an unknown address, an
  account without a password, a wrong password and a deactivated user, after the same work
  (an unknown address spends a decoy verification); only the audit trail tells them apart.
- Failed attempts are counted per address and per client address, in the database (every
  API process sees the same counts). A key blocked by too many failures is refused with
  RateLimited before any password is checked; a success clears the address's count (never
  the client's, or one good account would let a client guess at every other).
- A reset request answers at once and the same way whatever the address: finding the user,
  issuing the token and sending the message happen in a task after the answer.
- A new password (change or reset) revokes the user's other personal tokens and voids the
  reset links still in their mailbox; a security notice is mailed. Tenant API keys the user
  created are not touched: they belong to their tenants.
"""

from __future__ import annotations

import asyncio
import enum
import math
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any

import attrs
import structlog

from application.access import Principal
from application.context import UseCaseDeps
from application.errors import (
    ConcurrencyConflict,
    NotFound,
    RateLimited,
    ResetTokenInvalid,
    Unauthenticated,
)
from application.ports.email import EmailDeliveryFailed, EmailMessage, Mailer
from application.ports.passwords import PasswordHasher
from application.ports.unit_of_work import UnitOfWork
from domain.audit import ANONYMOUS, Actor, ActorKind
from domain.credentials import (
    CredentialKind,
    PresentedToken,
    UserToken,
    issue_user_token_secret,
)
from domain.errors import InvalidValue
from domain.ids import UserId, UserTokenId
from domain.passwords import (
    RESET_TOKEN_LIFE,
    PasswordResetToken,
    PasswordResetTokenId,
    PresentedResetToken,
    ThrottleKey,
    ThrottleRule,
    issue_reset_secret,
    new_password,
    normalized_password,
)
from domain.tenancy import User
from domain.values import Email

log = structlog.get_logger(__name__)

INVALID_CREDENTIALS = "the email address or the password is wrong"
SIGN_IN_TOKEN_NAME = "sign-in"
FIFTEEN_MINUTES = timedelta(minutes=15)
PER_ADDRESS = ThrottleRule(5, FIFTEEN_MINUTES, FIFTEEN_MINUTES)
PER_CLIENT = ThrottleRule(50, FIFTEEN_MINUTES, FIFTEEN_MINUTES)


@attrs.frozen
class SignInPolicy:
    """The settings of sign-in (see the README's settings table)."""

    token_life: timedelta = timedelta(hours=12)
    per_address: ThrottleRule = PER_ADDRESS
    per_client: ThrottleRule = PER_CLIENT
    trusted_proxies: int = 0
    """How many proxies in front append to X-Forwarded-For (read by the HTTP layer)."""


class Scope(enum.StrEnum):
    SIGN_IN_ADDRESS = "sign_in.address"
    SIGN_IN_CLIENT = "sign_in.client"
    RESET_ADDRESS = "reset.address"
    RESET_CLIENT = "reset.client"
    RESET_CONFIRM_CLIENT = "reset_confirm.client"


class FailureReason(enum.StrEnum):
    UNKNOWN_ADDRESS = "unknown_address"
    NO_PASSWORD = "no_password"
    WRONG_PASSWORD = "wrong_password"
    INACTIVE_USER = "inactive_user"


class ResetRefusal(enum.StrEnum):
    UNKNOWN_TOKEN = "unknown_token"
    EXPIRED_TOKEN = "expired_token"
    USED_TOKEN = "used_token"
    INACTIVE_USER = "inactive_user"


@attrs.frozen
class SignedIn:
    """A personal token for the user; `token` is shown this once."""

    user: User
    credential: UserToken
    token: str


def _retry_after(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


class SignInService:
    def __init__(
        self,
        deps: UseCaseDeps,
        hasher: PasswordHasher,
        mailer: Mailer,
        policy: SignInPolicy | None = None,
        public_url: str = "http://127.0.0.1:8080",
    ) -> None:
        self._deps = deps
        self._hasher = hasher
        self._mailer = mailer
        self.policy = policy or SignInPolicy()
        self._public_url = public_url.rstrip("/")
        # Work after the answer (reset requests, notices): held so it is not collected
        # mid-way, and awaited when the process stops (`drain`).
        self._tasks: set[asyncio.Task[None]] = set()
        self._purged_at: datetime | None = None

    # --- sign-in and sign-out ------------------------------------------------------------

    async def sign_in(self, email: Email, password: str, client: str) -> SignedIn:
        """A personal token named "sign-in" expiring after the policy's `token_life`.

        Raises RateLimited when the address or the client is blocked (nothing checked),
        Unauthenticated(INVALID_CREDENTIALS) for every kind of failure (counted, audited
        with its reason, never the password)."""
        now = self._deps.clock.now()
        address = ThrottleKey.of(Scope.SIGN_IN_ADDRESS, email.key)
        client_key = ThrottleKey.of(Scope.SIGN_IN_CLIENT, client)
        async with self._deps.uows() as tx:
            until = await tx.sign_in_throttle.blocked_until([address, client_key], now)
            if until is not None:
                raise RateLimited(_retry_after(until, now))
            user = await tx.users.by_email(email)
        attempt = normalized_password(password)
        stored = user.password_hash if user is not None else None
        if stored is None:
            await asyncio.to_thread(self._hasher.waste_time, attempt)
            matches = False
        else:
            matches = await asyncio.to_thread(self._hasher.verify, stored, attempt)
        reason = (
            FailureReason.UNKNOWN_ADDRESS
            if user is None
            else FailureReason.NO_PASSWORD
            if stored is None
            else FailureReason.WRONG_PASSWORD
            if not matches
            else FailureReason.INACTIVE_USER
            if not user.is_active
            else None
        )
        if reason is not None or user is None or stored is None:
            blocked = await self._sign_in_failed(address, client_key, user, reason, client)
            if blocked is not None:  # this failure reached a limit: say so now, not next time
                raise RateLimited(_retry_after(blocked, self._deps.clock.now()))
            raise Unauthenticated(INVALID_CREDENTIALS)
        signed_in = await self._issue_sign_in_token(user, address, client)
        if self._hasher.needs_rehash(stored):
            await self._rehash(user.id, stored, attempt)
        return signed_in

    async def _sign_in_failed(
        self,
        address: ThrottleKey,
        client_key: ThrottleKey,
        user: User | None,
        reason: FailureReason | None,
        client: str,
    ) -> datetime | None:
        """Count the failure and audit it; until when the address or the client is blocked, if
        this failure blocked either."""
        now = self._deps.clock.now()
        async with self._deps.uows() as tx:
            by_address = await tx.sign_in_throttle.record_failure(
                address, self.policy.per_address, now
            )
            by_client = await tx.sign_in_throttle.record_failure(
                client_key, self.policy.per_client, now
            )
            await self._deps.audit(
                tx,
                ANONYMOUS,
                "user.sign_in_failed",
                "sign_in_attempt",
                self._deps.ids.new(),
                tenant_id=None,
                changes={
                    "reason": (reason or FailureReason.WRONG_PASSWORD).value,
                    "user_id": str(user.id) if user is not None else None,
                    # The address as its digest: a mistyped address may be a password.
                    "address_sha256": address.key_hash,
                    "client_address": client,
                    "failures": by_address.failures,
                    "address_blocked_until": _iso(by_address.blocked_until),
                    "client_blocked_until": _iso(by_client.blocked_until),
                },
            )
            await tx.commit()
        self._purge_now_and_then(now)
        blocked = [u for u in (by_address.blocked_until, by_client.blocked_until) if u is not None]
        return max(blocked, default=None)

    async def _issue_sign_in_token(self, user: User, address: ThrottleKey, client: str) -> SignedIn:
        now = self._deps.clock.now()
        secret = issue_user_token_secret()
        token = UserToken(
            id=UserTokenId(self._deps.ids.new()),
            user_id=user.id,
            name=SIGN_IN_TOKEN_NAME,
            prefix=secret.prefix,
            secret_hash=secret.secret_hash,
            created_at=now,
            expires_at=now + self.policy.token_life,
        )
        async with self._deps.uows() as tx:
            await tx.user_tokens.add(token)
            await tx.sign_in_throttle.clear(address)
            await self._deps.audit(
                tx,
                Actor(ActorKind.USER, user.id),
                "user.signed_in",
                "user_token",
                token.id,
                tenant_id=None,
                changes={
                    "user_id": str(user.id),
                    "name": token.name,
                    "expires_at": _iso(token.expires_at),
                    "client_address": client,
                },
            )
            await tx.commit()
        return SignedIn(user, token, secret.token)

    async def _rehash(self, user_id: UserId, stored: str, password: str) -> None:
        """Store a hash made with today's parameters. Best effort: a change of the user
        meanwhile wins, and the next sign-in tries again."""
        fresh = await asyncio.to_thread(self._hasher.hash, password)
        try:
            async with self._deps.uows() as tx:
                user = await tx.users.get(user_id)
                if user is None or user.password_hash != stored:
                    return
                user.password_hash = fresh
                await tx.users.save(user)
                await tx.commit()
        except ConcurrencyConflict:
            log.info("password_rehash_skipped", user_id=str(user_id))

    async def sign_out(self, principal: Principal, raw_token: str) -> None:
        """Revoke the personal token the request was made with (a tenant API key is refused:
        it is revoked through its tenant)."""
        user_id = principal.acting_user()
        presented = PresentedToken.parse(raw_token)
        if presented is None or presented.kind is not CredentialKind.USER_TOKEN:
            raise Unauthenticated("the bearer token is invalid, expired or revoked")
        now = self._deps.clock.now()
        async with self._deps.uows() as tx:
            token = await tx.user_tokens.by_prefix(presented.prefix)
            if (
                token is None
                or token.user_id != user_id
                or not presented.matches(token.secret_hash)
                or not token.usable_at(now)
            ):
                raise Unauthenticated("the bearer token is invalid, expired or revoked")
            token.revoke(now)
            await tx.user_tokens.save(token)
            await self._deps.audit(
                tx,
                principal,
                "user.signed_out",
                "user_token",
                token.id,
                tenant_id=None,
                changes={"user_id": str(user_id), "name": token.name},
            )
            await tx.commit()

    # --- changing a password -------------------------------------------------------------

    async def change_password(
        self,
        principal: Principal,
        raw_token: str,
        new: str,
        current: str | None,
    ) -> User:
        """Set the signed-in user's password. `current` is required when the user has a
        password (a stolen token alone must not take the account over), not when they have
        none yet (an account made by a platform admin or by an invitation). A wrong current
        password counts as a failed sign-in of the address, so it is rate-limited the same.
        Revokes every other personal token of the user (the one used here stays), voids
        pending reset links, and mails a security notice."""
        user_id = principal.acting_user()
        now = self._deps.clock.now()
        async with self._deps.uows() as tx:
            user = await tx.users.get(user_id)
        if user is None:
            raise NotFound("user", user_id)
        address = ThrottleKey.of(Scope.SIGN_IN_ADDRESS, user.email.key)
        chosen = new_password(new, user.email, field="new_password")
        if user.password_hash is not None:
            async with self._deps.uows() as tx:
                until = await tx.sign_in_throttle.blocked_until([address], now)
            if until is not None:
                raise RateLimited(_retry_after(until, now))
            if current is None:
                raise InvalidValue(
                    "current_password is required to change a password",
                    field="current_password",
                )
            if not await asyncio.to_thread(
                self._hasher.verify, user.password_hash, normalized_password(current)
            ):
                async with self._deps.uows() as tx:
                    await tx.sign_in_throttle.record_failure(address, self.policy.per_address, now)
                    await self._deps.audit(
                        tx,
                        principal,
                        "user.password_change_failed",
                        "user",
                        user.id,
                        tenant_id=None,
                        changes={"reason": FailureReason.WRONG_PASSWORD.value},
                    )
                    await tx.commit()
                raise InvalidValue("the current password is wrong", field="current_password")
        password_hash = await asyncio.to_thread(self._hasher.hash, chosen)
        presented = PresentedToken.parse(raw_token)
        async with self._deps.uows() as tx:
            kept = (
                await tx.user_tokens.by_prefix(presented.prefix)
                if presented is not None and presented.kind is CredentialKind.USER_TOKEN
                else None
            )
            user = await self._set_password(
                tx,
                principal,
                user_id,
                password_hash,
                "user.password_changed",
                keep=kept.id if kept is not None and kept.user_id == user_id else None,
            )
            await tx.sign_in_throttle.clear(address)
            await tx.commit()
        self._notify_password_changed(user, "changed while signed in")
        return user

    async def _set_password(
        self,
        tx: UnitOfWork,
        actor: Principal | Actor,
        user_id: UserId,
        password_hash: str,
        action: str,
        *,
        keep: UserTokenId | None = None,
        changes: dict[str, Any] | None = None,
    ) -> User:
        now = self._deps.clock.now()
        user = await tx.users.get(user_id)
        if user is None:
            raise NotFound("user", user_id)
        user.set_password(password_hash, now)
        await tx.users.save(user)
        revoked = await tx.user_tokens.revoke_all_of(user_id, now, keep=keep)
        voided = await tx.password_resets.use_all_of(user_id, now)
        await self._deps.audit(
            tx,
            actor,
            action,
            "user",
            user.id,
            tenant_id=None,
            changes={
                **(changes or {}),
                "tokens_revoked": len(revoked),
                "reset_links_voided": voided,
            },
        )
        return user

    # --- resetting a forgotten password -------------------------------------------------

    async def request_reset(self, email: Email, client: str) -> None:
        """Accept a reset request: returns at once, the same for every address. Raises
        RateLimited when the address or the client asked too often (every request counts).
        A known, active user then gets a `vpr_` token by mail, usable once within 30
        minutes; nothing is sent for an unknown address (the audit trail says so)."""
        now = self._deps.clock.now()
        address = ThrottleKey.of(Scope.RESET_ADDRESS, email.key)
        client_key = ThrottleKey.of(Scope.RESET_CLIENT, client)
        async with self._deps.uows() as tx:
            until = await tx.sign_in_throttle.blocked_until([address, client_key], now)
            if until is not None:
                raise RateLimited(_retry_after(until, now))
            await tx.sign_in_throttle.record_failure(address, self.policy.per_address, now)
            await tx.sign_in_throttle.record_failure(client_key, self.policy.per_client, now)
            await tx.commit()
        self._spawn(self._issue_reset(email, address, client), "password_reset_request")
        self._purge_now_and_then(now)

    async def _issue_reset(self, email: Email, address: ThrottleKey, client: str) -> None:
        now = self._deps.clock.now()
        async with self._deps.uows() as tx:
            user = await tx.users.by_email(email)
            if user is None or not user.is_active:
                await self._deps.audit(
                    tx,
                    ANONYMOUS,
                    "user.password_reset_requested",
                    "password_reset_request",
                    self._deps.ids.new(),
                    tenant_id=None,
                    changes={
                        "outcome": "unknown_address" if user is None else "inactive_user",
                        "user_id": str(user.id) if user is not None else None,
                        "address_sha256": address.key_hash,
                        "client_address": client,
                    },
                )
                await tx.commit()
                return
            secret = issue_reset_secret()
            token = PasswordResetToken.issue(
                PasswordResetTokenId(self._deps.ids.new()), user.id, secret, now
            )
            await tx.password_resets.add(token)
            await self._deps.audit(
                tx,
                ANONYMOUS,
                "user.password_reset_requested",
                "password_reset_token",
                token.id,
                tenant_id=None,
                changes={
                    "outcome": "token_sent",
                    "user_id": str(user.id),
                    "expires_at": _iso(token.expires_at),
                    "client_address": client,
                },
            )
            await tx.commit()
        await self._send(reset_message(user.email, secret.token, self._public_url))

    async def confirm_reset(self, raw_token: str, new: str, client: str) -> User:
        """Set a new password with a reset token: marks the token used, revokes every
        personal token of the user, voids their other reset links, clears the address's
        failed sign-ins, and mails a security notice. An unknown, expired or used token (or
        one of a deactivated user) is one ResetTokenInvalid, counted per client; a password
        the policy refuses leaves the token usable."""
        now = self._deps.clock.now()
        client_key = ThrottleKey.of(Scope.RESET_CONFIRM_CLIENT, client)
        async with self._deps.uows() as tx:
            until = await tx.sign_in_throttle.blocked_until([client_key], now)
        if until is not None:
            raise RateLimited(_retry_after(until, now))
        presented = PresentedResetToken.parse(raw_token)
        refusal: ResetRefusal | None = None
        async with self._deps.uows() as tx:
            token = (
                await tx.password_resets.by_prefix_for_update(presented.prefix)
                if presented is not None
                else None
            )
            user = await tx.users.get(token.user_id) if token is not None else None
            if token is None or presented is None or not presented.matches(token.secret_hash):
                refusal = ResetRefusal.UNKNOWN_TOKEN
            elif token.used_at is not None:
                refusal = ResetRefusal.USED_TOKEN
            elif not token.usable_at(now):
                refusal = ResetRefusal.EXPIRED_TOKEN
            elif user is None or not user.is_active:
                refusal = ResetRefusal.INACTIVE_USER
            if refusal is None and token is not None and user is not None:
                chosen = new_password(new, user.email, field="new_password")
                password_hash = await asyncio.to_thread(self._hasher.hash, chosen)
                token.use(now)
                await tx.password_resets.save(token)
                user = await self._set_password(
                    tx,
                    Actor(ActorKind.USER, user.id),
                    user.id,
                    password_hash,
                    "user.password_reset",
                    changes={"client_address": client},
                )
                await tx.sign_in_throttle.clear(
                    ThrottleKey.of(Scope.SIGN_IN_ADDRESS, user.email.key)
                )
                await tx.commit()
                self._notify_password_changed(user, "reset with a link sent to this address")
                return user
        await self._reset_refused(client_key, refusal or ResetRefusal.UNKNOWN_TOKEN, token, client)
        raise ResetTokenInvalid()

    async def _reset_refused(
        self,
        client_key: ThrottleKey,
        refusal: ResetRefusal,
        token: PasswordResetToken | None,
        client: str,
    ) -> None:
        now = self._deps.clock.now()
        async with self._deps.uows() as tx:
            await tx.sign_in_throttle.record_failure(client_key, self.policy.per_client, now)
            await self._deps.audit(
                tx,
                ANONYMOUS,
                "user.password_reset_failed",
                "password_reset_token",
                token.id if token is not None else self._deps.ids.new(),
                tenant_id=None,
                changes={
                    "reason": refusal.value,
                    "user_id": str(token.user_id) if token is not None else None,
                    "client_address": client,
                },
            )
            await tx.commit()

    # --- mail, after the answer ----------------------------------------------------------

    def _notify_password_changed(self, user: User, how: str) -> None:
        message = password_changed_message(user.email, how, self._public_url)
        self._spawn(self._send(message), "password_changed")

    async def _send(self, message: EmailMessage) -> None:
        try:
            await self._mailer.send(message)
        except EmailDeliveryFailed as error:
            # The change stands; the user can ask again (a reset) — the log says why.
            log.warning("email_not_sent", kind=message.kind, error=str(error))

    def _spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("sign_in_background_work_failed", work=what)

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the work begun after answers (reset requests, notices): the process
        stops only once every message in hand is sent or given up."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _purge_now_and_then(self, now: datetime) -> None:
        """Forget ended counts once a window per process, after a failure: the table stays
        as small as the attempts of the last window, with no job to schedule."""
        if self._purged_at is None or now - self._purged_at >= self.policy.per_address.window:
            self._purged_at = now
            self._spawn(self._purge(), "sign_in_throttle_purge")

    async def _purge(self) -> None:
        await self.purge_throttle()

    async def purge_throttle(self) -> int:
        """Forget the counts whose windows and blocks have all ended."""
        longest = max(
            self.policy.per_address.window,
            self.policy.per_client.window,
            self.policy.per_address.block,
            self.policy.per_client.block,
        )
        async with self._deps.uows() as tx:
            purged = await tx.sign_in_throttle.purge(self._deps.clock.now() - longest)
            await tx.commit()
        return purged


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def reset_message(to: Email, token: str, public_url: str) -> EmailMessage:
    minutes = int(RESET_TOKEN_LIFE.total_seconds() // 60)
    return EmailMessage(
        to=to,
        subject="Reset your voice-agent password",
        body=(
            f"Someone asked to reset the password of the account {to.value}.\n\n"
            f"Your reset token, usable once within {minutes} minutes:\n\n"
            f"    {token}\n\n"
            "Choose a new password with it:\n\n"
            f"    curl -X POST {public_url}/v1/auth/password-resets/confirm \\\n"
            "      -H 'Content-Type: application/json' \\\n"
            f'      -d \'{{"token": "{token}", "new_password": "<at least 10 characters>"}}\'\n\n'
            "Setting it signs you out everywhere. If you did not ask for this, ignore this "
            "message: your password stays as it is.\n"
        ),
        kind="password_reset",
    )


def password_changed_message(to: Email, how: str, public_url: str) -> EmailMessage:
    return EmailMessage(
        to=to,
        subject="Your voice-agent password was changed",
        body=(
            f"The password of the account {to.value} was just {how}.\n"
            "Every other session of the account was signed out.\n\n"
            "If this was not you, reset your password at once (POST "
            f"{public_url}/v1/auth/password-resets with this address) and tell your "
            "administrator.\n"
        ),
        kind="password_changed",
    )

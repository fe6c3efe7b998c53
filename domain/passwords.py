"""Passwords, password reset tokens and the throttle of sign-in attempts.

A password is kept only as its hash (the PasswordHasher port); this module says what a
password must be, how reset tokens look and live, and how failed attempts block an address
or a client for a while.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import NewType
from uuid import UUID

import attrs

from domain.credentials import IssuedSecret, hash_secret
from domain.errors import InvalidValue
from domain.ids import UserId
from domain.values import Email

PasswordResetTokenId = NewType("PasswordResetTokenId", UUID)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
RESET_TOKEN_MARK = "vpr"
RESET_TOKEN_LIFE = timedelta(minutes=30)
_SECRET_BYTES = 32
_PREFIX_BYTES = 6
_RESET_TOKEN = re.compile(r"vpr_(?P<prefix>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43})")


def normalized_password(password: str) -> str:
    """The password as it is hashed and checked: NFKC, so that the same characters typed on
    another keyboard or system (composed or not, full-width or not) are the same password."""
    return unicodedata.normalize("NFKC", password)


def new_password(password: str, email: Email, *, field: str = "password") -> str:
    """A password a user may choose, normalised; InvalidValue saying what is wrong otherwise.

    Length is the rule that matters (NIST SP 800-63B): at least 10 characters, at most 256
    (argon2 hashes any length, but a megabyte password is a way to spend our CPU), and not
    the account's own address. No composition rules: they make passwords harder to remember,
    not to guess.
    """
    normalized = normalized_password(password)
    if len(normalized) < MIN_PASSWORD_LENGTH:
        raise InvalidValue(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters", field=field
        )
    if len(normalized) > MAX_PASSWORD_LENGTH:
        raise InvalidValue(
            f"the password must have at most {MAX_PASSWORD_LENGTH} characters", field=field
        )
    if "\x00" in normalized:
        raise InvalidValue("the password must not contain NUL characters", field=field)
    if normalized.strip().lower() == email.key:
        raise InvalidValue("the password must not be the account's email address", field=field)
    return normalized


# --- reset tokens ----------------------------------------------------------------------------


def issue_reset_secret() -> IssuedSecret:
    """A reset token (`vpr_…`): random, shown once (in the message), kept as its SHA-256."""
    prefix = secrets.token_hex(_PREFIX_BYTES)
    token = f"{RESET_TOKEN_MARK}_{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    return IssuedSecret(token, prefix, hash_secret(token))


@attrs.frozen
class PresentedResetToken:
    prefix: str
    raw: str

    @classmethod
    def parse(cls, raw: str) -> PresentedResetToken | None:
        match = _RESET_TOKEN.fullmatch(raw)
        return None if match is None else cls(match["prefix"], raw)

    def matches(self, secret_hash: str) -> bool:
        return hmac.compare_digest(hash_secret(self.raw), secret_hash)


@attrs.define(kw_only=True)
class PasswordResetToken:
    """A one-time permission to set a user's password, sent to their address."""

    id: PasswordResetTokenId
    user_id: UserId
    prefix: str
    secret_hash: str = attrs.field(repr=False)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(
        cls, token_id: PasswordResetTokenId, user_id: UserId, secret: IssuedSecret, now: datetime
    ) -> PasswordResetToken:
        return cls(
            id=token_id,
            user_id=user_id,
            prefix=secret.prefix,
            secret_hash=secret.secret_hash,
            created_at=now,
            expires_at=now + RESET_TOKEN_LIFE,
        )

    def usable_at(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at

    def use(self, at: datetime) -> None:
        self.used_at = at


# --- throttling failed attempts ------------------------------------------------------------


@attrs.frozen
class ThrottleRule:
    """`limit` failures within `window` of the first block the key for `block`."""

    limit: int
    window: timedelta
    block: timedelta


@attrs.frozen
class ThrottleKey:
    """What is counted: a scope (`sign_in.address`…) and the SHA-256 of the lower-cased
    address or client address, so the table holds no address in the clear."""

    scope: str
    key_hash: str

    @classmethod
    def of(cls, scope: str, value: str) -> ThrottleKey:
        return cls(str(scope), hashlib.sha256(value.strip().lower().encode()).hexdigest())


@attrs.frozen
class ThrottleState:
    failures: int
    window_started_at: datetime
    last_failure_at: datetime
    blocked_until: datetime | None = None

    def blocked_at(self, now: datetime) -> bool:
        return self.blocked_until is not None and now < self.blocked_until


def after_failure(state: ThrottleState | None, rule: ThrottleRule, now: datetime) -> ThrottleState:
    """The count after one more failure at `now`. A window (fixed, from its first failure)
    that has passed, or a block that has ended, starts the count again; the failure that
    reaches the limit blocks the key for `rule.block` from then."""
    fresh = (
        state is None
        or now >= state.window_started_at + rule.window
        or (state.blocked_until is not None and now >= state.blocked_until)
    )
    if fresh or state is None:
        failures, started, blocked = 1, now, None
    else:
        failures, started, blocked = (
            state.failures + 1,
            state.window_started_at,
            state.blocked_until,
        )
    if failures >= rule.limit:
        blocked = max(blocked or now, now + rule.block)
    return ThrottleState(failures, started, now, blocked)

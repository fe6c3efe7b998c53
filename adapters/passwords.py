"""Passwords hashed with argon2id (argon2-cffi), behind the application's PasswordHasher port.

The parameters are argon2-cffi's RFC 9106 "low memory" profile (t=3, m=64 MiB, p=4): about
0.1 s a hash on one core here, which bounds what a stolen hash costs to guess without
letting a burst of sign-ins exhaust the server. A hash made with other parameters still
verifies; `needs_rehash` tells the sign-in to store a new one.
"""

from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# A hash of nothing anyone knows, verified against for addresses without an account so
# that they cost the same time as a wrong password.
_DECOY_PASSWORD = "no account has this password"


class Argon2PasswordHasher:
    def __init__(self, hasher: argon2.PasswordHasher | None = None) -> None:
        self._hasher = hasher or argon2.PasswordHasher.from_parameters(
            argon2.profiles.RFC_9106_LOW_MEMORY
        )
        self._decoy = self._hasher.hash(_DECOY_PASSWORD)

    @classmethod
    def fast_for_tests(cls) -> Argon2PasswordHasher:
        """argon2id with the smallest cost argon2-cffi allows: the same code path in
        milliseconds, for test suites that sign in many times."""
        return cls(argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def waste_time(self, password: str) -> None:
        self.verify(self._decoy, password)

"""Hashing and checking passwords (argon2id in production)."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str:
        """A self-describing hash of `password` (algorithm, parameters, salt)."""
        ...

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether `password` matches; never raises for a mismatch or a malformed hash."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other parameters than today's."""
        ...

    def waste_time(self, password: str) -> None:
        """Spend what a `verify` costs, for an address with no account, so that unknown
        addresses and wrong passwords take the same time."""
        ...

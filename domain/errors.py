"""Errors the domain raises. Each carries the data a client needs, not prose only."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken by the input or the requested change."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidValue(DomainError):
    """A value does not satisfy its type's rules (blank name, malformed email...)."""

    code = "invalid-value"


class InvariantViolation(DomainError):
    """The change would leave an aggregate in a state the domain forbids."""

    code = "invariant-violated"


class LastOwnerRequired(InvariantViolation):
    """A tenant must keep at least one owner."""

    code = "last-owner"

    def __init__(self, tenant_id: object) -> None:
        super().__init__(
            "a tenant must keep at least one owner: transfer ownership or promote another "
            "member to owner first"
        )
        self.tenant_id = tenant_id


class OwnerRoleReserved(DomainError):
    """Only owners may grant the owner role or change an owner's membership."""

    code = "owner-role-reserved"

    def __init__(self) -> None:
        super().__init__("only an owner may grant the owner role or change an owner")


class InvalidStateTransition(InvariantViolation):
    code = "invalid-state"

"""Errors the domain raises. Each carries the data a client needs, not prose only."""

from __future__ import annotations

from collections.abc import Sequence


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


class LastOwnerOfTenants(InvariantViolation):
    """A user cannot delete their account while they are the last owner of a tenant: nobody
    would be left to run it, close it or take its data out."""

    code = "last-owner"

    def __init__(self, tenant_ids: Sequence[object]) -> None:
        self.tenant_ids = [str(t) for t in tenant_ids]
        super().__init__(
            "the user is the last owner of tenant(s) " + ", ".join(self.tenant_ids) + ":"
            " transfer ownership of each (POST /v1/tenants/{tenant_id}/transfer-ownership) or"
            " close it first"
        )


class OwnerRoleReserved(DomainError):
    """Only owners may grant the owner role or change an owner's membership."""

    code = "owner-role-reserved"

    def __init__(self) -> None:
        super().__init__("only an owner may grant the owner role or change an owner")


class InvalidStateTransition(InvariantViolation):
    code = "invalid-state"

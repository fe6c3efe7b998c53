"""Builders for the unit suite: services over fresh in-memory adapters, audit and state taps."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Coroutine
from typing import Any, TypeVar

import attrs

from adapters.ids import Uuid7Generator
from adapters.memory.unit_of_work import InMemoryDatabase
from application.access import Principal
from application.audit import AuditService
from application.context import UseCaseDeps
from application.credentials import CredentialService
from application.tenancy import MembershipService, TenantService
from application.users import UserService
from domain.audit import AuditEntry
from tests.support import MutableClock, World

T = TypeVar("T")


@attrs.frozen
class Services:
    tenants: TenantService
    members: MembershipService
    users: UserService
    credentials: CredentialService
    audit: AuditService

    @classmethod
    def over(cls, deps: UseCaseDeps) -> Services:
        return cls(
            TenantService(deps),
            MembershipService(deps),
            UserService(deps),
            CredentialService(deps),
            AuditService(deps),
        )


@attrs.frozen
class Fresh:
    """Everything one hypothesis example needs, on its own empty database."""

    db: InMemoryDatabase
    clock: MutableClock
    deps: UseCaseDeps
    svc: Services
    world: World


def fresh() -> Fresh:
    db = InMemoryDatabase()
    clock = MutableClock()
    deps = UseCaseDeps(uows=db.unit_of_work, ids=Uuid7Generator(), clock=clock)
    return Fresh(db, clock, deps, Services.over(deps), World(deps))


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from a synchronous (hypothesis) test."""
    return asyncio.run(coro)


def as_user(user: Any) -> Principal:
    return Principal.user(user.id, is_platform_admin=user.is_platform_admin)


class AuditTap:
    """The audit rows written since the tap was created (or last read), oldest first."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self._seen = set(db.tables["audit"])

    def new(self) -> list[AuditEntry]:
        rows = [e for key, e in self._db.tables["audit"].items() if key not in self._seen]
        self._seen.update(e.id for e in rows)
        return sorted(rows, key=lambda e: (e.at, e.id))


def snapshot(db: InMemoryDatabase) -> dict[str, dict[Any, Any]]:
    """A deep copy of every committed table, to prove that a failed change left no trace."""
    return copy.deepcopy(db.tables)

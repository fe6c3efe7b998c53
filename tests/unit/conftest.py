"""Unit-suite fixtures: the in-memory database behind `deps` is reachable, with the services."""

from __future__ import annotations

import pytest

from adapters.memory.unit_of_work import InMemoryDatabase
from application.context import UseCaseDeps
from application.ports.unit_of_work import UnitOfWorkFactory
from tests.unit.helpers import AuditTap, Services


@pytest.fixture
def memory_db() -> InMemoryDatabase:
    return InMemoryDatabase()


@pytest.fixture
def memory_uows(memory_db: InMemoryDatabase) -> UnitOfWorkFactory:
    """Overrides the root fixture so that tests can inspect the committed tables."""
    return memory_db.unit_of_work


@pytest.fixture
def svc(deps: UseCaseDeps) -> Services:
    return Services.over(deps)


@pytest.fixture
def audit_tap(memory_db: InMemoryDatabase) -> AuditTap:
    return AuditTap(memory_db)

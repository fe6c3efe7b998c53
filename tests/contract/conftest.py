"""Fixtures the repositories' contracts share: two tenants, and units of work per example."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.memory.unit_of_work import InMemoryDatabase
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.tenancy import Tenant
from tests.contract.test_call_repositories import a_tenant, given_tenants


@pytest.fixture
async def acme(uows: UnitOfWorkFactory) -> Tenant:
    tenant = a_tenant("Acme")
    await given_tenants(uows, tenant)
    return tenant


@pytest.fixture
async def globex(uows: UnitOfWorkFactory) -> Tenant:
    tenant = a_tenant("Globex")
    await given_tenants(uows, tenant)
    return tenant


@pytest.fixture
def per_example(uows: UnitOfWorkFactory) -> Callable[[], UnitOfWorkFactory]:
    """Units of work for one hypothesis example: on a fresh in-memory database, or on the same
    PostgreSQL database, where each example works in tenants of its own."""
    if isinstance(getattr(uows, "__self__", None), InMemoryDatabase):
        return lambda: InMemoryDatabase().unit_of_work
    return lambda: uows

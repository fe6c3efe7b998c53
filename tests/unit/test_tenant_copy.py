"""A copy of a tenant, as the access cache gives each of its holders: the same values in
every field, and a change to it reaches nothing else."""

from __future__ import annotations

import copy
from datetime import UTC, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.ids import PlanId, TenantId
from domain.retention import RetentionChoice
from domain.tenancy import Tenant, TenantStatus

instants = st.datetimes(timezones=st.just(UTC))
days = st.one_of(st.none(), st.integers(min_value=1, max_value=3650))

tenants = st.builds(
    Tenant,
    id=st.uuids().map(TenantId),
    name=st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=40),
    created_at=instants,
    updated_at=instants,
    plan_id=st.one_of(st.none(), st.uuids().map(PlanId)),
    status=st.sampled_from(TenantStatus),
    version=st.integers(min_value=0),
    closed_at=st.one_of(st.none(), instants),
    purge_after=st.one_of(st.none(), instants),
    retention=st.builds(RetentionChoice, transcripts_days=days),
)


@given(tenants)
def test_a_copy_holds_every_field_of_the_tenant(tenant: Tenant) -> None:
    clone = copy.copy(tenant)

    assert clone is not tenant
    assert attrs.asdict(clone, recurse=False) == attrs.asdict(tenant, recurse=False)


@given(tenants)
def test_a_change_to_a_copy_leaves_the_tenant_as_it_was(tenant: Tenant) -> None:
    before = attrs.asdict(tenant, recurse=False)
    clone = copy.copy(tenant)

    clone.rename("Renamed", tenant.updated_at + timedelta(seconds=1))

    assert attrs.asdict(tenant, recurse=False) == before
    assert clone.name == "Renamed"


@given(tenants)
def test_a_copy_is_checked_on_change_as_the_tenant_is(tenant: Tenant) -> None:
    clone = copy.copy(tenant)

    with pytest.raises(InvalidValue):
        clone.rename(" ", tenant.updated_at)

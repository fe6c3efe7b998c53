"""Leads: the people a tenant's agents call (the seed's LeadModel)."""

from __future__ import annotations

import enum
import functools
import zoneinfo
from datetime import datetime
from typing import Any

import attrs

from domain.errors import InvalidValue
from domain.ids import CallId, LeadId, TenantId
from domain.phones import PhoneNumber
from domain.values import Email, json_object, optional_text


class LeadStatus(enum.StrEnum):
    """Where a lead stands: `new` until first contacted, then as the tenant records it."""

    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    LOST = "lost"


MAX_SOURCE_LENGTH = 100
_source = optional_text(max_len=MAX_SOURCE_LENGTH)


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_time_zone(value: str | None, *, field: str = "timezone") -> str | None:
    """An IANA time zone name (`America/New_York`); None passes."""
    if value is not None and value not in _zones():
        raise InvalidValue(f"{value!r} is not an IANA time zone name", field=field)
    return value


def _time_zone(_instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    check_time_zone(value, field=attribute.name)


@attrs.define
class Lead:
    id: LeadId
    tenant_id: TenantId
    phone: PhoneNumber
    created_at: datetime
    updated_at: datetime
    name: str | None = attrs.field(default=None, validator=optional_text(max_len=255))
    email: Email | None = None
    source: str | None = attrs.field(default=None, validator=_source)
    status: LeadStatus = LeadStatus.NEW
    timezone: str | None = attrs.field(default=None, validator=_time_zone)
    do_not_call: bool = False
    metadata: dict[str, Any] = attrs.field(factory=dict, validator=json_object)
    last_contacted_at: datetime | None = None
    last_call_id: CallId | None = None
    version: int = 0

    @classmethod
    def new(
        cls,
        id: LeadId,
        tenant_id: TenantId,
        phone: PhoneNumber,
        at: datetime,
        *,
        timezone: str | None = None,
        **fields: Any,
    ) -> Lead:
        """A new lead; without a time zone, the number's own when it has exactly one."""
        zone = timezone if timezone is not None else phone.time_zone()
        return cls(id, tenant_id, phone, at, at, timezone=zone, **fields)

    def mark_contacted(self, call_id: CallId | None, at: datetime) -> None:
        """Record a contact. A later contact never moves the record back in time."""
        if self.last_contacted_at is None or at >= self.last_contacted_at:
            self.last_contacted_at = at
            self.last_call_id = call_id if call_id is not None else self.last_call_id
        if self.status is LeadStatus.NEW:
            self.status = LeadStatus.CONTACTED
        self.updated_at = max(self.updated_at, at)


def check_source(source: str | None) -> None:
    """InvalidValue unless `source` may be a lead's: asked before leads are written in bulk."""
    _source(None, attrs.fields(Lead).source, source)

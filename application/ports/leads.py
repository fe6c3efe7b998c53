"""What the application needs to keep the lead book, and what a CSV import stages in it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

import attrs

from application.pagination import PageRequest
from domain.ids import LeadId, TenantId
from domain.leads import Lead, LeadStatus
from domain.phones import PhoneNumber


@attrs.frozen
class LeadFilter:
    """What a lead list is narrowed to; None means any."""

    status: LeadStatus | None = None
    source: str | None = None
    do_not_call: bool | None = None
    contacted: bool | None = None
    text: str | None = None
    """Case-insensitive substring of the name, phone or email."""


class StagedLead(NamedTuple):
    """One valid row of a CSV import, its values checked and normalised, kept until the
    import merges it into the lead book. Plain values: rows are checked in other processes
    and written in bulk."""

    row: int
    """The record number in the file (the header is 1)."""
    phone: str
    """E.164."""
    phone_zone: str | None
    """The number's own time zone (PhoneNumber.time_zone): a new lead's when the file gives
    none."""
    name: str | None
    email: str | None
    """Normalised (Email.value)."""
    timezone: str | None
    metadata: dict[str, str]
    id: LeadId
    """The id of the lead this row creates when it is the first row of a number the tenant
    has no lead with."""


@attrs.frozen
class StagedMerge:
    """What merging an import's staged rows into the lead book did, one number at a time."""

    created: int
    updated: int
    unchanged: int
    duplicates: int
    """Rows whose number appeared on an earlier row: combined with it."""


class LeadRepository(Protocol):
    async def get(self, tenant_id: TenantId, lead_id: LeadId) -> Lead | None: ...
    async def by_phone(self, tenant_id: TenantId, phone: PhoneNumber) -> Lead | None: ...
    async def by_phones(
        self, tenant_id: TenantId, phones: Sequence[PhoneNumber]
    ) -> dict[PhoneNumber, Lead]: ...
    async def add(self, lead: Lead) -> None:
        """Raises AlreadyExists(field="phone") when the tenant has a lead with the number."""
        ...

    async def save(self, lead: Lead) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def stage(self, rows: Sequence[StagedLead]) -> None:
        """Keep rows of an import until the unit of work ends, seen by nothing else: an
        import stages its file batch by batch instead of holding it in memory."""
        ...

    async def merge_staged(self, tenant_id: TenantId, *, source: str, at: datetime) -> StagedMerge:
        """Merge every row staged so far into the tenant's lead book, one lead per number,
        in one go (nothing of the file is held here), and forget them.

        The rows of a number are combined in file order: a later row's name, email and time
        zone win where it has them, its metadata keys overwrite the earlier rows'. A number
        the tenant has no lead with becomes a new lead: the id of its first row, `source`,
        the number's own zone when the rows give none, created and updated `at`. A number
        it has a lead with brings those values into the lead (metadata keys added or
        overwritten, the rest kept); the lead is written (updated `at`, its next version)
        only when that changed it, emails compared ignoring case. What the tenant's leads
        were is read when the merge begins."""
        ...

    async def remove(self, lead: Lead) -> None:
        """Delete the lead; its calls stay, no longer linked to it."""
        ...

    async def list(self, tenant_id: TenantId, where: LeadFilter, page: PageRequest) -> list[Lead]:
        """Newest first, at most `page.limit + 1`."""
        ...

"""The lead book in memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from adapters.memory.repositories import Overlay, owned, page_of, save_versioned
from application.errors import lead_phone_taken
from application.pagination import PageRequest, Position
from application.ports.leads import LeadFilter, StagedLead, StagedMerge
from domain.ids import LeadId, TenantId
from domain.leads import Lead
from domain.phones import PhoneNumber
from domain.values import Email

T = TypeVar("T")


def _matches(lead: Lead, where: LeadFilter) -> bool:
    text = where.text.casefold() if where.text else None
    return (
        where.status in (None, lead.status)
        and where.source in (None, lead.source)
        and where.do_not_call in (None, lead.do_not_call)
        and where.contacted in (None, lead.last_contacted_at is not None)
        and (
            text is None
            or any(
                text in field.casefold()
                for field in (
                    lead.name or "",
                    lead.phone.e164,
                    lead.email.value if lead.email else "",
                )
            )
        )
    )


def _last_given(values: Iterable[T | None]) -> T | None:
    """The last value that is not None."""
    found = None
    for value in values:
        found = value if value is not None else found
    return found


class InMemoryLeadRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def get(self, tenant_id: TenantId, lead_id: LeadId) -> Lead | None:
        return owned(self._o.get("leads", lead_id), tenant_id)

    async def by_phone(self, tenant_id: TenantId, phone: PhoneNumber) -> Lead | None:
        return next(
            (
                lead
                for lead in self._o.rows("leads")
                if lead.tenant_id == tenant_id and lead.phone == phone
            ),
            None,
        )

    async def by_phones(
        self, tenant_id: TenantId, phones: Sequence[PhoneNumber]
    ) -> dict[PhoneNumber, Lead]:
        wanted = set(phones)
        return {
            lead.phone: lead
            for lead in self._o.rows("leads")
            if lead.tenant_id == tenant_id and lead.phone in wanted
        }

    async def add(self, lead: Lead) -> None:
        if await self.by_phone(lead.tenant_id, lead.phone) is not None:
            raise lead_phone_taken()
        self._o.put("leads", lead.id, lead)

    async def save(self, lead: Lead) -> None:
        other = await self.by_phone(lead.tenant_id, lead.phone)
        if other is not None and other.id != lead.id:
            raise lead_phone_taken()
        save_versioned(self._o, "leads", lead, "lead")

    async def stage(self, rows: Sequence[StagedLead]) -> None:
        self._o.staged_leads.extend(rows)

    async def merge_staged(self, tenant_id: TenantId, *, source: str, at: datetime) -> StagedMerge:
        numbers: dict[str, list[StagedLead]] = {}
        for row in sorted(self._o.staged_leads, key=lambda r: r.row):
            numbers.setdefault(row.phone, []).append(row)
        self._o.staged_leads.clear()
        phones = {p: PhoneNumber(p, zone=rows[0].phone_zone) for p, rows in numbers.items()}
        existing = await self.by_phones(tenant_id, list(phones.values()))  # before any write
        created = updated = unchanged = duplicates = 0
        for phone, rows in numbers.items():
            duplicates += len(rows) - 1
            name = _last_given(r.name for r in rows)
            email = _last_given(r.email for r in rows)
            timezone = _last_given(r.timezone for r in rows)
            metadata = {key: value for r in rows for key, value in r.metadata.items()}
            lead = existing.get(phones[phone])
            if lead is None:
                self._o.put(
                    "leads",
                    rows[0].id,
                    Lead.new(
                        rows[0].id,
                        tenant_id,
                        phones[phone],
                        at,
                        timezone=timezone,
                        name=name,
                        email=Email(email) if email is not None else None,
                        source=source,
                        metadata=metadata,
                    ),
                )
                created += 1
                continue
            before = (lead.name, lead.email, lead.timezone, lead.metadata)  # Email: any case
            after = (
                name or lead.name,
                Email(email) if email is not None else lead.email,
                timezone or lead.timezone,
                {**lead.metadata, **metadata},
            )
            if after == before:
                unchanged += 1
                continue
            lead.name, lead.email, lead.timezone, lead.metadata = after
            lead.updated_at = at
            lead.version += 1
            self._o.put("leads", lead.id, lead)
            updated += 1
        return StagedMerge(created, updated, unchanged, duplicates)

    async def remove(self, lead: Lead) -> None:
        for call in self._o.rows("calls"):
            if call.tenant_id == lead.tenant_id and call.lead_id == lead.id:
                call.lead_id = None
                self._o.put("calls", call.id, call)
        if await self.get(lead.tenant_id, lead.id) is not None:
            self._o.delete("leads", lead.id)

    async def list(self, tenant_id: TenantId, where: LeadFilter, page: PageRequest) -> list[Lead]:
        rows = [
            lead
            for lead in self._o.rows("leads")
            if lead.tenant_id == tenant_id and _matches(lead, where)
        ]
        return page_of(
            rows, page, lambda lead: Position(lead.created_at, lead.id), newest_first=True
        )

"""Leads (the seed's LeadModel): members work them, viewers read them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from application.access import Permission, Principal, authorize
from application.context import UseCaseDeps, apply_changes, check_version
from application.errors import AlreadyExists, NotFound
from application.pagination import Page, PageRequest, Position
from application.ports.calls import CallListItem
from application.ports.leads import LeadFilter
from application.ports.unit_of_work import UnitOfWork
from domain.errors import InvalidValue
from domain.ids import CallId, LeadId, TenantId
from domain.leads import Lead, LeadStatus
from domain.phones import PhoneNumber
from domain.values import Email

LEAD_FIELDS = frozenset(
    {"name", "phone", "email", "source", "status", "timezone", "do_not_call", "metadata"}
)


@attrs.frozen
class CreateLead:
    tenant_id: TenantId
    phone: PhoneNumber
    name: str | None = None
    email: Email | None = None
    source: str | None = None
    status: LeadStatus = LeadStatus.NEW
    timezone: str | None = None
    """IANA; when None, the number's zone where it has exactly one."""
    do_not_call: bool = False
    metadata: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class UpdateLead:
    tenant_id: TenantId
    lead_id: LeadId
    changes: Mapping[str, Any]
    """Only the fields to change, among LEAD_FIELDS."""
    version: int | None = None


def lead_position(lead: Lead) -> Position:
    return Position(lead.created_at, lead.id)


async def lead_of(tx: UnitOfWork, tenant_id: TenantId, lead_id: LeadId) -> Lead:
    lead = await tx.leads.get(tenant_id, lead_id)
    if lead is None:
        raise NotFound("lead", lead_id)
    return lead


def _duplicate(existing: Lead) -> AlreadyExists:
    return AlreadyExists(
        "lead",
        "phone",
        f"the tenant already has a lead with phone {existing.phone}",
        existing_id=existing.id,
    )


class LeadService:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def create_lead(self, principal: Principal, cmd: CreateLead) -> Lead:
        """One lead per phone number in a tenant: a duplicate is refused with AlreadyExists
        carrying the existing lead's id."""
        try:
            async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
                await authorize(principal, Permission.LEADS_WRITE, cmd.tenant_id, tx)
                existing = await tx.leads.by_phone(cmd.tenant_id, cmd.phone)
                if existing is not None:
                    raise _duplicate(existing)
                lead = Lead.new(
                    LeadId(self._deps.ids.new()),
                    cmd.tenant_id,
                    cmd.phone,
                    self._deps.clock.now(),
                    timezone=cmd.timezone,
                    name=cmd.name,
                    email=cmd.email,
                    source=cmd.source,
                    status=cmd.status,
                    do_not_call=cmd.do_not_call,
                    metadata=cmd.metadata,
                )
                await tx.leads.add(lead)
                await self._deps.audit(
                    tx,
                    principal,
                    "lead.created",
                    "lead",
                    lead.id,
                    tenant_id=cmd.tenant_id,
                    changes={"phone": lead.phone.e164, "source": lead.source},
                )
                await tx.commit()
        except AlreadyExists as error:
            if error.existing_id is None and error.field == "phone":
                # Another request created it between our check and our commit.
                raise await self._duplicate_of(cmd.tenant_id, cmd.phone) or error from None
            raise
        return lead

    async def _duplicate_of(self, tenant_id: TenantId, phone: PhoneNumber) -> AlreadyExists | None:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            existing = await tx.leads.by_phone(tenant_id, phone)
        return _duplicate(existing) if existing else None

    async def get_lead(self, principal: Principal, tenant_id: TenantId, lead_id: LeadId) -> Lead:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.LEADS_READ, tenant_id, tx)
            return await lead_of(tx, tenant_id, lead_id)

    async def lead_by_phone(
        self, principal: Principal, tenant_id: TenantId, phone: PhoneNumber
    ) -> Lead:
        """The lead whose number is the same E.164 number, however it was written."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.LEADS_READ, tenant_id, tx)
            lead = await tx.leads.by_phone(tenant_id, phone)
        if lead is None:
            raise NotFound("lead with phone", phone.e164)
        return lead

    async def list_leads(
        self, principal: Principal, tenant_id: TenantId, where: LeadFilter, page: PageRequest
    ) -> Page[Lead]:
        """Newest first."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.LEADS_READ, tenant_id, tx)
            rows = await tx.leads.list(tenant_id, where, page)
        return Page.from_rows(rows, page, lead_position)

    async def update_lead(self, principal: Principal, cmd: UpdateLead) -> Lead:
        async with self._deps.uows(tenant_id=cmd.tenant_id) as tx:
            await authorize(principal, Permission.LEADS_WRITE, cmd.tenant_id, tx)
            lead = await lead_of(tx, cmd.tenant_id, cmd.lead_id)
            check_version(cmd.version, lead.version, "lead", lead.id)
            phone = cmd.changes.get("phone")
            if phone is not None and phone != lead.phone:
                existing = await tx.leads.by_phone(cmd.tenant_id, phone)
                if existing is not None:
                    raise _duplicate(existing)
            diff = apply_changes(lead, cmd.changes, self._deps.clock.now())
            if diff:
                await tx.leads.save(lead)
                await self._deps.audit(
                    tx,
                    principal,
                    "lead.updated",
                    "lead",
                    lead.id,
                    tenant_id=cmd.tenant_id,
                    changes=diff,
                )
                await tx.commit()
        return lead

    async def mark_contacted(
        self,
        principal: Principal,
        tenant_id: TenantId,
        lead_id: LeadId,
        call_id: CallId | None = None,
    ) -> Lead:
        """Record a contact now, by the given call of this lead when there is one; a new
        lead becomes `contacted`."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.LEADS_WRITE, tenant_id, tx)
            lead = await lead_of(tx, tenant_id, lead_id)
            if call_id is not None:
                call = await tx.calls.get(tenant_id, call_id)
                if call is None or call.lead_id != lead.id:
                    raise InvalidValue(f"no call {call_id} of this lead", field="call_id")
            lead.mark_contacted(call_id, self._deps.clock.now())
            await tx.leads.save(lead)
            await self._deps.audit(
                tx,
                principal,
                "lead.contacted",
                "lead",
                lead.id,
                tenant_id=tenant_id,
                changes={"call_id": str(call_id) if call_id else None},
            )
            await tx.commit()
        return lead

    async def delete_lead(self, principal: Principal, tenant_id: TenantId, lead_id: LeadId) -> None:
        """Delete the lead. Its calls stay (with their costs), no longer linked to it."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.LEADS_WRITE, tenant_id, tx)
            lead = await lead_of(tx, tenant_id, lead_id)
            await tx.leads.remove(lead)
            await self._deps.audit(
                tx,
                principal,
                "lead.deleted",
                "lead",
                lead.id,
                tenant_id=tenant_id,
                changes={"phone": lead.phone.e164},
            )
            await tx.commit()

    async def call_history(
        self, principal: Principal, tenant_id: TenantId, lead_id: LeadId, page: PageRequest
    ) -> Page[CallListItem]:
        """The seed's getLeadCallHistory: the lead's calls, newest first, as lists show them.
        A caller the process knows reads them in one go (QuickReads)."""
        if self._deps.authorized_from_cache(principal, Permission.CALLS_READ, tenant_id):
            found = await self._deps.reads.lead_calls(tenant_id, lead_id, page)
            if found is None:
                raise NotFound("lead", lead_id)
            rows = found
        else:
            async with self._deps.uows(tenant_id=tenant_id) as tx:
                await self._deps.authorize(principal, Permission.CALLS_READ, tenant_id, tx)
                await lead_of(tx, tenant_id, lead_id)
                rows = await tx.calls.of_lead(tenant_id, lead_id, page)
        return Page.from_rows(rows, page, CallListItem.position)

"""Reads for the hottest requests, which need nothing but the tenant's isolation and their
queries.

A unit of work is a transaction of several round trips (its context, each statement, its
end). A read whose caller is already authorized needs only the tenant's isolation and its
queries: an adapter may send them together.
"""

from __future__ import annotations

from typing import Protocol

from application.pagination import PageRequest
from application.ports.calls import CallFilter, CallListItem
from domain.calls import VoiceCall
from domain.ids import CallId, LeadId, TenantId


class QuickReads(Protocol):
    async def call(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        """The tenant's call, as `CallRepository.get` reads it in a unit of work of that
        tenant (the same isolation), or None."""
        ...

    async def calls(
        self, tenant_id: TenantId, where: CallFilter, page: PageRequest
    ) -> list[CallListItem]:
        """A page of the tenant's calls, as `CallRepository.list` reads it."""
        ...

    async def lead_calls(
        self, tenant_id: TenantId, lead_id: LeadId, page: PageRequest
    ) -> list[CallListItem] | None:
        """A page of the lead's calls, as `CallRepository.of_lead` reads it; None when the
        tenant has no such lead."""
        ...

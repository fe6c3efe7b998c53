"""Reads that need nothing but one record of one tenant, for the hottest requests.

A unit of work is a transaction of several round trips (its context, each statement, its
end). A read of one record whose caller is already authorized needs only the tenant's
isolation and the one query: an adapter may send them together.
"""

from __future__ import annotations

from typing import Protocol

from domain.calls import VoiceCall
from domain.ids import CallId, TenantId


class QuickReads(Protocol):
    async def call(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        """The tenant's call, as `CallRepository.get` reads it in a unit of work of that
        tenant (the same isolation), or None."""
        ...

"""Call rows that other work holds, on the in-memory adapters: locking one of them for
update meets the lock bound, as PostgreSQL's lock_timeout does (the adapter translates
that to DatabaseBusy)."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from adapters.memory.calls import InMemoryCallRepository
from application.errors import DatabaseBusy
from domain.calls import VoiceCall
from domain.ids import CallId, TenantId

LOCK_TIMEOUT = (
    "records this request needs were held by another operation (such as a lead import)"
    " longer than the lock timeout; nothing was changed"
)


def hold_calls(monkeypatch: pytest.MonkeyPatch, held: Collection[CallId]) -> None:
    """From now on, the calls in `held` (a live collection: empty it to let go) are busy."""
    locking = InMemoryCallRepository.get_for_update

    async def get_for_update(
        self: InMemoryCallRepository, tenant_id: TenantId, call_id: CallId
    ) -> VoiceCall | None:
        if call_id in held:
            raise DatabaseBusy(LOCK_TIMEOUT)
        return await locking(self, tenant_id, call_id)

    monkeypatch.setattr(InMemoryCallRepository, "get_for_update", get_for_update)

"""The provider's messages leave the inbox when their time is past: applied ones after
`settled`, those that failed to apply after `failed` (or, replayed, as applied ones); in
batches, tenant by tenant and for no tenant, each tenant's count audited."""

from __future__ import annotations

from datetime import timedelta

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from application.call_events import ProviderEvents
from application.phone_resolution import PhoneResolver
from application.ports.calls import InboxMessage
from application.webhook_messages import InboxRetention, WebhookMessages
from domain.ids import TenantId
from tests.unit.helpers import Fresh, fresh, run

RETENTION = InboxRetention(settled=timedelta(days=30), failed=timedelta(days=90), batch=3)


@attrs.frozen
class Kept:
    owner: int
    """Which tenant's: 0 or 1, or 2 for no tenant."""
    age_days: float
    failed: bool


a_message = st.builds(
    Kept,
    owner=st.integers(0, 2),
    age_days=st.floats(0, 200, allow_nan=False),
    failed=st.booleans(),
)


def _due(kept: Kept) -> bool:
    limit = RETENTION.failed if kept.failed else RETENTION.settled
    return timedelta(days=kept.age_days) > limit


async def _purge(messages: list[Kept]) -> None:
    env: Fresh = fresh()
    owner = await env.world.user("owner@acme.example")
    tenants: list[TenantId | None] = [
        (await env.world.tenant(owner, "Acme")).id,
        (await env.world.tenant(owner, "Globex")).id,
        None,
    ]
    now = env.clock.now()
    stored: dict[object, Kept] = {}
    for kept in messages:
        received = now - timedelta(days=kept.age_days)
        message = InboxMessage(
            id=env.deps.ids.new(),
            provider="vapi",
            dedupe_key=f"key-{env.deps.ids.new()}",
            type="status-update",
            payload={"message": {"type": "status-update"}},
            received_at=received,
            tenant_id=tenants[kept.owner],
            processed_at=None if kept.failed else received,
            error="RuntimeError: a bug" if kept.failed else None,
        )
        async with env.deps.uows(tenant_id=message.tenant_id) as tx:
            await tx.inbox.add(message)
            await tx.commit()
        stored[message.id] = kept
    service = WebhookMessages(
        env.deps, ProviderEvents(env.deps, PhoneResolver(env.deps)), lambda *_: None, RETENTION
    )

    removed = await service.purge_kept()

    left = set(env.db.tables["inbox"])
    assert left == {key for key, kept in stored.items() if not _due(kept)}
    expected = {
        tenants[n]: sum(1 for k in stored.values() if k.owner == n and _due(k)) for n in range(3)
    }
    assert removed == {t: count for t, count in expected.items() if count}
    audited = {
        e.tenant_id: e.changes["removed"]
        for e in env.db.tables["audit"].values()
        if e.action == "webhook_messages.purged"
    }
    assert audited == removed
    # A second pass finds nothing more to do.
    assert await service.purge_kept() == {}


@settings(max_examples=60, deadline=None)
@given(messages=st.lists(a_message, max_size=25))
def test_exactly_the_messages_past_their_time_go_whatever_their_tenant_and_number(
    messages: list[Kept],
) -> None:
    run(_purge(messages))

"""The contract of what retention and erasure ask of the repositories, the same on the
in-memory and the PostgreSQL adapters: the purge of a kind of content deletes in SQL what
`VoiceCall.purge` deletes in the domain, from exactly the calls due; the person's calls,
messages and audit entries are found by lead and number, in the tenant only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from application.access import Principal
from application.context import UseCaseDeps
from application.pagination import PageRequest
from application.retention import PurgeBatches, Retention
from domain.audit import SYSTEM, AuditEntry
from domain.calls import CallStatus, ContentKind, VoiceCall
from domain.ids import AuditEntryId, LeadId
from domain.retention import RetentionChoice, RetentionPolicy, effective
from domain.tenancy import Tenant
from tests.contract.test_call_repositories import (
    EXAMPLES,
    a_call,
    a_message,
    a_tenant,
    at,
    given_tenants,
    ids,
    read_call,
    seed,
)
from tests.support import MutableClock, World

HOUR = 3600

# What a call may hold, each independently: the report's parts, links to the audio in our
# columns and in the provider's record, and the provider's record itself.
CONTENTS: dict[str, dict[str, Any]] = {
    "transcript": {"transcription": {"text": "AI: Hello", "messages": []}},
    "summary": {"summary": "Booked a cleaning"},
    "analysis": {"analysis": {"structured_data": {"booked": True}}},
    "recording_url": {"recording_url": "https://storage.vapi.ai/a.wav"},
}
ARTIFACTS = {
    "recordings": {"mono": "https://storage.vapi.ai/m.wav"},
    "log_url": "https://logs.vapi.ai/1",
}
RECORDS = {
    "id": {"id": "vapi-1"},
    "link": {"recordingUrl": "https://storage.vapi.ai/r.wav"},
    "artifact": {"artifact": {"recording": {"stereoUrl": "https://x/s.wav"}, "transcript": "x"}},
    "listed": {"artifact": ["recording"]},
}


@st.composite
def held_content(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in draw(st.sets(st.sampled_from(sorted(CONTENTS)))):
        fields.update(CONTENTS[name])
    artifacts = {k: ARTIFACTS[k] for k in draw(st.sets(st.sampled_from(sorted(ARTIFACTS))))}
    fields["artifacts"] = artifacts or draw(st.sampled_from([None, {}]))
    record: dict[str, Any] = {}
    for name in draw(st.sets(st.sampled_from(sorted(RECORDS)))):
        record.update(RECORDS[name])
    fields["vapi_data"] = record
    return fields


@st.composite
def call_specs(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "mine": draw(st.booleans()),
        "status": draw(
            st.sampled_from([CallStatus.ENDED, CallStatus.FAILED, CallStatus.IN_PROGRESS])
        ),
        "ended_hours_ago": draw(st.one_of(st.none(), st.integers(0, 5))),
        "content": draw(held_content()),
    }


def without_version(call: VoiceCall | None) -> VoiceCall | None:
    return attrs.evolve(call, version=0) if call is not None else None


@EXAMPLES
@given(
    specs=st.lists(call_specs(), max_size=8),
    kind=st.sampled_from(list(ContentKind)),
    cutoff_hours=st.integers(0, 6),
    limit=st.integers(1, 5),
)
async def test_a_purge_deletes_from_the_calls_due_what_the_domain_deletes(
    per_example, specs, kind, cutoff_hours, limit
):
    uows = per_example()
    tenant, other = a_tenant(), a_tenant("Other")
    await given_tenants(uows, tenant, other)
    now = at(10 * HOUR)
    calls = []
    for spec in specs:
        owner = tenant if spec["mine"] else other
        ended = spec["ended_hours_ago"]
        call = a_call(
            owner,
            status=spec["status"],
            ended_at=None if ended is None else now - timedelta(hours=ended),
            created_at=now - timedelta(hours=6),
            **spec["content"],
        )
        calls.append(call)
        await seed(uows, owner, call)
    before = now - timedelta(hours=cutoff_hours)

    async with uows(tenant_id=tenant.id) as tx:
        count = await tx.calls.purge_expired(tenant.id, kind, before, now, limit)
        await tx.commit()

    due = [
        c
        for c in calls
        if c.tenant_id == tenant.id
        and c.finished
        and (c.ended_at or c.created_at) < before
        and c.holds(kind)
    ]
    assert count == min(limit, len(due))
    changed = 0
    for call in calls:
        stored = await read_call(uows, tenant if call.tenant_id == tenant.id else other, call.id)
        if call in due:
            purged = attrs.evolve(call, purged_content=list(call.purged_content))
            purged.purge([kind], now)
            if without_version(stored) == without_version(purged):
                changed += 1
                continue
        assert without_version(stored) == without_version(call), call
    assert changed == count


async def test_storing_stops_for_the_calls_in_progress_of_the_tenant_only(uows, acme, globex):
    live, ended = a_call(acme, status=CallStatus.IN_PROGRESS), a_call(acme, status=CallStatus.ENDED)
    others = a_call(globex, status=CallStatus.RINGING)
    await seed(uows, acme, live, ended)
    await seed(uows, globex, others)

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.calls.stop_storing_content(acme.id, at(60)) == 1
        await tx.commit()

    assert (await read_call(uows, acme, live.id)).content_stored is False
    assert (await read_call(uows, acme, ended.id)).content_stored is True
    assert (await read_call(uows, globex, others.id)).content_stored is True
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.calls.stop_storing_content(acme.id, at(90)) == 0


async def test_a_persons_calls_are_the_leads_and_those_to_or_from_its_number(uows, acme, globex):
    lead_id, number = LeadId(ids.new()), "+14155550123"
    mine = [
        a_call(acme, to_number=number),
        a_call(acme, to_number="+14155550999", caller_number=number),
        a_call(acme, to_number="+14155550999"),
    ]
    theirs = a_call(globex, to_number=number)
    await seed(uows, acme, *mine)
    await seed(uows, globex, theirs)
    async with uows(tenant_id=acme.id) as tx:
        found = await tx.calls.of_person(acme.id, lead_id, number)
    assert [c.id for c in found] == sorted(c.id for c in mine[:2])


async def test_messages_naming_the_person_or_their_calls_go_in_the_tenant_only(uows, acme, globex):
    named = attrs.evolve(a_message(acme), payload={"message": {"customer": "+14155550123"}})
    about = attrs.evolve(a_message(acme), provider_call_id="vapi-77")
    unrelated = a_message(acme)
    theirs = attrs.evolve(a_message(globex), payload={"message": {"customer": "+14155550123"}})
    for message in (named, about, unrelated, theirs):
        async with uows(tenant_id=message.tenant_id) as tx:
            await tx.inbox.add(message)
            await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.inbox.remove_mentioning(acme.id, ["vapi-77"], ["+14155550123"]) == 2
        await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        assert [m.id for m in await tx.inbox.list(acme.id, PageRequest())] == [unrelated.id]
    async with uows(tenant_id=globex.id) as tx:
        assert [m.id for m in await tx.inbox.list(globex.id, PageRequest())] == [theirs.id]


def an_entry(tenant: Tenant, entity_id: Any, changes: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        AuditEntryId(ids.new()),
        tenant.id,
        SYSTEM,
        "lead.updated",
        "lead",
        entity_id,
        changes,
        at(0),
    )


async def test_audit_entries_about_the_person_keep_the_act_without_details(uows, acme, globex):
    lead_id = ids.new()
    about = an_entry(acme, lead_id, {"name": "Ada"})
    naming = an_entry(acme, ids.new(), {"phone": "+14155550123"})
    unrelated = an_entry(acme, ids.new(), {"name": "Grace"})
    theirs = an_entry(globex, lead_id, {"phone": "+14155550123"})
    for entry in (about, naming, unrelated, theirs):
        async with uows(tenant_id=entry.tenant_id) as tx:
            await tx.audit.record(entry)
            await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.audit.redact(acme.id, [lead_id], ["+14155550123"]) == 2
        await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        kept = {e.id: e for e in await tx.audit.list(acme.id, PageRequest())}
    assert kept == {
        about.id: attrs.evolve(about, changes={}),
        naming.id: attrs.evolve(naming, changes={}),
        unrelated.id: unrelated,
    }
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.audit.list(globex.id, PageRequest()) == [theirs]


# --- the purge use case, over random settings and call ages ----------------------------------


@attrs.frozen
class Kept:
    owner: int
    ended_days_ago: int | None
    status: CallStatus
    content: dict[str, Any]


kept_calls = st.builds(
    Kept,
    owner=st.integers(0, 1),
    ended_days_ago=st.one_of(st.none(), st.integers(0, 12)),
    status=st.sampled_from([CallStatus.ENDED, CallStatus.FAILED, CallStatus.IN_PROGRESS]),
    content=held_content(),
)


def retention_choices(most_days: int) -> st.SearchStrategy[RetentionChoice]:
    """A tenant's choices: each period unset or up to `most_days`, storing unset or not."""
    days = st.one_of(st.none(), st.integers(0, most_days))
    return st.builds(
        RetentionChoice,
        transcripts_days=days,
        recordings_days=days,
        provider_record_days=days,
        store_transcripts=st.one_of(st.none(), st.booleans()),
    )


tenant_choices = retention_choices(10)


@EXAMPLES
@given(
    choices=st.lists(tenant_choices, min_size=2, max_size=2),
    kept=st.lists(kept_calls, max_size=10),
)
async def test_exactly_the_content_past_each_tenants_time_goes_and_nothing_else(
    per_example, choices, kept
):
    uows = per_example()
    deps = UseCaseDeps(uows=uows, ids=ids, clock=MutableClock(datetime.now(UTC)))
    world = World(deps)
    owner = await world.user(f"owner-{ids.new()}@acme.example")
    tenants = [await world.tenant(owner, name) for name in ("Acme", "Globex")]
    retention = Retention(deps, batches=PurgeBatches(calls=2))
    for tenant, choice in zip(tenants, choices, strict=True):
        await retention.change(Principal.user(owner.id), tenant.id, attrs.asdict(choice))
    now = deps.clock.now()
    calls = []
    for spec in kept:
        tenant = tenants[spec.owner]
        ended = None if spec.ended_days_ago is None else now - timedelta(days=spec.ended_days_ago)
        call = a_call(
            tenant,
            status=spec.status,
            ended_at=ended,
            created_at=now - timedelta(days=11),
            **spec.content,
        )
        await seed(uows, tenant, call)
        calls.append(call)

    # On PostgreSQL the examples share a database: each looks at its own tenants.
    mine = {t.id for t in tenants}
    purged = {t: counts for t, counts in (await retention.purge_due()).items() if t in mine}

    expected: dict[Any, dict[str, int]] = {}
    for call in calls:
        owner_index = next(i for i, t in enumerate(tenants) if t.id == call.tenant_id)
        policy = effective(choices[owner_index], RetentionPolicy())
        after = attrs.evolve(call, purged_content=list(call.purged_content))
        for kind, before in policy.expiring(now):
            if (
                call.finished
                and (call.ended_at or call.created_at) < before
                and after.purge([kind], now)
            ):
                counts = expected.setdefault(call.tenant_id, {})
                counts[kind.value] = counts.get(kind.value, 0) + 1
        stored = await read_call(uows, tenants[owner_index], call.id)
        assert without_version(stored) == without_version(after)
    assert purged == expected
    for tenant in tenants:
        async with uows(tenant_id=tenant.id) as tx:
            entries = await tx.audit.list(tenant.id, PageRequest(limit=100))
        audited = [e.changes["removed"] for e in entries if e.action == "call_content.purged"]
        assert audited == ([expected[tenant.id]] if tenant.id in expected else [])
    assert mine.isdisjoint(await retention.purge_due())

"""The lead and call contract, the same on every adapter."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.ids import Uuid7Generator
from adapters.memory.unit_of_work import InMemoryDatabase
from application.errors import AlreadyExists, ConcurrencyConflict
from application.pagination import PageRequest, Position
from application.ports.calls import CallListItem
from application.ports.leads import LeadFilter, StagedLead, StagedMerge
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.agents import VoiceAgent
from domain.batches import Batch, CallingWindow
from domain.calls import CallDirection, CallStatus, VoiceCall
from domain.ids import AgentId, BatchId, CallId, LeadId, PhoneNumberId, TenantId, VoiceId
from domain.leads import Lead, LeadStatus
from domain.phones import NumberProvider, PhoneLine, PhoneNumber
from domain.tenancy import Tenant
from domain.values import Email
from domain.voices import Voice, VoiceProvider

ids = Uuid7Generator()
T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
_phones = (PhoneNumber(f"+1212736{n:04d}") for n in itertools.count(1000))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def a_tenant(name: str = "Acme") -> Tenant:
    return Tenant(TenantId(ids.new()), name, created_at=at(0), updated_at=at(0))


def a_lead(
    tenant: Tenant, phone: PhoneNumber | None = None, when: float = 0, **fields: Any
) -> Lead:
    return Lead(LeadId(ids.new()), tenant.id, phone or next(_phones), at(when), at(when), **fields)


def a_call(tenant: Tenant, when: float = 0, **fields: Any) -> VoiceCall:
    return VoiceCall(
        CallId(ids.new()),
        tenant.id,
        CallDirection.OUTBOUND,
        CallStatus.QUEUED,
        "+12127365000",
        at(when),
        at(when),
        **fields,
    )


async def given_tenants(uows: UnitOfWorkFactory, *tenants: Tenant) -> None:
    for tenant in tenants:
        async with uows(tenant_id=tenant.id) as tx:
            await tx.tenants.add(tenant)
            await tx.commit()


async def given_leads(uows: UnitOfWorkFactory, tenant: Tenant, *leads: Lead) -> None:
    async with uows(tenant_id=tenant.id) as tx:
        for lead in leads:
            await tx.leads.add(lead)
        await tx.commit()


async def given_calls(uows: UnitOfWorkFactory, tenant: Tenant, *calls: VoiceCall) -> None:
    async with uows(tenant_id=tenant.id) as tx:
        for call in calls:
            await tx.calls.add(call)
        await tx.commit()


@pytest.fixture
async def acme(uows: UnitOfWorkFactory) -> Tenant:
    tenant = a_tenant("Acme")
    await given_tenants(uows, tenant)
    return tenant


@pytest.fixture
async def globex(uows: UnitOfWorkFactory) -> Tenant:
    tenant = a_tenant("Globex")
    await given_tenants(uows, tenant)
    return tenant


async def read_lead(uows: UnitOfWorkFactory, tenant: Tenant, lead_id: LeadId) -> Lead | None:
    async with uows(tenant_id=tenant.id) as tx:
        return await tx.leads.get(tenant.id, lead_id)


# --- round trips and scoping ----------------------------------------------------------------


async def test_lead_round_trip_of_every_field(uows, acme, globex):
    call = a_call(acme)
    lead = a_lead(
        acme,
        PhoneNumber.parse("+44 20 7946 0958"),
        name="Ann Lee",
        email=Email.parse("Ann.Lee@Example.COM"),
        source="web form",
        status=LeadStatus.QUALIFIED,
        timezone="Europe/London",
        do_not_call=True,
        metadata={"plan": "pro", "seats": 12, "tags": ["a", "b"], "extra": {"x": None}},
        last_contacted_at=at(90),
        last_call_id=call.id,
    )
    lead = attrs.evolve(lead, updated_at=at(91))
    async with uows(tenant_id=acme.id) as tx:
        await tx.leads.add(lead)  # its last call is written after it, in the same transaction
        await tx.calls.add(attrs.evolve(call, lead_id=lead.id))
        await tx.commit()

    stored = await read_lead(uows, acme, lead.id)
    async with uows(tenant_id=acme.id) as tx:
        elsewhere = await tx.leads.get(globex.id, lead.id)
        by_phone_elsewhere = await tx.leads.by_phone(globex.id, lead.phone)
    from_other = await read_lead(uows, globex, lead.id)

    assert stored == lead
    assert stored is not None
    assert (stored.email, str(stored.email)) == (
        Email.parse("ann.lee@example.com"),
        "Ann.Lee@example.com",
    )
    assert (stored.status, stored.timezone, stored.do_not_call) == (
        LeadStatus.QUALIFIED,
        "Europe/London",
        True,
    )
    assert (stored.last_contacted_at, stored.last_call_id, stored.version) == (at(90), call.id, 0)
    assert stored.metadata == {"plan": "pro", "seats": 12, "tags": ["a", "b"], "extra": {"x": None}}
    assert (elsewhere, by_phone_elsewhere, from_other) == (None, None, None)


async def test_a_lead_with_nothing_but_a_phone_round_trips(uows, acme):
    lead = a_lead(acme)
    await given_leads(uows, acme, lead)
    stored = await read_lead(uows, acme, lead.id)
    assert stored == lead
    assert stored is not None
    assert (stored.name, stored.email, stored.timezone, stored.metadata) == (None, None, None, {})


async def test_call_round_trip_of_every_field(uows, acme, globex):
    voice = Voice(VoiceId(ids.new()), acme.id, "Ava", VoiceProvider.OPENAI, "alloy", at(0), at(0))
    agent = VoiceAgent(AgentId(ids.new()), acme.id, "Sam", at(0), at(0), voice_id=voice.id)
    line = PhoneLine(
        PhoneNumberId(ids.new()), acme.id, next(_phones), NumberProvider.VAPI, at(0), at(0)
    )
    lead = a_lead(acme)
    window = CallingWindow(frozenset({1, 2, 3, 4, 5}), time(9), time(17))
    batch = Batch(BatchId(ids.new()), acme.id, agent.id, line.id, "Spring", window, at(0), at(0))
    call = a_call(
        acme,
        when=5,
        agent_id=agent.id,
        lead_id=lead.id,
        voice_id=voice.id,
        from_number_id=line.id,
        ended_reason="customer-ended-call",
        vapi_call_id="vapi-123",
        vapi_data={"id": "vapi-123", "cost": 0.12},
        transcription={"turns": [{"role": "agent", "text": "Hi"}]},
        recording_url="https://example.com/rec.wav",
        summary="Interested.",
        analysis={"score": 7},
        cost=Decimal("0.1234"),
        cost_breakdown={"llm": 0.05, "tts": 0.07},
        call_duration=93,
        batch_id=batch.id,
        started_at=at(6),
        ended_at=at(99),
        idempotency_key="key-1",
        metadata={"campaign": "spring"},
    )
    call = attrs.evolve(
        call, direction=CallDirection.INBOUND, status=CallStatus.ENDED, updated_at=at(100)
    )
    async with uows(tenant_id=acme.id) as tx:
        await tx.voices.add(voice)
        await tx.phone_numbers.add(line)
        await tx.agents.add(agent)
        await tx.leads.add(lead)
        await tx.batches.add(batch)
        await tx.calls.add(call)
        await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.calls.get(acme.id, call.id)
        elsewhere = await tx.calls.get(globex.id, call.id)

    assert stored == call
    assert stored is not None
    assert isinstance(stored.cost, Decimal)
    assert (stored.cost, stored.call_duration, stored.batch_id) == (
        Decimal("0.1234"),
        93,
        batch.id,
    )
    assert (stored.direction, stored.status) == (CallDirection.INBOUND, CallStatus.ENDED)
    assert elsewhere is None


# --- uniqueness and versions ----------------------------------------------------------------


async def test_a_lead_is_unique_per_tenant_and_phone(uows, acme, globex):
    phone = next(_phones)
    mine = a_lead(acme, phone)
    await given_leads(uows, acme, mine)

    async with uows(tenant_id=acme.id) as tx:
        with pytest.raises(AlreadyExists) as raised:
            await tx.leads.add(a_lead(acme, phone, when=1))
    assert raised.value.field == "phone"

    theirs = a_lead(globex, phone)
    await given_leads(uows, globex, theirs)  # another tenant may have the same person
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.leads.by_phone(acme.id, phone) == mine
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.leads.by_phone(globex.id, phone) == theirs


async def test_moving_a_lead_onto_another_leads_phone_is_refused(uows, acme):
    first, second = a_lead(acme), a_lead(acme, when=1)
    await given_leads(uows, acme, first, second)
    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.leads.get(acme.id, second.id)
        assert stored is not None
        stored.phone = first.phone
        with pytest.raises(AlreadyExists) as raised:
            await tx.leads.save(stored)
    assert raised.value.field == "phone"
    assert await read_lead(uows, acme, second.id) == second


async def test_saving_a_lead_keeps_every_field_and_a_lost_update_is_refused(uows, acme):
    lead = a_lead(acme)
    await given_leads(uows, acme, lead)
    async with uows(tenant_id=acme.id) as a, uows(tenant_id=acme.id) as b:
        la, lb = await a.leads.get(acme.id, lead.id), await b.leads.get(acme.id, lead.id)
        assert la is not None
        assert lb is not None
        la.name = "Ann"
        la.phone = next(_phones)
        la.email = Email.parse("ann@example.com")
        la.source = "referral"
        la.status = LeadStatus.LOST
        la.timezone = "Asia/Tokyo"
        la.do_not_call = True
        la.metadata = {"why": "moved"}
        la.mark_contacted(None, at(30))
        await a.leads.save(la)
        await a.commit()
        lb.name = "Lost update"
        with pytest.raises(ConcurrencyConflict):
            await b.leads.save(lb)
    assert la.version == 1
    assert await read_lead(uows, acme, lead.id) == la


# --- phones -----------------------------------------------------------------------------------


async def test_by_phones_finds_the_tenants_leads_among_the_numbers_asked(uows, acme, globex):
    one, two, three = a_lead(acme), a_lead(acme), a_lead(acme)
    await given_leads(uows, acme, one, two, three)
    theirs = a_lead(globex)
    await given_leads(uows, globex, theirs)
    nobody = next(_phones)

    async with uows(tenant_id=acme.id) as tx:
        found = await tx.leads.by_phones(acme.id, [one.phone, three.phone, nobody, theirs.phone])
        none_asked = await tx.leads.by_phones(acme.id, [])

    assert found == {one.phone: one, three.phone: three}
    assert none_asked == {}


# --- an import's staging and merge ---------------------------------------------------------


def staged_row(row: int, phone: PhoneNumber, **fields: Any) -> StagedLead:
    values: dict[str, Any] = {"name": None, "email": None, "timezone": None, "metadata": {}}
    values |= fields
    return StagedLead(
        row,
        phone.e164,
        phone.time_zone(),
        values["name"],
        values["email"],
        values["timezone"],
        values["metadata"],
        LeadId(ids.new()),
    )


async def merge(uows: UnitOfWorkFactory, tenant: Tenant, *batches: list[StagedLead]) -> Any:
    """Stage the batches and merge them at at(50), in one transaction, as an import does."""
    async with uows(tenant_id=tenant.id) as tx:
        for batch in batches:
            await tx.leads.stage(batch)
        merged = await tx.leads.merge_staged(tenant.id, source="import", at=at(50))
        await tx.commit()
    return merged


async def test_new_numbers_become_leads_combined_from_their_rows_in_file_order(uows, acme):
    ny, paris, toll_free = (
        PhoneNumber.parse(raw)
        for raw in ("+1 212 736 5000", "+33 1 23 45 67 89", "+1 800 555 1234")
    )
    rows = [
        staged_row(2, ny, name="Ann", email="ann@example.com", metadata={"a": "1", "b": "2"}),
        staged_row(3, paris, name="Zoë\tTab\\Back\nLine", metadata={"n": 'o"te,\\t'}),
        staged_row(5, ny, name=None, email="ann.lee@example.com", timezone="Europe/Paris"),
        staged_row(6, toll_free),
        staged_row(9, ny, name="Ann Lee", metadata={"b": "3", "c": "4"}),
    ]

    merged = await merge(uows, acme, rows[:2], [], rows[2:])

    assert merged == StagedMerge(created=3, updated=0, unchanged=0, duplicates=2)
    async with uows(tenant_id=acme.id) as tx:
        found = await tx.leads.by_phones(acme.id, [ny, paris, toll_free])

    def new(row: StagedLead, **fields: Any) -> Lead:
        return Lead(
            row.id, acme.id, PhoneNumber(row.phone), at(50), at(50), source="import", **fields
        )

    assert found == {
        ny: new(
            rows[0],
            name="Ann Lee",
            email=Email("ann.lee@example.com"),
            timezone="Europe/Paris",
            metadata={"a": "1", "b": "3", "c": "4"},
        ),
        paris: new(rows[1], name=rows[1].name, timezone="Europe/Paris", metadata=rows[1].metadata),
        toll_free: new(rows[3]),  # no zone of its own: the whole plan
    }


async def test_a_number_the_tenant_has_brings_the_files_values_into_its_lead(uows, acme):
    existing = a_lead(
        acme,
        name="Old",
        email=Email.parse("old@example.com"),
        source="web",
        status=LeadStatus.QUALIFIED,
        timezone="Europe/Paris",
        do_not_call=True,
        metadata={"a": "1", "keep": "me"},
        last_contacted_at=at(3),
    )
    untouched = a_lead(acme, name="Untouched")
    await given_leads(uows, acme, existing, untouched)
    phone = existing.phone

    merged = await merge(
        uows,
        acme,
        [staged_row(2, phone, email="new@example.com", metadata={"a": "2"})],
        [staged_row(4, phone, timezone="America/Chicago", metadata={"b": "3"})],
    )

    assert merged == StagedMerge(created=0, updated=1, unchanged=0, duplicates=1)
    assert await read_lead(uows, acme, existing.id) == attrs.evolve(
        existing,
        email=Email("new@example.com"),
        timezone="America/Chicago",
        metadata={"a": "2", "keep": "me", "b": "3"},
        updated_at=at(50),
        version=existing.version + 1,
    )
    assert await read_lead(uows, acme, untouched.id) == untouched


async def test_a_lead_the_file_does_not_change_is_left_as_it_was(uows, acme):
    existing = a_lead(
        acme,
        name="Ann",
        email=Email.parse("Ann.Lee@example.com"),
        timezone="Europe/Paris",
        metadata={"a": "1", "b": "2"},
    )
    await given_leads(uows, acme, existing)

    merged = await merge(
        uows,
        acme,
        [
            staged_row(2, existing.phone, name="Ann", metadata={"a": "1"}),
            staged_row(3, existing.phone, email="ann.lee@example.com"),  # the same, any case
        ],
    )

    assert merged == StagedMerge(created=0, updated=0, unchanged=1, duplicates=1)
    assert await read_lead(uows, acme, existing.id) == existing


async def test_a_merge_touches_only_its_own_tenant(uows, acme, globex):
    theirs = a_lead(globex, name="Theirs")
    await given_leads(uows, globex, theirs)
    row = staged_row(2, theirs.phone, name="Mine")

    merged = await merge(uows, acme, [row])

    assert merged == StagedMerge(created=1, updated=0, unchanged=0, duplicates=0)
    mine = await read_lead(uows, acme, row.id)
    assert mine is not None
    assert mine.name == "Mine"
    assert await read_lead(uows, globex, theirs.id) == theirs


async def test_staged_rows_end_with_their_transaction_or_their_merge(uows, acme):
    phone, other = next(_phones), next(_phones)
    async with uows(tenant_id=acme.id) as tx:
        await tx.leads.stage([staged_row(2, phone)])  # left without commit
    async with uows(tenant_id=acme.id) as tx:
        nothing = await tx.leads.merge_staged(acme.id, source="import", at=at(50))
        await tx.leads.stage([staged_row(2, other)])
        once = await tx.leads.merge_staged(acme.id, source="import", at=at(50))
        again = await tx.leads.merge_staged(acme.id, source="import", at=at(50))
        await tx.commit()

    assert nothing == again == StagedMerge(0, 0, 0, 0)
    assert once == StagedMerge(1, 0, 0, 0)
    async with uows(tenant_id=acme.id) as tx:
        assert list(await tx.leads.by_phones(acme.id, [phone, other])) == [other]


async def test_a_large_staging_is_merged_whole(uows, acme):
    phones = [next(_phones) for _ in range(2000)]
    rows = [staged_row(2 + n, phones[n % 2000], name=str(n)) for n in range(2500)]

    merged = await merge(uows, acme, *(rows[start : start + 700] for start in range(0, 2500, 700)))

    assert merged == StagedMerge(created=2000, updated=0, unchanged=0, duplicates=500)
    async with uows(tenant_id=acme.id) as tx:
        found = await tx.leads.by_phones(acme.id, phones)
    assert {lead.phone: lead.name for lead in found.values()} == {
        phone: str(n + 2000 if n < 500 else n) for n, phone in enumerate(phones)
    }
    assert {lead.id for lead in found.values()} == {row.id for row in rows[:2000]}


MERGE_PHONES = [PhoneNumber(f"+1212736{n:04d}") for n in range(4)] + [
    PhoneNumber("+18005551234")  # toll-free: no zone of its own
]
MERGE_NAMES = [None, "Ann", "Bo"]
MERGE_EMAILS = [None, "ann@example.com", "ANN@example.com", "bo@example.org"]
MERGE_ZONES = [None, "Europe/Paris", "America/Chicago"]
merge_metadata = st.dictionaries(st.sampled_from("ab"), st.sampled_from(["1", "2"]), max_size=2)


@st.composite
def merge_cases(draw: st.DrawFn) -> tuple[dict[PhoneNumber, dict[str, Any]], list[dict[str, Any]]]:
    """Leads the tenant has, by number, and the rows of a file (in file order)."""
    known = draw(st.sets(st.sampled_from(MERGE_PHONES), max_size=3))
    emails = st.sampled_from(MERGE_EMAILS).map(lambda e: Email(e) if e else None)
    existing = {
        phone: {
            "name": draw(st.sampled_from(MERGE_NAMES)),
            "email": draw(emails),
            "timezone": draw(st.sampled_from(MERGE_ZONES)),
            "metadata": draw(merge_metadata),
        }
        for phone in sorted(known, key=str)
    }
    rows = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "phone": st.sampled_from(MERGE_PHONES),
                    "name": st.sampled_from(MERGE_NAMES),
                    "email": st.sampled_from(MERGE_EMAILS),
                    "timezone": st.sampled_from(MERGE_ZONES),
                    "metadata": merge_metadata,
                }
            ),
            max_size=10,
        )
    )
    return existing, rows


def merged_as_documented(
    tenant: Tenant, before: dict[PhoneNumber, Lead], rows: list[StagedLead]
) -> tuple[StagedMerge, dict[PhoneNumber, Lead]]:
    """LeadRepository.merge_staged's rules, one row at a time."""
    after = dict(before)
    created = updated = unchanged = duplicates = 0
    numbers: dict[str, list[StagedLead]] = {}
    for row in rows:
        numbers.setdefault(row.phone, []).append(row)
    for phone, mine in numbers.items():
        duplicates += len(mine) - 1
        name = email = zone = None
        metadata: dict[str, str] = {}
        for row in mine:
            name, email, zone = row.name or name, row.email or email, row.timezone or zone
            metadata |= row.metadata
        number = PhoneNumber(phone)
        lead = before.get(number)
        if lead is None:
            after[number] = Lead.new(
                mine[0].id,
                tenant.id,
                number,
                at(50),
                timezone=zone,
                name=name,
                email=Email(email) if email else None,
                source="import",
                metadata=metadata,
            )
            created += 1
            continue
        merged = attrs.evolve(
            lead,
            name=name or lead.name,
            email=Email(email) if email else lead.email,
            timezone=zone or lead.timezone,
            metadata=lead.metadata | metadata,
        )
        if (merged.name, merged.email, merged.timezone, merged.metadata) == (
            lead.name,
            lead.email,
            lead.timezone,
            lead.metadata,
        ):
            unchanged += 1
        else:
            after[number] = attrs.evolve(merged, updated_at=at(50), version=lead.version + 1)
            updated += 1
    return StagedMerge(created, updated, unchanged, duplicates), after


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # see `per_example`
)
@given(case=merge_cases(), cuts=st.lists(st.integers(0, 10), max_size=3), data=st.data())
async def test_a_merge_follows_the_documented_rules_whatever_the_staging_order(
    per_example, case, cuts, data
):
    """Rows may be staged in any order of batches (an import stages a batch as soon as it is
    checked): the merge goes by their row numbers."""
    uows = per_example()
    tenant = a_tenant()
    await given_tenants(uows, tenant)
    known, specs = case
    before = {phone: a_lead(tenant, phone, **fields) for phone, fields in known.items()}
    await given_leads(uows, tenant, *before.values())
    rows = [
        staged_row(2 + n, spec["phone"], **{k: v for k, v in spec.items() if k != "phone"})
        for n, spec in enumerate(specs)
    ]
    edges = sorted({0, len(rows), *(min(c, len(rows)) for c in cuts)})
    batches = [rows[a:b] for a, b in itertools.pairwise(edges)]
    batches = data.draw(st.permutations(batches))

    merged = await merge(uows, tenant, *batches)

    expected, after = merged_as_documented(tenant, before, rows)
    assert merged == expected
    async with uows(tenant_id=tenant.id) as tx:
        stored = await tx.leads.by_phones(tenant.id, MERGE_PHONES)
    assert stored == after


# --- listing ----------------------------------------------------------------------------------

NAMES = [None, "Ann", "ann lee", "100% Pure", "snake_case", "Back\\slash", "Bo"]
EMAILS = [None, "ann@example.com", "x_y@pure100.org", "bo@example.net"]
SOURCES = [None, "web", "import", "Web"]
TEXTS = ["ann", "ANN", "%", "_", "100%", "e_c", "\\", "212", "+1212", "example", "zzz", "a%n"]


@st.composite
def lead_specs(draw: st.DrawFn) -> dict[str, Any]:
    email = draw(st.sampled_from(EMAILS))
    return {
        "name": draw(st.sampled_from(NAMES)),
        "email": Email.parse(email) if email else None,
        "source": draw(st.sampled_from(SOURCES)),
        "status": draw(st.sampled_from(LeadStatus)),
        "do_not_call": draw(st.booleans()),
        "last_contacted_at": draw(st.sampled_from([None, at(1)])),
        "when": draw(st.integers(0, 3)),  # equal times: the id breaks the tie
    }


filters = st.builds(
    LeadFilter,
    status=st.none() | st.sampled_from(LeadStatus),
    source=st.none() | st.sampled_from([s for s in SOURCES if s]),
    do_not_call=st.none() | st.booleans(),
    contacted=st.none() | st.booleans(),
    text=st.none() | st.sampled_from(TEXTS),
)


def matches(lead: Lead, where: LeadFilter) -> bool:
    """The filter as the port documents it; the text is a literal, case-insensitive substring
    of the name, the phone or the email."""
    fields = [lead.name or "", lead.phone.e164, str(lead.email or "")]
    return (
        (where.status is None or lead.status is where.status)
        and (where.source is None or lead.source == where.source)
        and (where.do_not_call is None or lead.do_not_call == where.do_not_call)
        and (where.contacted is None or (lead.last_contacted_at is not None) == where.contacted)
        and (where.text is None or any(where.text.lower() in f.lower() for f in fields))
    )


async def every_page(
    uows: UnitOfWorkFactory, tenant: Tenant, where: LeadFilter, limit: int
) -> list[Lead]:
    """Walk the pages as a client would, by the position of each page's last lead."""
    seen: list[Lead] = []
    page = PageRequest(limit=limit)
    while True:
        async with uows(tenant_id=tenant.id) as tx:
            rows = await tx.leads.list(tenant.id, where, page)
        assert len(rows) <= limit + 1
        seen += rows[:limit]
        if len(rows) <= limit:
            return seen
        last = rows[limit - 1]
        page = PageRequest(limit=limit, after=Position(last.created_at, last.id))


@pytest.fixture
def per_example(uows: UnitOfWorkFactory) -> Callable[[], UnitOfWorkFactory]:
    """Units of work for one hypothesis example: on a fresh in-memory database, or on the same
    PostgreSQL database, where each example works in tenants of its own."""
    if isinstance(getattr(uows, "__self__", None), InMemoryDatabase):
        return lambda: InMemoryDatabase().unit_of_work
    return lambda: uows


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # see `per_example`
)
@given(
    specs=st.lists(lead_specs(), max_size=8),
    where=filters,
    limit=st.integers(1, 4),
)
async def test_list_filters_and_pages_newest_first_without_gaps(per_example, specs, where, limit):
    uows = per_example()
    tenant, other = a_tenant(), a_tenant("Other")
    await given_tenants(uows, tenant, other)
    leads = [a_lead(tenant, when=spec.pop("when"), **spec) for spec in (dict(s) for s in specs)]
    await given_leads(uows, tenant, *leads)
    # The same people in another tenant never show.
    await given_leads(
        uows, other, *(attrs.evolve(lead, id=ids.new(), tenant_id=other.id) for lead in leads)
    )

    listed = await every_page(uows, tenant, where, limit)

    expected = sorted(
        (lead for lead in leads if matches(lead, where)),
        key=lambda lead: (lead.created_at, lead.id),
        reverse=True,
    )
    assert listed == expected


@pytest.mark.parametrize(
    ("where", "names"),
    [
        (LeadFilter(text="%"), ["100% Pure"]),
        (LeadFilter(text="_"), ["snake_case"]),
        (LeadFilter(text="0%"), ["100% Pure"]),
        (LeadFilter(text="a_c"), []),  # "_" is no wildcard: "abc"-like names do not match
        (LeadFilter(text="SNAKE"), ["snake_case"]),
        (LeadFilter(text="\\"), ["Back\\slash"]),
        (LeadFilter(text="@pure"), ["Mail"]),
        (LeadFilter(text="+1212736"), ["100% Pure", "Back\\slash", "Mail", "abc", "snake_case"]),
    ],
)
async def test_text_search_is_literal_and_case_insensitive(uows, acme, where, names):
    leads = [
        a_lead(acme, name="100% Pure"),
        a_lead(acme, name="snake_case"),
        a_lead(acme, name="abc"),
        a_lead(acme, name="Back\\slash"),
        a_lead(acme, name="Mail", email=Email.parse("x@pure.example")),
    ]
    await given_leads(uows, acme, *leads)
    async with uows(tenant_id=acme.id) as tx:
        found = await tx.leads.list(acme.id, where, PageRequest())
    assert sorted(lead.name or "" for lead in found) == names


# --- removal and call history -----------------------------------------------------------------


async def test_removing_a_lead_keeps_its_calls_unlinked(uows, acme):
    lead, other = a_lead(acme), a_lead(acme)
    await given_leads(uows, acme, lead, other)
    mine = [a_call(acme, when=w, lead_id=lead.id) for w in (1, 2)]
    theirs = a_call(acme, when=3, lead_id=other.id)
    await given_calls(uows, acme, *mine, theirs)

    async with uows(tenant_id=acme.id) as tx:
        await tx.leads.remove(lead)
        await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.leads.get(acme.id, lead.id) is None
        kept = [await tx.calls.get(acme.id, call.id) for call in mine]
        assert await tx.calls.get(acme.id, theirs.id) == theirs
        assert await tx.calls.of_lead(acme.id, lead.id, PageRequest()) == []
    assert kept == [attrs.evolve(call, lead_id=None) for call in mine]


async def test_a_leads_calls_newest_first_page_by_page(uows, acme, globex):
    lead, other = a_lead(acme), a_lead(acme)
    await given_leads(uows, acme, lead, other)
    calls = [a_call(acme, when=w // 2, lead_id=lead.id) for w in range(7)]
    await given_calls(uows, acme, *calls, a_call(acme, when=9, lead_id=other.id), a_call(acme))
    expected = sorted(calls, key=lambda c: (c.created_at, c.id), reverse=True)

    seen: list[CallListItem] = []
    page = PageRequest(limit=3)
    while True:
        async with uows(tenant_id=acme.id) as tx:
            rows = await tx.calls.of_lead(acme.id, lead.id, page)
        seen += rows[: page.limit]
        if len(rows) <= page.limit:
            break
        page = PageRequest(limit=3, after=rows[page.limit - 1].position())

    assert seen == [CallListItem.of(call) for call in expected]
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.calls.of_lead(globex.id, lead.id, PageRequest()) == []


async def test_exist_for_agent(uows, acme, globex):
    busy = VoiceAgent(AgentId(ids.new()), acme.id, "Busy", at(0), at(0))
    idle = VoiceAgent(AgentId(ids.new()), acme.id, "Idle", at(0), at(0))
    async with uows(tenant_id=acme.id) as tx:
        await tx.agents.add(busy)
        await tx.agents.add(idle)
        await tx.calls.add(a_call(acme, agent_id=busy.id))
        await tx.calls.add(a_call(acme))
        await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.calls.exist_for_agent(acme.id, busy.id) is True
        assert await tx.calls.exist_for_agent(acme.id, idle.id) is False
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.calls.exist_for_agent(globex.id, busy.id) is False


# --- transactions ----------------------------------------------------------------------------


async def test_leaving_without_commit_leaves_nothing(uows, acme):
    lead = a_lead(acme)
    call = a_call(acme, lead_id=lead.id)
    imported = next(_phones)
    async with uows(tenant_id=acme.id) as tx:
        await tx.leads.add(lead)
        await tx.calls.add(call)
        await tx.leads.stage([staged_row(2, imported)])
        await tx.leads.merge_staged(acme.id, source="import", at=at(50))

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.leads.get(acme.id, lead.id) is None
        assert await tx.calls.get(acme.id, call.id) is None
        assert await tx.leads.by_phones(acme.id, [lead.phone, imported]) == {}
        assert await tx.leads.list(acme.id, LeadFilter(), PageRequest()) == []
    await given_leads(uows, acme, a_lead(acme, lead.phone))  # the phone was never taken


async def test_a_failed_removal_rolls_back_the_unlinking_of_its_calls(uows, acme):
    lead = a_lead(acme)
    await given_leads(uows, acme, lead)
    call = a_call(acme, lead_id=lead.id)
    await given_calls(uows, acme, call)

    async def remove_then_fail() -> None:
        async with uows(tenant_id=acme.id) as tx:
            await tx.leads.remove(lead)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await remove_then_fail()
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.leads.get(acme.id, lead.id) == lead
        assert await tx.calls.of_lead(acme.id, lead.id, PageRequest()) == [CallListItem.of(call)]

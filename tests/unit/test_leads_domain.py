"""Leads in the domain: time zones, contacts, and the JSON their metadata may hold."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.agents import VoiceAgent
from domain.errors import InvalidValue
from domain.ids import AgentId, CallId, LeadId, TenantId, VoiceId
from domain.leads import Lead, LeadStatus, check_time_zone
from domain.phones import PhoneNumber
from domain.values import Email
from domain.voices import Voice, VoiceProvider

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
ZONES = sorted(zoneinfo.available_timezones())
NEW_YORK = PhoneNumber.parse("+1 212 736 5000")  # one zone: America/New_York
TOLL_FREE = PhoneNumber.parse("+1 800 555 1234")  # every zone of the plan: none of its own


def a_lead(phone: PhoneNumber = NEW_YORK, **fields: Any) -> Lead:
    return Lead(LeadId(uuid4()), TenantId(uuid4()), phone, NOW, NOW, **fields)


def new_lead(phone: PhoneNumber, **fields: Any) -> Lead:
    return Lead.new(LeadId(uuid4()), TenantId(uuid4()), phone, NOW, **fields)


# --- time zones ---------------------------------------------------------------------------


def test_a_new_lead_without_a_zone_gets_its_numbers_only_zone() -> None:
    lead = new_lead(NEW_YORK)
    assert lead.timezone == "America/New_York"
    assert (lead.created_at, lead.updated_at, lead.status) == (NOW, NOW, LeadStatus.NEW)


def test_a_new_lead_whose_number_has_several_zones_gets_none() -> None:
    assert new_lead(TOLL_FREE).timezone is None


@given(st.sampled_from(ZONES), st.sampled_from([NEW_YORK, TOLL_FREE]))
def test_a_zone_given_is_kept_whatever_the_number_says(zone: str, phone: PhoneNumber) -> None:
    assert new_lead(phone, timezone=zone).timezone == zone


def test_new_passes_the_other_fields_through() -> None:
    email = Email.parse("ann@example.com")
    lead = new_lead(
        NEW_YORK,
        name="Ann",
        email=email,
        source="web",
        status=LeadStatus.QUALIFIED,
        do_not_call=True,
        metadata={"plan": "pro"},
    )
    assert (lead.name, lead.email, lead.source, lead.status, lead.do_not_call, lead.metadata) == (
        "Ann",
        email,
        "web",
        LeadStatus.QUALIFIED,
        True,
        {"plan": "pro"},
    )


@given(st.sampled_from(ZONES))
def test_every_iana_zone_is_accepted(zone: str) -> None:
    assert check_time_zone(zone) == zone
    assert a_lead(timezone=zone).timezone == zone


def test_no_zone_is_accepted() -> None:
    assert check_time_zone(None) is None


@given(st.text(max_size=40))
def test_a_name_that_is_not_an_iana_zone_is_refused_naming_the_field(name: str) -> None:
    assume(name not in ZONES)

    with pytest.raises(InvalidValue) as raised:
        check_time_zone(name, field="tz")
    assert raised.value.field == "tz"

    with pytest.raises(InvalidValue) as on_lead:
        a_lead(timezone=name)
    assert on_lead.value.field == "timezone"


@pytest.mark.parametrize(
    "name", ["america/new_york", "America/New York", "EST-5", "+02:00", "UTC+2", "Mars/Olympus"]
)
def test_look_alikes_of_zone_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidValue):
        check_time_zone(name)


def test_a_zone_set_later_is_checked_too() -> None:
    lead = a_lead()
    with pytest.raises(InvalidValue) as raised:
        lead.timezone = "Nowhere/Land"
    assert raised.value.field == "timezone"


# --- contacts -----------------------------------------------------------------------------

contacts = st.lists(
    st.tuples(
        st.integers(-3600, 3600).map(lambda s: NOW + timedelta(seconds=s)),
        st.one_of(st.none(), st.builds(lambda: CallId(uuid4()))),
    ),
    min_size=1,
    max_size=12,
)


@given(st.sampled_from(LeadStatus), contacts)
def test_contacts_never_move_the_record_back_in_time(
    status: LeadStatus, history: list[tuple[datetime, CallId | None]]
) -> None:
    lead = a_lead(status=status)
    latest: datetime | None = None
    latest_call: CallId | None = None
    for at, call_id in history:
        before = lead.last_contacted_at

        lead.mark_contacted(call_id, at)

        # A contact at or after the latest one is the latest now; an older one changes nothing
        # of the record of the latest contact.
        if latest is None or at >= latest:
            latest = at
            latest_call = call_id if call_id is not None else latest_call
        assert lead.last_contacted_at == latest
        assert before is None or lead.last_contacted_at >= before
        assert lead.last_call_id == latest_call
        assert lead.status is (LeadStatus.CONTACTED if status is LeadStatus.NEW else status)
    times = [at for at, _ in history]
    assert lead.last_contacted_at == max(times)
    assert lead.updated_at == max([NOW, *times])


def test_the_first_contact_makes_a_new_lead_contacted_and_records_the_call() -> None:
    lead = a_lead()
    call = CallId(uuid4())
    at = NOW + timedelta(minutes=3)

    lead.mark_contacted(call, at)

    assert (lead.status, lead.last_contacted_at, lead.last_call_id, lead.updated_at) == (
        LeadStatus.CONTACTED,
        at,
        call,
        at,
    )


def test_an_older_contact_reported_late_keeps_the_latest_call() -> None:
    lead = a_lead()
    latest, older = CallId(uuid4()), CallId(uuid4())
    lead.mark_contacted(latest, NOW + timedelta(minutes=10))

    lead.mark_contacted(older, NOW + timedelta(minutes=5))

    assert (lead.last_contacted_at, lead.last_call_id) == (NOW + timedelta(minutes=10), latest)
    assert lead.updated_at == NOW + timedelta(minutes=10)


@pytest.mark.parametrize(
    "status", [LeadStatus.QUALIFIED, LeadStatus.CONVERTED, LeadStatus.LOST, LeadStatus.CONTACTED]
)
def test_a_contact_moves_only_new_leads_to_contacted(status: LeadStatus) -> None:
    lead = a_lead(status=status)
    lead.mark_contacted(None, NOW + timedelta(minutes=1))
    assert lead.status is status
    assert lead.last_contacted_at == NOW + timedelta(minutes=1)


# --- JSON objects (json_object) -------------------------------------------------------------

json_text = st.text(alphabet=st.characters(exclude_characters="\x00"), max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | json_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(json_text, children, max_size=3)
    ),
    max_leaves=12,
)
json_objects = st.dictionaries(json_text, json_values, max_size=4)


def _containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path to every dict and list inside `value`, `value` included."""
    if not isinstance(value, (dict, list)):
        return []
    found = [path]
    for key, child in value.items() if isinstance(value, dict) else enumerate(value):
        found += _containers(child, (*path, key))
    return found


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


@st.composite
def objects_with_a_nul(draw: st.DrawFn) -> dict[str, Any]:
    """A JSON object with one NUL somewhere: a key or a string value, at any depth."""
    obj = draw(json_objects)
    holder = _at(obj, draw(st.sampled_from(_containers(obj))))
    bad = draw(json_text) + "\x00" + draw(json_text)
    if isinstance(holder, list):
        holder.insert(draw(st.integers(0, len(holder))), bad)
    elif draw(st.booleans()):
        holder[bad] = draw(json_values)
    else:
        holder[draw(json_text)] = bad
    return obj


def builders() -> dict[str, Any]:
    return {
        "metadata": lambda value: a_lead(metadata=value),
        "settings": lambda value: Voice(
            VoiceId(uuid4()),
            TenantId(uuid4()),
            "Ava",
            VoiceProvider.ELEVENLABS,
            "voice-1",
            NOW,
            NOW,
            settings=value,
        ),
        "config": lambda value: VoiceAgent(
            AgentId(uuid4()), TenantId(uuid4()), "Agent", NOW, NOW, config=value
        ),
    }


@settings(max_examples=50)
@given(st.sampled_from(sorted(builders())), objects_with_a_nul())
def test_a_nul_anywhere_in_a_json_object_is_refused_naming_the_field(
    field: str, value: dict[str, Any]
) -> None:
    with pytest.raises(InvalidValue) as raised:
        builders()[field](value)
    assert raised.value.field == field


@settings(max_examples=50)
@given(st.sampled_from(sorted(builders())), json_objects)
def test_a_json_object_without_nul_is_kept_as_given(field: str, value: dict[str, Any]) -> None:
    built = builders()[field](value)
    assert getattr(built, field) == value


@pytest.mark.parametrize("value", [[], "text", None, 1, [{"a": 1}]])
def test_only_an_object_will_do(value: Any) -> None:
    with pytest.raises(InvalidValue) as raised:
        a_lead(metadata=value)
    assert raised.value.field == "metadata"


def test_a_nul_assigned_later_is_refused_too() -> None:
    lead = a_lead()
    with pytest.raises(InvalidValue):
        lead.metadata = {"notes": [{"deep": ["ok", "no\x00"]}]}
    assert lead.metadata == {}

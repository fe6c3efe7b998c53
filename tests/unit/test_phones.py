"""The E.164 phone number value object and the rules of a number in a tenant's inventory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers import timezone as number_zones

from domain.errors import InvalidStateTransition, InvalidValue
from domain.ids import AgentId, PhoneNumberId, TenantId
from domain.phones import MAX_RAW_LENGTH, NumberProvider, NumberStatus, PhoneLine, PhoneNumber

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

# Countries people dial from and to; their example numbers are real, valid numbering plans.
REGIONS = ["US", "CA", "GB", "DE", "FR", "IT", "ES", "NL", "CH", "AU", "JP", "BR", "SE", "PL"]
# Countries whose international call prefix is 00: "00 <country code> ..." is dialled there.
ZERO_ZERO_REGIONS = ["GB", "DE", "FR", "IT", "ES", "NL", "CH", "SE", "PL", "BE", "AT"]
NUMBER_TYPES = [phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE]


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


@st.composite
def numbers(draw: st.DrawFn) -> tuple[str, phonenumbers.PhoneNumber]:
    region = draw(st.sampled_from(REGIONS))
    example = phonenumbers.example_number_for_type(region, draw(st.sampled_from(NUMBER_TYPES)))
    assert example is not None
    return region, example


def e164_of(example: phonenumbers.PhoneNumber) -> str:
    """E.164 by its definition: a plus, the country code, the national significant number."""
    return f"+{example.country_code}{phonenumbers.national_significant_number(example)}"


@st.composite
def written(draw: st.DrawFn, prefix: str, digits: str) -> str:
    """`prefix` then `digits` as a person may write them: cut into groups at random places,
    joined by spaces, dashes, dots or nothing, one group maybe in parentheses."""
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=5)))
    groups = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    if len(groups) > 1 and draw(st.booleans()):
        at = draw(st.integers(1, len(groups) - 1))
        groups[at] = f"({groups[at]})"
    text = prefix + groups[0]
    for group in groups[1:]:
        text += draw(st.sampled_from([" ", "-", ".", "", " - "])) + group
    padding = st.sampled_from(["", " ", "  "])
    return draw(padding) + text + draw(padding)


@st.composite
def variants(draw: st.DrawFn) -> tuple[str, str | None, str]:
    """(raw text, region to parse with, the E.164 it stands for)."""
    region, example = draw(numbers())
    national = phonenumbers.national_significant_number(example)
    international = f"{example.country_code}{national}"
    form = draw(st.sampled_from(["plus", "plus-with-region", "00", "national"]))
    if form == "plus":
        raw, dialled_from = draw(written("+", international)), None
    elif form == "plus-with-region":
        # A + number means the same wherever it is dialled from.
        raw, dialled_from = draw(written("+", international)), draw(st.sampled_from(REGIONS))
    elif form == "00":
        raw = draw(written("00", international))
        dialled_from = draw(st.sampled_from(ZERO_ZERO_REGIONS))
    else:
        local = _digits(
            phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
        )
        raw = draw(written("", local))
        dialled_from = draw(st.sampled_from([region, region.lower()]))
    return raw, dialled_from, e164_of(example)


# --- parsing ------------------------------------------------------------------------------


@given(variants())
def test_every_way_of_writing_a_number_parses_to_its_one_e164_form(
    variant: tuple[str, str | None, str],
) -> None:
    raw, region, expected = variant

    parsed = PhoneNumber.parse(raw, region=region)

    assert parsed == PhoneNumber(expected)
    assert str(parsed) == expected


@given(numbers(), st.data())
def test_two_writings_of_one_number_are_equal_and_hash_alike(
    number: tuple[str, phonenumbers.PhoneNumber], data: st.DataObject
) -> None:
    _, example = number
    international = f"{example.country_code}{phonenumbers.national_significant_number(example)}"
    first = PhoneNumber.parse(data.draw(written("+", international)))
    second = PhoneNumber.parse(
        data.draw(written("00", international)), region=data.draw(st.sampled_from(["DE", "fr"]))
    )

    assert first == second
    assert len({first, second}) == 1


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+1 (212) 736-5000", None, "+12127365000"),
        ("(212) 736-5000", "US", "+12127365000"),
        ("1-212-736-5000", "US", "+12127365000"),
        ("212.736.5000", "us", "+12127365000"),
        ("011 1 212 736 5000", "US", "+12127365000"),  # the US international prefix
        ("0044 20 7946 0958", "DE", "+442079460958"),
        ("020 7946 0958", " gb ", "+442079460958"),
        ("+44 (0)20 7946 0958", None, "+442079460958"),
    ],
)
def test_familiar_formats(raw: str, region: str | None, expected: str) -> None:
    assert PhoneNumber.parse(raw, region=region).e164 == expected


@given(st.text(alphabet=" \t\r\n\u00a0", max_size=MAX_RAW_LENGTH + 10))
def test_a_blank_number_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        PhoneNumber.parse(raw, region="US")
    assert raised.value.field == "phone"

    with pytest.raises(InvalidValue) as named:
        PhoneNumber.parse(raw, field="to_number")
    assert named.value.field == "to_number"


@given(variants(), st.integers(1, 40))
def test_input_longer_than_the_limit_is_refused_even_when_it_holds_a_valid_number(
    variant: tuple[str, str | None, str], extra: int
) -> None:
    raw, region, _ = variant
    padded = raw + " " * (MAX_RAW_LENGTH - len(raw) + extra)
    assert len(padded) > MAX_RAW_LENGTH

    with pytest.raises(InvalidValue) as raised:
        PhoneNumber.parse(padded, region=region, field="caller")

    assert raised.value.field == "caller"
    assert str(MAX_RAW_LENGTH) in raised.value.message


def test_the_longest_allowed_input_still_parses() -> None:
    raw = "+1 212 736 5000".ljust(MAX_RAW_LENGTH)
    assert PhoneNumber.parse(raw).e164 == "+12127365000"


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("+1 000 000 0000", None),  # no such area code
        ("+44 12", None),  # too short
        ("+1 212 736 5000 1234 5678", None),  # too long
        ("+999 123 4567", None),  # no such country code
        ("12345", "US"),
        ("2127365000", None),  # national, but dialled from where?
        ("not a number", "US"),
        ("+", None),
        ("+1 212 736 50", None),  # a digit short
    ],
)
def test_what_is_not_a_valid_number_is_refused_naming_the_field(
    raw: str, region: str | None
) -> None:
    with pytest.raises(InvalidValue) as raised:
        PhoneNumber.parse(raw, region=region, field="number")
    assert raised.value.field == "number"


def test_a_national_number_without_a_country_says_to_give_one() -> None:
    with pytest.raises(InvalidValue) as raised:
        PhoneNumber.parse("(212) 736-5000")
    assert raised.value.field == "phone"
    assert "country" in raised.value.message


@pytest.mark.parametrize("region", ["ZZ", "USA", "U", "", "1", "EU", "XX"])
def test_an_unknown_region_is_refused_as_the_country_field(region: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        PhoneNumber.parse("+1 212 736 5000", region=region, field="phone")
    assert raised.value.field == "country"


def test_a_value_that_is_not_text_is_refused() -> None:
    with pytest.raises(InvalidValue) as raised:
        PhoneNumber.parse(12127365000)  # type: ignore[arg-type]
    assert raised.value.field == "phone"


# --- time zones ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "zone"),
    [
        ("+1 212 736 5000", "America/New_York"),  # Manhattan
        ("+1 415 555 0123", "America/Los_Angeles"),  # San Francisco
        ("+1 312 555 0123", "America/Chicago"),  # Chicago
        ("+49 30 123456", "Europe/Berlin"),
    ],
)
def test_a_number_with_one_zone_has_it(raw: str, zone: str) -> None:
    assert PhoneNumber.parse(raw).time_zone() == zone


@pytest.mark.parametrize(
    "raw",
    [
        "+1 800 555 1234",  # US toll-free: the whole plan
        "+7 912 345 6789",  # Russian mobile: eleven zones
        "+61 412 345 678",  # Australian mobile
        "+800 1234 5678",  # international freephone: no geography at all
    ],
)
def test_a_number_with_several_zones_or_none_has_no_zone(raw: str) -> None:
    number = PhoneNumber.parse(raw)
    assert number.time_zone() is None


@given(variants())
def test_a_number_read_back_from_storage_is_the_same_value_with_the_same_zone(
    variant: tuple[str, str | None, str],
) -> None:
    """Storage keeps the E.164 text only; the zone found while parsing is not part of the
    value, and the zone of the stored form is the same."""
    raw, region, _ = variant
    parsed = PhoneNumber.parse(raw, region=region)

    stored = PhoneNumber(parsed.e164)

    assert stored == parsed
    assert hash(stored) == hash(parsed)
    assert len({stored, parsed}) == 1
    assert stored.time_zone() == parsed.time_zone()


# --- the same answers as asking phonenumbers each question on its own -----------------------


def _asked_separately(raw: str, region: str | None) -> tuple[str, str | None] | None:
    """What parse answered when it asked is_valid_number and time_zones_for_number each on
    their own: (E.164, the single zone or None), or None for an invalid number."""
    parsed = phonenumbers.parse(raw, region)
    if not phonenumbers.is_valid_number(parsed):
        return None
    zones = number_zones.time_zones_for_number(parsed)
    zone = zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), zone


def _answered(raw: str, region: str | None) -> tuple[str, str | None] | str:
    """(E.164, zone), or the message of the refusal."""
    try:
        number = PhoneNumber.parse(raw, region=region)
    except InvalidValue as error:
        return error.message
    return number.e164, number.time_zone()


def _same_answer(raw: str, region: str | None) -> None:
    try:
        expected = _asked_separately(raw, region)
    except phonenumbers.NumberParseException:
        with pytest.raises(InvalidValue, match="is not a phone number"):
            PhoneNumber.parse(raw, region=region)
        return
    answered = _answered(raw, region)
    if expected is None:
        assert isinstance(answered, str), (raw, region)
        assert "is not a valid phone number" in answered
    else:
        assert answered == expected, (raw, region)


ALL_TYPES = [
    value
    for name, value in vars(phonenumbers.PhoneNumberType).items()
    if name.isupper() and name != "UNKNOWN"
]


def _examples() -> list[tuple[str, str]]:
    """Every example number the metadata has (each region's of each type, and the
    non-geographic ones), in E.164, with the region it belongs to."""
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in ALL_TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                found.append((e164_of(example), region))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            found.append((e164_of(example), "001"))
    return found


EXAMPLES = _examples()


def test_every_example_number_and_its_near_misses_get_the_same_answer_as_before() -> None:
    """Valid or not, and the zone, as is_valid_number and time_zones_for_number say: for every
    example number of the metadata, and for each with its last digit changed, one digit
    more and one less (numbers just inside and just outside a plan)."""
    for e164, _ in EXAMPLES:
        for last in "0123456789":
            _same_answer(e164[:-1] + last, None)
        _same_answer(e164 + "5", None)
        _same_answer(e164[:-1], None)


@given(
    st.sampled_from(EXAMPLES),
    st.lists(st.tuples(st.integers(0, 20), st.sampled_from("0123456789 -()+.")), max_size=4),
    st.sampled_from(["plus", "national", "bare"]),
    st.one_of(st.none(), st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS))),
)
def test_any_writing_of_any_number_gets_the_same_answer_as_before(
    example: tuple[str, str],
    edits: list[tuple[int, str]],
    form: str,
    region: str | None,
) -> None:
    e164, home = example
    if form == "national" and home != "001":
        raw = phonenumbers.format_number(
            phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL
        )
    else:
        raw = e164 if form == "plus" else e164[1:]
    for at, character in edits:  # digits changed, added or punctuated at random
        at = min(at, len(raw))
        raw = raw[:at] + character + raw[at + 1 :]
    _same_answer(raw, region)


def test_every_region_of_a_calling_code_has_that_code() -> None:
    """Why one type lookup is is_valid_number: it also checks that the number's region has
    the number's calling code, which the metadata makes true of every region it finds."""
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            if region != "001":
                assert phonenumbers.country_code_for_valid_region(region) == code


# --- a number in the inventory ------------------------------------------------------------


def a_line(**fields: object) -> PhoneLine:
    return PhoneLine(
        id=PhoneNumberId(uuid4()),
        tenant_id=TenantId(uuid4()),
        number=PhoneNumber.parse("+1 212 736 5000"),
        provider=NumberProvider.VAPI,
        created_at=NOW,
        updated_at=NOW,
        **fields,  # type: ignore[arg-type]
    )


def test_releasing_takes_the_number_out_of_service_and_routes_it_nowhere() -> None:
    line = a_line(inbound_agent_id=AgentId(uuid4()))
    later = NOW + timedelta(minutes=5)

    line.release(later)

    assert (line.status, line.is_active, line.inbound_agent_id, line.updated_at) == (
        NumberStatus.RELEASED,
        False,
        None,
        later,
    )


def test_a_released_number_cannot_be_released_again() -> None:
    line = a_line()
    line.release(NOW + timedelta(minutes=1))

    with pytest.raises(InvalidStateTransition) as raised:
        line.release(NOW + timedelta(minutes=2))

    assert raised.value.field == "status"
    assert line.updated_at == NOW + timedelta(minutes=1)


def test_an_active_number_routes_inbound_calls_to_an_agent_or_to_none() -> None:
    line = a_line()
    agent = AgentId(uuid4())

    line.route_inbound_to(agent, NOW + timedelta(seconds=1))
    assert (line.inbound_agent_id, line.updated_at) == (agent, NOW + timedelta(seconds=1))

    line.route_inbound_to(None, NOW + timedelta(seconds=2))
    assert (line.inbound_agent_id, line.updated_at) == (None, NOW + timedelta(seconds=2))


def test_a_released_number_answers_no_calls_but_may_be_routed_to_none() -> None:
    line = a_line()
    line.release(NOW)

    with pytest.raises(InvalidStateTransition) as raised:
        line.route_inbound_to(AgentId(uuid4()), NOW + timedelta(seconds=1))
    assert raised.value.field == "inbound_agent_id"
    assert line.inbound_agent_id is None

    line.route_inbound_to(None, NOW + timedelta(seconds=2))
    assert line.inbound_agent_id is None


operations = st.lists(
    st.one_of(
        st.just(("release", None)),
        st.just(("route", None)),
        st.builds(lambda: ("route", AgentId(uuid4()))),
    ),
    max_size=12,
)


@given(operations)
def test_whatever_happens_a_released_number_routes_nowhere(
    ops: list[tuple[str, AgentId | None]],
) -> None:
    """The rule the database also holds (CHECK status = 'active' OR inbound_agent_id IS NULL),
    and the only legal moves: release once, route to an agent only while active."""
    line = a_line()
    released = False
    routed_to: AgentId | None = None
    last_change = NOW
    for step, (op, agent) in enumerate(ops, start=1):
        at = NOW + timedelta(seconds=step)
        refused = (op == "release" and released) or (op == "route" and released and agent)
        if refused:
            with pytest.raises(InvalidStateTransition):
                line.release(at) if op == "release" else line.route_inbound_to(agent, at)
        else:
            if op == "release":
                line.release(at)
                released, routed_to = True, None
            else:
                line.route_inbound_to(agent, at)
                routed_to = agent
            last_change = at
        assert line.is_active is not released
        assert line.inbound_agent_id == routed_to
        assert line.updated_at == last_change
        assert line.is_active or line.inbound_agent_id is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("label", "x" * 256), ("label", "front\x00desk"), ("provider_number_id", "p" * 256)],
)
def test_line_texts_are_bounded_and_hold_no_nul(field: str, value: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        a_line(**{field: value})
    assert raised.value.field == field
    assert getattr(a_line(**{field: value[:255].replace("\x00", " ")}), field)

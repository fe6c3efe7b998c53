"""Value objects and attrs validators of the domain."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.credentials import ApiKey
from domain.errors import InvalidValue
from domain.ids import ApiKeyId, TenantId, UserId
from domain.tenancy import Role, Tenant, User
from domain.values import MAX_EMAIL_LENGTH, Email

NOW = datetime(2026, 1, 1, tzinfo=UTC)

# RFC 5322 dot-atom local parts (ASCII), and host names under ordinary public suffixes.
ATEXT = string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~"
atoms = st.text(alphabet=ATEXT, min_size=1, max_size=12)
local_parts = st.lists(atoms, min_size=1, max_size=4).map(".".join)
LABEL_CHARS = string.ascii_letters + string.digits
# A label with "--" in its third and fourth places is reserved (IDNA: xn-- and the like) and
# is refused as a host name, so ordinary labels never have it.
labels = st.builds(
    lambda first, middle, last: first + middle + last,
    st.sampled_from(LABEL_CHARS),
    st.text(alphabet=LABEL_CHARS + "-", max_size=10),
    st.sampled_from(LABEL_CHARS),
).filter(lambda label: label[2:4] != "--")
domains = st.builds(
    lambda names, tld: ".".join([*names, tld]),
    st.lists(labels, min_size=1, max_size=3),
    st.sampled_from(["com", "org", "net", "io", "de", "Com", "ORG"]),
)
addresses = st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)


def tenant(name: str) -> Tenant:
    return Tenant(TenantId(uuid4()), name, created_at=NOW, updated_at=NOW)


def user(**fields: object) -> User:
    return User(
        UserId(uuid4()),
        Email.parse("someone@example.com"),
        created_at=NOW,
        updated_at=NOW,
        **fields,  # type: ignore[arg-type]
    )


# --- Email --------------------------------------------------------------------------------


def test_parse_normalises_the_domain_to_lower_case_and_keeps_the_local_part() -> None:
    email = Email.parse("Jane.Doe@Example.COM")

    assert email.value == "Jane.Doe@example.com"
    assert str(email) == "Jane.Doe@example.com"
    assert email.key == "jane.doe@example.com"


@given(addresses)
def test_parse_accepts_dot_atom_addresses_and_lowercases_only_the_domain(raw: str) -> None:
    local, domain = raw.split("@")

    email = Email.parse(raw)

    assert email.value == f"{local}@{domain.lower()}"


@given(addresses)
def test_equality_and_hash_ignore_case(raw: str) -> None:
    email = Email.parse(raw)
    variants = [Email.parse(raw.upper()), Email.parse(raw.lower()), Email.parse(raw.swapcase())]

    for other in variants:
        assert email == other
        assert hash(email) == hash(other)
    assert len({email, *variants}) == 1


@given(addresses, addresses)
def test_addresses_that_differ_beyond_case_are_different(first: str, second: str) -> None:
    a, b = Email.parse(first), Email.parse(second)

    assert (a == b) == (first.lower() == second.lower())
    if first.lower() != second.lower():
        assert len({a, b}) == 2


def test_an_email_never_equals_its_plain_string() -> None:
    email = Email.parse("a@example.com")

    assert email != "a@example.com"
    assert email != email.value


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "plain",
        "@example.com",
        "a@",
        "a@@example.com",
        "a b@example.com",
        "a@example",
        "a..b@example.com",
        ".a@example.com",
        "a.@example.com",
        "a@-example.com",
        "a@example..com",
        " a@example.com",
        "a@example.com ",
        "a@localhost",
        '"quoted"@example.com',
    ],
)
def test_parse_rejects_malformed_addresses(raw: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        Email.parse(raw)

    assert raised.value.field == "email"
    assert raised.value.message.startswith("not a valid email address")


def test_parse_names_the_field_it_was_given() -> None:
    with pytest.raises(InvalidValue) as raised:
        Email.parse("not-an-address", field="owner_email")

    assert raised.value.field == "owner_email"


def _address_of_length(length: int) -> str:
    domain = "b" * 63 + "." + "c" * 63 + "." + "d" * (length - 64 - 1 - 63 - 1 - 63 - 1 - 4)
    return "a" * 64 + "@" + domain + ".com"


def test_an_address_of_exactly_254_characters_is_accepted() -> None:
    raw = _address_of_length(MAX_EMAIL_LENGTH)
    assert len(raw) == 254

    assert Email.parse(raw).value == raw


def test_an_otherwise_valid_address_of_255_characters_is_rejected() -> None:
    raw = _address_of_length(MAX_EMAIL_LENGTH + 1)
    assert len(raw) == 255

    with pytest.raises(InvalidValue) as raised:
        Email.parse(raw)

    assert raised.value.field == "email"
    assert "254" in raised.value.message


@given(st.text(min_size=MAX_EMAIL_LENGTH + 1, max_size=MAX_EMAIL_LENGTH + 40))
def test_any_string_longer_than_254_characters_is_rejected_for_its_length(raw: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        Email.parse(raw)

    assert raised.value.field == "email"
    assert "254" in raised.value.message


# --- the same answers as email-validator ------------------------------------------------------


def _validated(raw: str) -> str:
    """What parse answered when every address went through validate_email: the normalised
    address, or the message of the refusal."""
    if len(raw) > MAX_EMAIL_LENGTH:
        return f"email is longer than {MAX_EMAIL_LENGTH} characters"
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as error:
        return f"not a valid email address: {error}"


def _parsed(raw: str) -> str:
    try:
        return Email.parse(raw).value
    except InvalidValue as error:
        return error.message


# Pieces of addresses near every rule: dots in the wrong places, characters allowed only
# quoted or only in internationalised addresses, RFC 2142 mailbox names, punycode, special-use
# and numeric top-level domains, and labels and parts at and over their length limits.
_LOCAL_PIECES = st.one_of(
    atoms,
    st.sampled_from(
        [*'" ,()<>[]:;\\@', "é", "ß", "\u0301", "\uff20", "\x00", "Info", "POSTMASTER"]
    ),
    st.integers(60, 70).map(lambda n: "a" * n),
)
_SPECIAL_LABELS = "- _ xn--bcher-kva xn--zz ab--cd münchen ÉCOLE localhost local test invalid"
_DOMAIN_PIECES = st.one_of(
    labels,
    st.sampled_from([*_SPECIAL_LABELS.split(), "", "onion", "arpa", "example", "123", "COM"]),
    st.sampled_from(["a" * 63, "a" * 64, "\uff23\uff2f\uff2d"]),
    st.integers(120, 250).map(lambda n: "b" * 60 + ("." + "c" * 60) * (n // 61)),
)
_any_local = st.one_of(
    local_parts,
    st.sampled_from(["info", "Info", "POSTMASTER", "Abuse.team", "www"]),
    st.lists(st.one_of(_LOCAL_PIECES, st.just(".")), max_size=5).map("".join),
)
_any_domain = st.one_of(
    domains,
    st.sampled_from(["xn--bcher-kva.com", "BÜCHER.de", "xn--bcher-kva.xn--p1ai", "a.b--c.com"]),
    st.builds(
        lambda pieces, dot: dot.join(pieces),
        st.lists(_DOMAIN_PIECES, max_size=4),
        st.sampled_from([".", "..", "-", "\u3002"]),
    ),
)


@settings(max_examples=500)
@given(
    st.one_of(
        st.builds(lambda local, domain: f"{local}@{domain}", _any_local, _any_domain),
        st.text(max_size=40),
    )
)
def test_parse_gives_what_email_validator_gives_for_every_address(raw: str) -> None:
    """Plain addresses take a shorter way than validate_email: the same address and the same
    refusals, whatever the text."""
    assert _parsed(raw) == _validated(raw)


# --- non_blank / optional_text through the aggregates ----------------------------------------

blank = st.text(alphabet=" \t\n\r\x0b\x0c\u00a0\u2003", max_size=10)


@given(blank)
def test_a_tenant_name_must_not_be_blank(name: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        tenant(name)

    assert raised.value.field == "name"
    assert "blank" in raised.value.message


def test_a_tenant_name_must_be_a_string() -> None:
    with pytest.raises(InvalidValue) as raised:
        tenant(None)  # type: ignore[arg-type]

    assert raised.value.field == "name"


def test_a_tenant_name_is_at_most_255_characters() -> None:
    assert tenant("x" * 255).name == "x" * 255

    with pytest.raises(InvalidValue) as raised:
        tenant("x" * 256)

    assert raised.value.field == "name"
    assert "255" in raised.value.message


@given(
    st.text(st.characters(exclude_characters="\x00"), min_size=1, max_size=255).filter(str.strip)
)
def test_any_visible_name_up_to_255_characters_is_a_tenant_name(name: str) -> None:
    assert tenant(name).name == name


@given(st.text(max_size=20), st.text(max_size=20))
def test_a_nul_character_is_refused_in_any_name(before: str, after: str) -> None:
    text = f"{before}x\x00{after}"

    with pytest.raises(InvalidValue) as tenant_name:
        tenant(text)
    with pytest.raises(InvalidValue) as first_name:
        user(first_name=text)
    with pytest.raises(InvalidValue) as last_name:
        user(last_name=text)

    assert (tenant_name.value.field, first_name.value.field, last_name.value.field) == (
        "name",
        "first_name",
        "last_name",
    )


def test_renaming_a_tenant_to_a_blank_name_is_refused_and_leaves_it_unchanged() -> None:
    acme = tenant("Acme")

    with pytest.raises(InvalidValue) as raised:
        acme.rename("   ", datetime(2026, 2, 1, tzinfo=UTC))

    assert raised.value.field == "name"
    assert acme.name == "Acme"
    assert acme.updated_at == NOW


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_user_names_are_optional_and_at_most_100_characters(field: str) -> None:
    assert getattr(user(), field) is None
    assert getattr(user(**{field: "x" * 100}), field) == "x" * 100

    with pytest.raises(InvalidValue) as raised:
        user(**{field: "x" * 101})

    assert raised.value.field == field
    assert "100" in raised.value.message


@pytest.mark.parametrize("name", ["", "  ", "x" * 101])
def test_an_api_key_name_is_validated_and_named(name: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        ApiKey(
            id=ApiKeyId(uuid4()),
            tenant_id=TenantId(uuid4()),
            name=name,
            prefix="0" * 12,
            secret_hash="0" * 64,
            role=Role.MEMBER,
            created_by=None,
            created_at=NOW,
        )

    assert raised.value.field == "name"

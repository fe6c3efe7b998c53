"""Value objects shared by several aggregates."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import attrs
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

from domain.errors import InvalidValue

MAX_EMAIL_LENGTH = 254


@attrs.frozen
class Email:
    """An email address, normalised by email-validator; equality ignores case."""

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "email") -> Email:
        if len(raw) > MAX_EMAIL_LENGTH:
            raise InvalidValue(f"email is longer than {MAX_EMAIL_LENGTH} characters", field=field)
        plain = _plain(raw)
        if plain is not None:
            return cls(plain)
        try:
            checked = validate_email(raw, check_deliverability=False)
        except EmailNotValidError as error:
            raise InvalidValue(f"not a valid email address: {error}", field=field) from None
        return cls(checked.normalized)

    @property
    def key(self) -> str:
        """The case-insensitive identity of the address."""
        return self.value.lower()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Email) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return self.value


# What email-validator accepts unchanged before the @ (RFC 5322's dot-atom in ASCII), and a
# host name of ASCII letters, digits, hyphens and dots: the shape of nearly every address.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"({_ATEXT}(?:\.{_ATEXT})*)@([A-Za-z0-9.-]+)")
# Mailbox names email-validator lower-cases (RFC 2142), as it spells them.
_CASE_INSENSITIVE_MAILBOXES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


def _plain(raw: str) -> str | None:
    """The normalised form of an address of the plain shape, as validate_email would give it;
    None when the address has another shape or is not valid (validate_email says why).

    For such an address validate_email keeps the part before the @ (lower-casing the
    mailbox names of RFC 2142) and checks and normalises the domain on its own, which is
    done once per domain: a file's addresses share a few domains, and checking a domain was
    half of checking an address."""
    matched = _PLAIN_ADDRESS.fullmatch(raw)
    if matched is None:
        return None
    domain = _plain_domain(matched[2])
    if domain is None:
        return None
    local = matched[1]
    if local.lower() in _CASE_INSENSITIVE_MAILBOXES:
        local = local.lower()
    address = f"{local}@{domain}"
    return address if len(address) <= MAX_EMAIL_LENGTH else None


@functools.lru_cache(maxsize=1024)
def _plain_domain(domain: str) -> str | None:
    """The domain as validate_email normalises it, when it accepts it and it stays ASCII."""
    try:
        checked = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.domain if checked.domain == checked.ascii_domain else None


def non_blank(*, max_len: int) -> Callable[[Any, attrs.Attribute[Any], str], None]:
    """attrs validator: a string with visible characters, at most `max_len` long."""

    def check(_instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise InvalidValue(f"{attribute.name} must not be blank", field=attribute.name)
        _check_text(attribute.name, value, max_len)

    return check


def optional_text(*, max_len: int) -> Callable[[Any, attrs.Attribute[Any], str | None], None]:
    """attrs validator: None or a string of at most `max_len` characters."""

    def check(_instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
        if value is not None:
            _check_text(attribute.name, value, max_len)

    return check


def _check_text(name: str, value: str, max_len: int) -> None:
    if len(value) > max_len:
        raise InvalidValue(f"{name} must be at most {max_len} characters", field=name)
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL; refuse it here rather than fail at the database.
        raise InvalidValue(f"{name} must not contain NUL characters", field=name)


MAX_HORIZON = timedelta(days=366 * 100)


def check_horizon(moment: datetime | None, since: datetime, *, field: str = "expires_at") -> None:
    """A moment at most a hundred years on: beyond that it is a typo, and beyond year 9999
    no database can store it."""
    if moment is not None and moment - since > MAX_HORIZON:
        raise InvalidValue(f"{field} must be within 100 years", field=field)


def json_object(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """attrs validator: a JSON object whose text PostgreSQL's jsonb can hold (no NUL)."""
    if not isinstance(value, dict):
        raise InvalidValue(f"{attribute.name} must be a JSON object", field=attribute.name)
    problem = _json_problem(value)
    if problem is not None:
        raise InvalidValue(f"{attribute.name} {problem}", field=attribute.name)


MAX_JSON_DEPTH = 32


def _json_problem(value: Any) -> str | None:
    """What makes a JSON value unstorable, walked without recursion (any depth is safe)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "must not contain NUL characters"
        elif isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                return f"must not nest deeper than {MAX_JSON_DEPTH} levels"
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return None

"""Phone numbers: the E.164 value object, and the numbers a tenant owns (its inventory)."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs
import phonenumbers
from phonenumbers import timezone as number_zones

from domain.errors import InvalidStateTransition, InvalidValue
from domain.ids import AgentId, PhoneNumberId, TenantId
from domain.values import optional_text

# Longer input is not a phone number in any format people write.
MAX_RAW_LENGTH = 64
_UNKNOWN_ZONE = "Etc/Unknown"


def check_region(region: str | None, *, field: str = "country") -> str | None:
    """An ISO 3166 alpha-2 country code libphonenumber knows, upper-cased; None passes."""
    if region is None:
        return None
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidValue(f"{region!r} is not a known ISO 3166 country code", field=field)
    return code


_UNRESOLVED = "?"


@attrs.frozen
class PhoneNumber:
    """A valid phone number in E.164 form (`+14155550123`)."""

    e164: str
    # The zone found while parsing, so a bulk import does not parse each number twice;
    # not part of the value.
    _zone: str | None = attrs.field(default=_UNRESOLVED, eq=False, repr=False, alias="zone")

    @classmethod
    def parse(cls, raw: str, *, region: str | None = None, field: str = "phone") -> PhoneNumber:
        """Parse any format people write. Numbers without a leading + or 00 need `region`
        (the country they are dialled from, e.g. "US")."""
        if not isinstance(raw, str) or not raw.strip():
            raise InvalidValue(f"{field} must not be blank", field=field)
        if len(raw) > MAX_RAW_LENGTH:
            raise InvalidValue(f"{field} is longer than {MAX_RAW_LENGTH} characters", field=field)
        country = check_region(region, field="country")
        try:
            parsed = phonenumbers.parse(raw, country)
        except phonenumbers.NumberParseException as error:
            hint = "" if country else " (give a country for numbers without +)"
            raise InvalidValue(
                f"{field} is not a phone number: {error._msg}{hint}", field=field
            ) from None
        # One type lookup answers both questions: is_valid_number is exactly "the type for
        # the number's own region is known", and time_zones_for_number starts with the same
        # lookup. Asking each separately did it four times, the most of a bulk import's time.
        kind = phonenumbers.number_type(parsed)
        if kind == phonenumbers.PhoneNumberType.UNKNOWN:
            raise InvalidValue(f"{field} {raw!r} is not a valid phone number", field=field)
        return cls(
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
            zone=_single_zone(parsed, kind),
        )

    def time_zone(self) -> str | None:
        """The IANA zone of the number when it maps to exactly one, else None."""
        if self._zone == _UNRESOLVED:
            return _single_zone(phonenumbers.parse(self.e164))
        return self._zone

    def __str__(self) -> str:
        return self.e164


def _single_zone(parsed: phonenumbers.PhoneNumber, kind: int | None = None) -> str | None:
    """`kind`, when given, is the number's type (a valid number's): what
    time_zones_for_number would look up first."""
    # Mobile and toll-free numbers get their country's zones, not their prefix's region.
    code = parsed.country_code
    if (
        kind is not None
        and code is not None
        and phonenumbers.is_number_type_geographical(kind, code)
    ):
        zones = number_zones.time_zones_for_geographical_number(parsed)
    else:
        zones = number_zones.time_zones_for_number(parsed)
    if len(zones) == 1 and zones[0] != _UNKNOWN_ZONE:
        return str(zones[0])
    return None


class NumberProvider(enum.StrEnum):
    """Who provides the number's line."""

    VAPI = "vapi"
    TWILIO = "twilio"
    VONAGE = "vonage"
    TELNYX = "telnyx"


class NumberStatus(enum.StrEnum):
    """`active`: in service; `released`: answers no calls and may be registered again."""

    ACTIVE = "active"
    RELEASED = "released"


@attrs.define
class PhoneLine:
    """A number in a tenant's inventory (the seed's PhoneNumberModel, table phone_numbers).

    An active number belongs to one tenant at a time; a released one stays as history for
    the calls made from it, and the number may then be registered again.
    """

    id: PhoneNumberId
    tenant_id: TenantId
    number: PhoneNumber
    provider: NumberProvider
    created_at: datetime
    updated_at: datetime
    provider_number_id: str | None = attrs.field(default=None, validator=optional_text(max_len=255))
    label: str | None = attrs.field(default=None, validator=optional_text(max_len=255))
    status: NumberStatus = NumberStatus.ACTIVE
    inbound_agent_id: AgentId | None = None
    version: int = 0

    @property
    def is_active(self) -> bool:
        return self.status is NumberStatus.ACTIVE

    def release(self, at: datetime) -> None:
        if not self.is_active:
            raise InvalidStateTransition("the number is already released", field="status")
        self.status = NumberStatus.RELEASED
        self.inbound_agent_id = None
        self.updated_at = at

    def route_inbound_to(self, agent_id: AgentId | None, at: datetime) -> None:
        if agent_id is not None and not self.is_active:
            raise InvalidStateTransition(
                "a released number answers no calls", field="inbound_agent_id"
            )
        self.inbound_agent_id = agent_id
        self.updated_at = at

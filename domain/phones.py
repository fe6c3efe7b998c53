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
    """Who provides the number's line (Vapi's `provider` of a phone number)."""

    VAPI = "vapi"
    TWILIO = "twilio"
    VONAGE = "vonage"
    TELNYX = "telnyx"
    BYO = "byo-phone-number"
    """The tenant's own SIP trunk, known to Vapi by a credential."""


class NumberStatus(enum.StrEnum):
    """`provisioning`: asked of the provider, not yet in service (its number may not be known
    yet); `active`: in service; `released`: answers no calls and may be provisioned again;
    `failed`: the provider made no number of it."""

    PROVISIONING = "provisioning"
    ACTIVE = "active"
    RELEASED = "released"
    FAILED = "failed"


class NumberOwnership(enum.StrEnum):
    """How the tenant came to hold the number, which is what lets it route and dial."""

    PROVISIONED = "provisioned"
    """Made at the provider for the tenant: bought, or imported with the tenant's own
    credentials. The number and the provider's id are the provider's answer."""
    ATTACHED = "attached"
    """An existing number of the provider that a platform admin gave the tenant."""
    UNCONFIRMED = "unconfirmed"
    """Typed in by a tenant before numbers were provisioned: neither routes nor dials until a
    platform admin confirms it."""
    CONFIRMED = "confirmed"
    """An unconfirmed number a platform admin confirmed as the tenant's."""


@attrs.define
class PhoneLine:
    """A number in a tenant's inventory (the seed's PhoneNumberModel, table phone_numbers).

    A number held (active or being provisioned) belongs to one tenant at a time; a released
    one stays as history for the calls made from it, and the number may then be provisioned
    again. `number` is None only while a bought number is being provisioned, or when that
    failed.
    """

    id: PhoneNumberId
    tenant_id: TenantId
    number: PhoneNumber | None
    provider: NumberProvider
    created_at: datetime
    updated_at: datetime
    provider_number_id: str | None = attrs.field(default=None, validator=optional_text(max_len=255))
    label: str | None = attrs.field(default=None, validator=optional_text(max_len=255))
    status: NumberStatus = NumberStatus.ACTIVE
    inbound_agent_id: AgentId | None = None
    version: int = 0
    ownership: NumberOwnership = NumberOwnership.PROVISIONED
    provider_credential_id: str | None = attrs.field(
        default=None, validator=optional_text(max_len=255)
    )
    """The provider credential it was imported with (Vonage, Telnyx, a SIP trunk)."""
    error: str | None = None
    """Why provisioning failed."""
    idempotency_key: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status is NumberStatus.ACTIVE

    @property
    def is_held(self) -> bool:
        """Active or being provisioned: it takes a place in `phone_numbers.max`, and no other
        tenant may hold the same number."""
        return self.status in (NumberStatus.ACTIVE, NumberStatus.PROVISIONING)

    @property
    def is_proven(self) -> bool:
        return self.ownership is not NumberOwnership.UNCONFIRMED

    @property
    def in_service(self) -> bool:
        """Active and proven the tenant's: it answers inbound calls and places outbound ones."""
        return self.is_active and self.is_proven

    @property
    def why_not_in_service(self) -> str | None:
        if not self.is_active:
            return f"it is {self.status.value}"
        if not self.is_proven:
            return "it was registered without proof and awaits a platform admin's confirmation"
        return None

    def provisioned(
        self, provider_number_id: str, number: PhoneNumber | None, at: datetime
    ) -> None:
        """The provider's answer: its id for the line and, once it has one, the number (a
        bought number may be activating without one yet: it stays provisioning)."""
        if self.status is not NumberStatus.PROVISIONING:
            raise InvalidStateTransition(f"the number is {self.status.value}", field="status")
        if self.number is not None and number is not None and number != self.number:
            raise InvalidValue(
                f"the provider made {number.e164}, not {self.number.e164}", field="number"
            )
        self.provider_number_id = provider_number_id
        self.number = number or self.number
        if self.number is not None:
            self.status = NumberStatus.ACTIVE
        self.updated_at = at

    def fail(self, reason: str, at: datetime) -> None:
        """The provider made no number: it holds nothing any more."""
        if self.status is not NumberStatus.PROVISIONING:
            raise InvalidStateTransition(f"the number is {self.status.value}", field="status")
        self.status = NumberStatus.FAILED
        self.error = reason
        self.inbound_agent_id = None
        self.updated_at = at

    def confirm(self, at: datetime) -> None:
        if self.ownership is not NumberOwnership.UNCONFIRMED:
            raise InvalidStateTransition(
                f"the number is {self.ownership.value}, not unconfirmed", field="ownership"
            )
        self.ownership = NumberOwnership.CONFIRMED
        self.updated_at = at

    def release(self, at: datetime) -> None:
        if not self.is_active:
            raise InvalidStateTransition(
                f"the number is {self.status.value}: only an active number is released",
                field="status",
            )
        self.status = NumberStatus.RELEASED
        self.inbound_agent_id = None
        self.updated_at = at

    def route_inbound_to(self, agent_id: AgentId | None, at: datetime) -> None:
        if agent_id is not None and not self.is_held:
            raise InvalidStateTransition(
                f"a {self.status.value} number answers no calls", field="inbound_agent_id"
            )
        self.inbound_agent_id = agent_id
        self.updated_at = at

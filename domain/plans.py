"""Plans, features and what a tenant is entitled to (DESIGN §5).

A feature's effective value for a tenant at an instant is, in order: an override granted to
the tenant that is in force at that instant, else the value the tenant's plan gives it, else
the feature's default. Overrides may widen or narrow (take a plan's feature away).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from domain.errors import DomainError, InvalidValue
from domain.ids import FeatureId, OverrideId, PlanId, TenantId, UserId
from domain.values import check_horizon, non_blank, optional_text

FeatureValue = bool | int | None
"""boolean: enabled or not; limit: a count, None = unlimited; addon: enabled or a quantity."""


class FeatureType(enum.StrEnum):
    BOOLEAN = "boolean"
    LIMIT = "limit"
    ADDON = "addon"


class BillingCycle(enum.StrEnum):
    MONTHLY = "monthly"
    YEARLY = "yearly"


class Source(enum.StrEnum):
    """Where an effective value came from."""

    OVERRIDE = "override"
    PLAN = "plan"
    DEFAULT = "default"


def check_value(feature_type: FeatureType, value: Any, *, field: str = "value") -> FeatureValue:
    """The value, if it suits the feature type; InvalidValue naming `field` otherwise."""
    if feature_type is FeatureType.BOOLEAN:
        if isinstance(value, bool):
            return value
        raise InvalidValue("a boolean feature takes true or false", field=field)
    if feature_type is FeatureType.LIMIT:
        if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            return value
        raise InvalidValue(
            "a limit takes a whole number of at least 0, or null for unlimited", field=field
        )
    if isinstance(value, bool) or (isinstance(value, int) and value >= 0):
        return value
    raise InvalidValue("an add-on takes true, false or a quantity of at least 0", field=field)


def on_value(feature_type: FeatureType) -> FeatureValue:
    """The value that grants a feature fully: true, or an unlimited (null) limit."""
    return None if feature_type is FeatureType.LIMIT else True


def off_value(feature_type: FeatureType) -> FeatureValue:
    """The value that takes a feature away: false, or a limit of 0."""
    return 0 if feature_type is FeatureType.LIMIT else False


_CENT = Decimal("0.01")
_MAX_PRICE = Decimal("10000000000")
_CURRENCY = re.compile(r"[A-Z]{3}")


def _cents(price: Decimal) -> Decimal:
    """The same amount with exactly two decimals ("9.9" -> "9.90"), when that is exact."""
    if price.is_finite() and abs(price) < _MAX_PRICE:
        cents = price.quantize(_CENT)
        if cents == price:
            return cents
    return price


def _price(_instance: object, _attribute: object, price: Decimal) -> None:
    if not price.is_finite() or price < 0 or price >= _MAX_PRICE:
        raise InvalidValue("price must be from 0 to below 10,000,000,000", field="price")
    if price != price.quantize(_CENT):
        raise InvalidValue("price must have at most 2 decimals", field="price")


def _currency(_instance: object, _attribute: object, currency: str) -> None:
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise InvalidValue("currency must be a three-letter ISO 4217 code", field="currency")


@attrs.define
class Plan:
    """A plan; attrs.define validates every assignment, so edits stay valid."""

    id: PlanId
    name: str = attrs.field(validator=non_blank(max_len=100))
    created_at: datetime
    updated_at: datetime
    price: Decimal = attrs.field(default=Decimal("0.00"), converter=_cents, validator=_price)
    currency: str = attrs.field(default="USD", validator=_currency)
    billing_cycle: BillingCycle = BillingCycle.MONTHLY
    is_active: bool = True
    is_default: bool = False
    metadata: dict[str, Any] = attrs.field(factory=dict)
    version: int = 0


@attrs.frozen
class Feature:
    id: FeatureId
    key: str = attrs.field(validator=non_blank(max_len=100))
    name: str = attrs.field(validator=non_blank(max_len=255))
    type: FeatureType
    default: FeatureValue
    created_at: datetime
    description: str | None = attrs.field(default=None, validator=optional_text(max_len=2000))

    def __attrs_post_init__(self) -> None:
        check_value(self.type, self.default, field="default_value")


@attrs.frozen
class Override:
    """A value granted to one tenant, in force from `enabled_at` until `expires_at`."""

    id: OverrideId
    tenant_id: TenantId
    feature_id: FeatureId
    value: FeatureValue
    enabled_at: datetime
    expires_at: datetime | None = None
    reason: str | None = attrs.field(default=None, validator=optional_text(max_len=1000))
    granted_by: UserId | None = None

    def __attrs_post_init__(self) -> None:
        if self.expires_at is not None and self.expires_at <= self.enabled_at:
            raise InvalidValue("expires_at must be after the override starts", field="expires_at")
        check_horizon(self.expires_at, self.enabled_at)

    def in_force_at(self, at: datetime) -> bool:
        return self.enabled_at <= at and (self.expires_at is None or at < self.expires_at)


@attrs.frozen
class Entitlement:
    """A feature's effective value for a tenant at one instant, and where it came from."""

    feature: Feature
    value: FeatureValue
    source: Source
    expires_at: datetime | None = None

    @property
    def enabled(self) -> bool:
        if self.feature.type is FeatureType.LIMIT:
            return self.value is None or self.value > 0
        return bool(self.value)

    @property
    def limit(self) -> int | None:
        """For limits: the count allowed, None when unlimited."""
        return self.value if self.feature.type is FeatureType.LIMIT else None


def effective(
    feature: Feature,
    plan_values: Mapping[FeatureId, FeatureValue],
    override: Override | None,
    at: datetime,
) -> Entitlement:
    """The one rule of precedence: override in force, else plan, else default."""
    if override is not None and override.in_force_at(at):
        return Entitlement(feature, override.value, Source.OVERRIDE, override.expires_at)
    if feature.id in plan_values:
        return Entitlement(feature, plan_values[feature.id], Source.PLAN)
    return Entitlement(feature, feature.default, Source.DEFAULT)


class FeatureDisabled(DomainError):
    """The tenant's plan (or an override) does not include the feature."""

    code = "feature-disabled"

    def __init__(self, feature: str) -> None:
        super().__init__(f"your plan does not include {feature}", field=None)
        self.feature = feature


class EntitlementExceeded(DomainError):
    """Consuming more would pass the tenant's limit for the feature."""

    code = "entitlement-exceeded"

    def __init__(self, feature: str, limit: int, used: int, wanted: int) -> None:
        super().__init__(
            f"{feature} allows {limit}; {used} in use, {wanted} more requested", field=None
        )
        self.feature = feature
        self.limit = limit
        self.used = used
        self.wanted = wanted


def require(entitlement: Entitlement) -> None:
    if not entitlement.enabled:
        raise FeatureDisabled(entitlement.feature.key)


def require_capacity(entitlement: Entitlement, used: int, wanted: int = 1) -> None:
    """Refuse when `used + wanted` would pass the limit (None: unlimited)."""
    limit = entitlement.limit
    if limit is not None and used + wanted > limit:
        raise EntitlementExceeded(entitlement.feature.key, limit, used, wanted)

"""The entitlement rules of domain.plans, as properties: precedence, expiry, narrowing,
widening, unlimited limits, value checking, and plan validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from domain.errors import DomainError, InvalidValue
from domain.ids import FeatureId, OverrideId, PlanId, TenantId
from domain.plans import (
    BillingCycle,
    Entitlement,
    EntitlementExceeded,
    Feature,
    FeatureDisabled,
    FeatureType,
    FeatureValue,
    Override,
    Plan,
    Source,
    check_value,
    effective,
    off_value,
    require,
    require_capacity,
)

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
TENANT = TenantId(uuid4())

# --- strategies ------------------------------------------------------------------------

types = st.sampled_from(list(FeatureType))
counts = st.integers(min_value=0, max_value=10**9)
limits = st.none() | counts


def values_for(feature_type: FeatureType) -> st.SearchStrategy[FeatureValue]:
    """Every value the type accepts."""
    if feature_type is FeatureType.BOOLEAN:
        return st.booleans()
    if feature_type is FeatureType.LIMIT:
        return limits
    return st.booleans() | counts


def a_feature(feature_type: FeatureType, default: FeatureValue, key: str = "thing") -> Feature:
    return Feature(FeatureId(uuid4()), key, key.title(), feature_type, default, created_at=T0)


@st.composite
def features(draw: st.DrawFn, feature_type: FeatureType | None = None) -> Feature:
    chosen = feature_type if feature_type is not None else draw(types)
    key = draw(st.from_regex(r"[a-z][a-z_.]{0,20}", fullmatch=True))
    return a_feature(chosen, draw(values_for(chosen)), key)


offsets = st.integers(min_value=-(10**7), max_value=10**7).map(lambda s: timedelta(seconds=s))
instants = offsets.map(lambda d: T0 + d)
durations = st.integers(min_value=1, max_value=10**7).map(lambda s: timedelta(seconds=s))


def an_override(
    feature: Feature, value: FeatureValue, enabled_at: datetime, expires_at: datetime | None
) -> Override:
    return Override(
        OverrideId(uuid4()), TENANT, feature.id, value, enabled_at=enabled_at, expires_at=expires_at
    )


@st.composite
def overrides(draw: st.DrawFn, feature: Feature) -> Override:
    enabled_at = draw(instants)
    lasts = draw(st.none() | durations)
    return an_override(
        feature,
        draw(values_for(feature.type)),
        enabled_at,
        None if lasts is None else enabled_at + lasts,
    )


@st.composite
def plan_values_for(draw: st.DrawFn, feature: Feature) -> dict[FeatureId, FeatureValue]:
    """Values for some other features, and maybe (not always) one for `feature`."""
    others = draw(st.lists(st.booleans() | limits, max_size=3))
    values: dict[FeatureId, FeatureValue] = {FeatureId(uuid4()): v for v in others}
    if draw(st.booleans()):
        values[feature.id] = draw(values_for(feature.type))
    return values


def entitled(feature_type: FeatureType, value: FeatureValue, key: str = "thing") -> Entitlement:
    feature = a_feature(feature_type, off_value(feature_type), key)
    return effective(feature, {feature.id: value}, None, T0)


# --- precedence -------------------------------------------------------------------------


@given(data=st.data(), feature=features())
def test_an_override_in_force_always_wins(data: st.DataObject, feature: Feature) -> None:
    plan_values = data.draw(plan_values_for(feature))
    override = data.draw(overrides(feature))
    span = (
        10**8
        if override.expires_at is None
        else int((override.expires_at - override.enabled_at).total_seconds()) - 1
    )
    at = override.enabled_at + timedelta(seconds=data.draw(st.integers(0, span)))

    found = effective(feature, plan_values, override, at)

    assert (found.value, found.source) == (override.value, Source.OVERRIDE)
    assert type(found.value) is type(override.value)
    assert found.expires_at == override.expires_at
    assert found.feature == feature


@given(data=st.data(), feature=features())
def test_without_an_override_in_force_the_plan_value_wins_else_the_default(
    data: st.DataObject, feature: Feature
) -> None:
    plan_values = data.draw(plan_values_for(feature))
    override = data.draw(st.none() | overrides(feature))
    at = data.draw(instants)
    assume(override is None or not override.in_force_at(at))

    found = effective(feature, plan_values, override, at)

    if feature.id in plan_values:
        expected = (plan_values[feature.id], Source.PLAN)
    else:
        expected = (feature.default, Source.DEFAULT)
    assert (found.value, found.source) == expected
    assert type(found.value) is type(expected[0])  # 0 stays 0, never False
    assert found.expires_at is None
    assert found == effective(feature, plan_values, None, at)


@given(default=st.integers(min_value=0, max_value=100))
def test_a_plan_value_of_null_means_unlimited_not_missing(default: int) -> None:
    feature = a_feature(FeatureType.LIMIT, default)
    found = effective(feature, {feature.id: None}, None, T0)
    assert (found.value, found.source, found.limit, found.enabled) == (
        None,
        Source.PLAN,
        None,
        True,
    )


@given(plan_value=st.none() | counts, default=limits)
def test_an_override_of_null_means_unlimited_whatever_the_plan(
    plan_value: int | None, default: int | None
) -> None:
    feature = a_feature(FeatureType.LIMIT, default)
    override = an_override(feature, None, T0, None)
    found = effective(feature, {feature.id: plan_value}, override, T0)
    assert (found.value, found.source, found.limit) == (None, Source.OVERRIDE, None)


# --- expiry -----------------------------------------------------------------------------


@given(enabled_at=instants, lasts=durations, before=durations)
def test_an_override_is_in_force_from_enabled_at_until_just_before_expires_at(
    enabled_at: datetime, lasts: timedelta, before: timedelta
) -> None:
    feature = a_feature(FeatureType.LIMIT, 1)
    override = an_override(feature, 9, enabled_at, enabled_at + lasts)
    tick = timedelta(microseconds=1)

    assert override.in_force_at(enabled_at)
    assert override.in_force_at(enabled_at + lasts - tick)
    assert not override.in_force_at(enabled_at + lasts)
    assert not override.in_force_at(enabled_at + lasts + before)
    assert not override.in_force_at(enabled_at - tick)
    assert not override.in_force_at(enabled_at - before)

    plan = {feature.id: 2}
    assert effective(feature, plan, override, enabled_at).source is Source.OVERRIDE
    assert effective(feature, plan, override, enabled_at + lasts).value == 2
    assert effective(feature, plan, override, enabled_at - tick).value == 2


@given(enabled_at=instants, after=durations)
def test_an_override_without_expiry_stays_in_force(enabled_at: datetime, after: timedelta) -> None:
    feature = a_feature(FeatureType.BOOLEAN, False)
    override = an_override(feature, True, enabled_at, None)
    assert override.in_force_at(enabled_at + after)
    assert not override.in_force_at(enabled_at - after)


@given(enabled_at=instants, earlier=st.integers(min_value=0, max_value=10**6))
def test_an_override_must_expire_after_it_starts(enabled_at: datetime, earlier: int) -> None:
    feature = a_feature(FeatureType.BOOLEAN, False)
    with pytest.raises(InvalidValue) as raised:
        an_override(feature, True, enabled_at, enabled_at - timedelta(seconds=earlier))
    assert raised.value.field == "expires_at"


@given(enabled_at=instants, extra=st.integers(min_value=1, max_value=10**9))
def test_an_override_may_not_expire_more_than_a_hundred_years_on(
    enabled_at: datetime, extra: int
) -> None:
    feature = a_feature(FeatureType.BOOLEAN, False)
    horizon = enabled_at + timedelta(days=366 * 100)
    assert an_override(feature, True, enabled_at, horizon).expires_at == horizon
    with pytest.raises(InvalidValue) as raised:
        an_override(feature, True, enabled_at, horizon + timedelta(seconds=extra))
    assert raised.value.field == "expires_at"


# --- narrowing and widening -------------------------------------------------------------


@given(feature_type=types, data=st.data())
def test_an_off_override_takes_a_plan_feature_away(
    feature_type: FeatureType, data: st.DataObject
) -> None:
    feature = a_feature(feature_type, off_value(feature_type), "calls.outbound")
    on = data.draw(
        {
            FeatureType.BOOLEAN: st.just(True),
            FeatureType.LIMIT: st.none() | st.integers(min_value=1, max_value=10**6),
            FeatureType.ADDON: st.just(True) | st.integers(min_value=1, max_value=10**6),
        }[feature_type]
    )
    plan = {feature.id: on}
    require(effective(feature, plan, None, T0))  # the plan gives it

    narrowed = effective(feature, plan, an_override(feature, off_value(feature_type), T0, None), T0)

    assert narrowed.source is Source.OVERRIDE
    assert not narrowed.enabled
    with pytest.raises(FeatureDisabled) as raised:
        require(narrowed)
    assert raised.value.feature == "calls.outbound"
    assert raised.value.code == "feature-disabled"


@given(plan_limit=st.none() | st.integers(min_value=1, max_value=10**6), used=counts)
def test_a_limit_overridden_to_zero_refuses_any_capacity(plan_limit: int | None, used: int) -> None:
    feature = a_feature(FeatureType.LIMIT, 5, "members.max")
    narrowed = effective(feature, {feature.id: plan_limit}, an_override(feature, 0, T0, None), T0)
    with pytest.raises(EntitlementExceeded) as raised:
        require_capacity(narrowed, used)
    assert (raised.value.feature, raised.value.limit, raised.value.used) == ("members.max", 0, used)
    assert raised.value.wanted == 1


@given(plan_limit=counts, extra=st.integers(min_value=1, max_value=10**6), data=st.data())
def test_an_override_widens_a_limit(plan_limit: int, extra: int, data: st.DataObject) -> None:
    feature = a_feature(FeatureType.LIMIT, 0, "members.max")
    plan = {feature.id: plan_limit}
    with pytest.raises(EntitlementExceeded):
        require_capacity(effective(feature, plan, None, T0), plan_limit)

    widened = effective(feature, plan, an_override(feature, plan_limit + extra, T0, None), T0)
    used = data.draw(st.integers(min_value=0, max_value=plan_limit + extra - 1))
    require_capacity(widened, used)  # room up to the override's limit
    with pytest.raises(EntitlementExceeded) as raised:
        require_capacity(widened, plan_limit + extra)
    assert raised.value.limit == plan_limit + extra


@given(feature_type=st.sampled_from([FeatureType.BOOLEAN, FeatureType.ADDON]))
def test_an_override_widens_a_boolean_the_plan_lacks(feature_type: FeatureType) -> None:
    feature = a_feature(feature_type, False, "recordings")
    plan = {feature.id: False}
    with pytest.raises(FeatureDisabled):
        require(effective(feature, plan, None, T0))
    require(effective(feature, plan, an_override(feature, True, T0, None), T0))


# --- capacity ---------------------------------------------------------------------------


@given(used=st.integers(min_value=0, max_value=10**12), wanted=st.integers(0, 10**12))
def test_a_null_limit_never_refuses(used: int, wanted: int) -> None:
    unlimited = entitled(FeatureType.LIMIT, None)
    assert unlimited.enabled
    assert unlimited.limit is None
    require(unlimited)
    require_capacity(unlimited, used, wanted)


@given(limit=counts, used=counts, wanted=st.integers(min_value=0, max_value=10**6))
def test_capacity_is_refused_exactly_when_used_plus_wanted_passes_the_limit(
    limit: int, used: int, wanted: int
) -> None:
    found = entitled(FeatureType.LIMIT, limit, "voice_agents.max")
    if used + wanted <= limit:
        require_capacity(found, used, wanted)
        return
    with pytest.raises(EntitlementExceeded) as raised:
        require_capacity(found, used, wanted)
    error = raised.value
    assert (error.feature, error.limit, error.used, error.wanted) == (
        "voice_agents.max",
        limit,
        used,
        wanted,
    )
    assert error.code == "entitlement-exceeded"
    assert error.field is None
    assert isinstance(error, DomainError)
    assert "voice_agents.max" in error.message


@given(limit=counts)
def test_the_last_unit_fits_and_the_next_does_not(limit: int) -> None:
    found = entitled(FeatureType.LIMIT, limit)
    if limit > 0:
        require_capacity(found, limit - 1)
    with pytest.raises(EntitlementExceeded):
        require_capacity(found, limit)


@given(value=counts)
def test_a_limit_is_enabled_when_above_zero_and_an_addon_when_truthy(value: int) -> None:
    assert entitled(FeatureType.LIMIT, value).enabled is (value > 0)
    assert entitled(FeatureType.LIMIT, value).limit == value
    assert entitled(FeatureType.ADDON, value).enabled is (value > 0)
    assert entitled(FeatureType.ADDON, value).limit is None
    assert entitled(FeatureType.BOOLEAN, True).limit is None


# --- check_value and off_value ----------------------------------------------------------

anything = st.one_of(
    st.booleans(),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.none(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=2),
)


def accepted(feature_type: FeatureType, value: Any) -> bool:
    """The rule, stated independently of the implementation."""
    is_bool = isinstance(value, bool)
    is_count = type(value) is int and value >= 0
    if feature_type is FeatureType.BOOLEAN:
        return is_bool
    if feature_type is FeatureType.LIMIT:
        return value is None or is_count
    return is_bool or is_count


@given(feature_type=types, value=anything, field=st.sampled_from(["value", "default_value"]))
@example(FeatureType.LIMIT, True, "value")
@example(FeatureType.LIMIT, False, "value")
@example(FeatureType.LIMIT, -1, "value")
@example(FeatureType.LIMIT, 1.0, "value")
@example(FeatureType.BOOLEAN, 1, "value")
@example(FeatureType.BOOLEAN, None, "value")
@example(FeatureType.ADDON, None, "value")
@example(FeatureType.ADDON, -1, "value")
@example(FeatureType.ADDON, "3", "value")
def test_check_value_accepts_exactly_the_values_of_the_type(
    feature_type: FeatureType, value: Any, field: str
) -> None:
    if accepted(feature_type, value):
        checked = check_value(feature_type, value, field=field)
        assert checked is value or (checked == value and type(checked) is type(value))
        return
    with pytest.raises(InvalidValue) as raised:
        check_value(feature_type, value, field=field)
    assert raised.value.field == field


@given(feature_type=types)
def test_off_value_is_the_value_that_disables(feature_type: FeatureType) -> None:
    off = off_value(feature_type)
    if feature_type is FeatureType.LIMIT:
        assert off == 0
        assert type(off) is int
    else:
        assert off is False
    assert check_value(feature_type, off) == off
    assert not entitled(feature_type, off).enabled


@given(feature_type=types, data=st.data())
def test_a_feature_default_must_suit_its_type(
    feature_type: FeatureType, data: st.DataObject
) -> None:
    value = data.draw(anything)
    if accepted(feature_type, value):
        assert a_feature(feature_type, value).default == value
        return
    with pytest.raises(InvalidValue) as raised:
        a_feature(feature_type, value)
    assert raised.value.field == "default_value"


def test_feature_disabled_and_entitlement_exceeded_carry_their_data() -> None:
    disabled = FeatureDisabled("batch_calls")
    assert (disabled.feature, disabled.code, disabled.field) == (
        "batch_calls",
        "feature-disabled",
        None,
    )
    exceeded = EntitlementExceeded("members.max", limit=2, used=2, wanted=3)
    assert (exceeded.feature, exceeded.limit, exceeded.used, exceeded.wanted) == (
        "members.max",
        2,
        2,
        3,
    )


# --- plans ------------------------------------------------------------------------------


def a_plan(**fields: Any) -> Plan:
    return Plan(PlanId(uuid4()), fields.pop("name", "pro"), T0, T0, **fields)


good_prices = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("9999999999.99"), places=2, allow_nan=False
)
currencies = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)


@given(price=good_prices, currency=currencies, cycle=st.sampled_from(list(BillingCycle)))
def test_a_plan_takes_a_price_of_at_most_two_decimals_and_a_currency_code(
    price: Decimal, currency: str, cycle: BillingCycle
) -> None:
    plan = a_plan(price=price, currency=currency, billing_cycle=cycle)
    assert (plan.price, plan.currency, plan.billing_cycle) == (price, currency, cycle)
    assert plan.price.as_tuple().exponent == -2  # kept as cents: "9.9" is stored as "9.90"
    plan.price = price  # assignment is validated the same way, and accepts the same
    plan.currency = currency


def bad_price(price: Decimal) -> bool:
    """The rule, stated independently: finite, 0 <= price < 10^10, whole cents."""
    if not price.is_finite() or price < 0 or price >= Decimal("10000000000"):
        return True
    return (Fraction(price) * 100).denominator != 1


@given(price=st.decimals(allow_nan=True, allow_infinity=True))
@example(Decimal("-0.01"))
@example(Decimal("0.001"))
@example(Decimal("10000000000"))
@example(Decimal("NaN"))
@example(Decimal("-Infinity"))
@example(Decimal("1E+30"))  # far past the limit: still InvalidValue, never a decimal trap
def test_a_bad_price_is_refused_naming_the_field_at_construction_and_on_assignment(
    price: Decimal,
) -> None:
    if not bad_price(price):
        assert a_plan(price=price).price == price
        return
    with pytest.raises(InvalidValue) as raised:
        a_plan(price=price)
    assert raised.value.field == "price"
    plan = a_plan(price=Decimal("5.00"))
    with pytest.raises(InvalidValue) as raised:
        plan.price = price
    assert raised.value.field == "price"
    assert plan.price == Decimal("5.00")


@given(currency=st.text(max_size=5))
@example("usd")
@example("US")
@example("USDD")
@example("US1")  # three characters, upper case, but not three letters
@example("U$D")
@example("ÉUR")
def test_a_currency_must_be_three_upper_case_letters(currency: str) -> None:
    valid = len(currency) == 3 and all("A" <= c <= "Z" for c in currency)
    if valid:
        assert a_plan(currency=currency).currency == currency
        return
    with pytest.raises(InvalidValue) as raised:
        a_plan(currency=currency)
    assert raised.value.field == "currency"
    plan = a_plan()
    with pytest.raises(InvalidValue) as raised:
        plan.currency = currency
    assert raised.value.field == "currency"
    assert plan.currency == "USD"


@given(name=st.text(alphabet=" \t\n\r\u00a0\u2003", max_size=4) | st.text(min_size=101))
def test_a_blank_or_overlong_plan_name_is_refused(name: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        a_plan(name=name)
    assert raised.value.field == "name"
    plan = a_plan(name="pro")
    with pytest.raises(InvalidValue) as raised:
        plan.name = name
    assert raised.value.field == "name"
    assert plan.name == "pro"


def test_plan_defaults() -> None:
    plan = a_plan()
    assert (plan.price, plan.currency, plan.billing_cycle) == (
        Decimal("0"),
        "USD",
        BillingCycle.MONTHLY,
    )
    assert (plan.is_active, plan.is_default, plan.metadata, plan.version) == (True, False, {}, 0)

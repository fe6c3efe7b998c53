from typing import Literal

UsagePeriod = Literal["day", "month"]

USAGE_PERIOD_VALUES: set[UsagePeriod] = {
    "day",
    "month",
}


def check_usage_period(value: str) -> UsagePeriod:
    if value in USAGE_PERIOD_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USAGE_PERIOD_VALUES!r}")

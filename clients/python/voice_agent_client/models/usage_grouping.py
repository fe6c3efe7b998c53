from typing import Literal

UsageGrouping = Literal["agent", "batch"]

USAGE_GROUPING_VALUES: set[UsageGrouping] = {
    "agent",
    "batch",
}


def check_usage_grouping(value: str) -> UsageGrouping:
    if value in USAGE_GROUPING_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USAGE_GROUPING_VALUES!r}")

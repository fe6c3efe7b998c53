from typing import Literal

UsageOutObject = Literal["ai_usage"]

USAGE_OUT_OBJECT_VALUES: set[UsageOutObject] = {
    "ai_usage",
}


def check_usage_out_object(value: str) -> UsageOutObject:
    if value in USAGE_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USAGE_OUT_OBJECT_VALUES!r}")

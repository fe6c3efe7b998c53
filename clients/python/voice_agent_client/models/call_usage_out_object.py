from typing import Literal

CallUsageOutObject = Literal["call_usage"]

CALL_USAGE_OUT_OBJECT_VALUES: set[CallUsageOutObject] = {
    "call_usage",
}


def check_call_usage_out_object(value: str) -> CallUsageOutObject:
    if value in CALL_USAGE_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CALL_USAGE_OUT_OBJECT_VALUES!r}")

from typing import Literal

CallOutObject = Literal["call"]

CALL_OUT_OBJECT_VALUES: set[CallOutObject] = {
    "call",
}


def check_call_out_object(value: str) -> CallOutObject:
    if value in CALL_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CALL_OUT_OBJECT_VALUES!r}")

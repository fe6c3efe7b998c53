from typing import Literal

PreflightOutObject = Literal["batch_preflight"]

PREFLIGHT_OUT_OBJECT_VALUES: set[PreflightOutObject] = {
    "batch_preflight",
}


def check_preflight_out_object(value: str) -> PreflightOutObject:
    if value in PREFLIGHT_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PREFLIGHT_OUT_OBJECT_VALUES!r}")

from typing import Literal

HealthOutStatus = Literal["ok"]

HEALTH_OUT_STATUS_VALUES: set[HealthOutStatus] = {
    "ok",
}


def check_health_out_status(value: str) -> HealthOutStatus:
    if value in HEALTH_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {HEALTH_OUT_STATUS_VALUES!r}")

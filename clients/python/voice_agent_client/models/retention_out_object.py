from typing import Literal

RetentionOutObject = Literal["retention"]

RETENTION_OUT_OBJECT_VALUES: set[RetentionOutObject] = {
    "retention",
}


def check_retention_out_object(value: str) -> RetentionOutObject:
    if value in RETENTION_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RETENTION_OUT_OBJECT_VALUES!r}")

from typing import Literal

BatchOutObject = Literal["batch"]

BATCH_OUT_OBJECT_VALUES: set[BatchOutObject] = {
    "batch",
}


def check_batch_out_object(value: str) -> BatchOutObject:
    if value in BATCH_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {BATCH_OUT_OBJECT_VALUES!r}")

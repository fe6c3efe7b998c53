from typing import Literal

BatchCreatedOutObject = Literal["batch"]

BATCH_CREATED_OUT_OBJECT_VALUES: set[BatchCreatedOutObject] = {
    "batch",
}


def check_batch_created_out_object(value: str) -> BatchCreatedOutObject:
    if value in BATCH_CREATED_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {BATCH_CREATED_OUT_OBJECT_VALUES!r}")

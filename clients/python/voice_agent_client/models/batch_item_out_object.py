from typing import Literal

BatchItemOutObject = Literal["batch_item"]

BATCH_ITEM_OUT_OBJECT_VALUES: set[BatchItemOutObject] = {
    "batch_item",
}


def check_batch_item_out_object(value: str) -> BatchItemOutObject:
    if value in BATCH_ITEM_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {BATCH_ITEM_OUT_OBJECT_VALUES!r}")

from typing import Literal

BatchItemStatus = Literal["cancelled", "completed", "dialling", "failed", "live", "pending", "skipped"]

BATCH_ITEM_STATUS_VALUES: set[BatchItemStatus] = {
    "cancelled",
    "completed",
    "dialling",
    "failed",
    "live",
    "pending",
    "skipped",
}


def check_batch_item_status(value: str) -> BatchItemStatus:
    if value in BATCH_ITEM_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {BATCH_ITEM_STATUS_VALUES!r}")

from typing import Literal

ListBatchItemsStatus = Literal["cancelled", "completed", "dialling", "failed", "live", "pending", "skipped"]

LIST_BATCH_ITEMS_STATUS_VALUES: set[ListBatchItemsStatus] = {
    "cancelled",
    "completed",
    "dialling",
    "failed",
    "live",
    "pending",
    "skipped",
}


def check_list_batch_items_status(value: str) -> ListBatchItemsStatus:
    if value in LIST_BATCH_ITEMS_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LIST_BATCH_ITEMS_STATUS_VALUES!r}")

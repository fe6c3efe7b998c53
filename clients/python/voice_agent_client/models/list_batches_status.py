from typing import Literal

ListBatchesStatus = Literal["cancelled", "completed", "draft", "paused", "running"]

LIST_BATCHES_STATUS_VALUES: set[ListBatchesStatus] = {
    "cancelled",
    "completed",
    "draft",
    "paused",
    "running",
}


def check_list_batches_status(value: str) -> ListBatchesStatus:
    if value in LIST_BATCHES_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LIST_BATCHES_STATUS_VALUES!r}")

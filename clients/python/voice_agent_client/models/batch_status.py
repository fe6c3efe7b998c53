from typing import Literal

BatchStatus = Literal["cancelled", "completed", "draft", "paused", "running"]

BATCH_STATUS_VALUES: set[BatchStatus] = {
    "cancelled",
    "completed",
    "draft",
    "paused",
    "running",
}


def check_batch_status(value: str) -> BatchStatus:
    if value in BATCH_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {BATCH_STATUS_VALUES!r}")

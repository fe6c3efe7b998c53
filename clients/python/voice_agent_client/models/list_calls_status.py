from typing import Literal

ListCallsStatus = Literal["ended", "failed", "forwarding", "in-progress", "queued", "ringing", "unknown"]

LIST_CALLS_STATUS_VALUES: set[ListCallsStatus] = {
    "ended",
    "failed",
    "forwarding",
    "in-progress",
    "queued",
    "ringing",
    "unknown",
}


def check_list_calls_status(value: str) -> ListCallsStatus:
    if value in LIST_CALLS_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LIST_CALLS_STATUS_VALUES!r}")

from typing import Literal

CallStatus = Literal["ended", "failed", "forwarding", "in-progress", "queued", "ringing", "unknown"]

CALL_STATUS_VALUES: set[CallStatus] = {
    "ended",
    "failed",
    "forwarding",
    "in-progress",
    "queued",
    "ringing",
    "unknown",
}


def check_call_status(value: str) -> CallStatus:
    if value in CALL_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CALL_STATUS_VALUES!r}")

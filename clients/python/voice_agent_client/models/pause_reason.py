from typing import Literal

PauseReason = Literal[
    "agent_unavailable", "feature_lost", "minutes_exhausted", "number_unavailable", "requested", "tenant_suspended"
]

PAUSE_REASON_VALUES: set[PauseReason] = {
    "agent_unavailable",
    "feature_lost",
    "minutes_exhausted",
    "number_unavailable",
    "requested",
    "tenant_suspended",
}


def check_pause_reason(value: str) -> PauseReason:
    if value in PAUSE_REASON_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PAUSE_REASON_VALUES!r}")

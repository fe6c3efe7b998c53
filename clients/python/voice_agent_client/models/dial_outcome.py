from typing import Literal

DialOutcome = Literal["busy", "completed", "failed", "no-answer", "unknown", "voicemail"]

DIAL_OUTCOME_VALUES: set[DialOutcome] = {
    "busy",
    "completed",
    "failed",
    "no-answer",
    "unknown",
    "voicemail",
}


def check_dial_outcome(value: str) -> DialOutcome:
    if value in DIAL_OUTCOME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DIAL_OUTCOME_VALUES!r}")

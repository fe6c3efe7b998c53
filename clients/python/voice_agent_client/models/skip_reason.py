from typing import Literal

SkipReason = Literal["do_not_call", "duplicate_number", "invalid_number", "unknown_time_zone"]

SKIP_REASON_VALUES: set[SkipReason] = {
    "do_not_call",
    "duplicate_number",
    "invalid_number",
    "unknown_time_zone",
}


def check_skip_reason(value: str) -> SkipReason:
    if value in SKIP_REASON_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SKIP_REASON_VALUES!r}")

from typing import Literal

CallSummaryOutObject = Literal["call"]

CALL_SUMMARY_OUT_OBJECT_VALUES: set[CallSummaryOutObject] = {
    "call",
}


def check_call_summary_out_object(value: str) -> CallSummaryOutObject:
    if value in CALL_SUMMARY_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CALL_SUMMARY_OUT_OBJECT_VALUES!r}")

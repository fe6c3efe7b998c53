from typing import Literal

UsageReportOutObject = Literal["usage_report"]

USAGE_REPORT_OUT_OBJECT_VALUES: set[UsageReportOutObject] = {
    "usage_report",
}


def check_usage_report_out_object(value: str) -> UsageReportOutObject:
    if value in USAGE_REPORT_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USAGE_REPORT_OUT_OBJECT_VALUES!r}")

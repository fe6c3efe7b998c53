from typing import Literal

UsageReportBy = Literal["agent", "batch"]

USAGE_REPORT_BY_VALUES: set[UsageReportBy] = {
    "agent",
    "batch",
}


def check_usage_report_by(value: str) -> UsageReportBy:
    if value in USAGE_REPORT_BY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USAGE_REPORT_BY_VALUES!r}")

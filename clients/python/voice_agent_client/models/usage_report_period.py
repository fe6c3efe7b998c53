from typing import Literal

UsageReportPeriod = Literal["day", "month"]

USAGE_REPORT_PERIOD_VALUES: set[UsageReportPeriod] = {
    "day",
    "month",
}


def check_usage_report_period(value: str) -> UsageReportPeriod:
    if value in USAGE_REPORT_PERIOD_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USAGE_REPORT_PERIOD_VALUES!r}")

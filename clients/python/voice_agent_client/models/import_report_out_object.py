from typing import Literal

ImportReportOutObject = Literal["lead_import"]

IMPORT_REPORT_OUT_OBJECT_VALUES: set[ImportReportOutObject] = {
    "lead_import",
}


def check_import_report_out_object(value: str) -> ImportReportOutObject:
    if value in IMPORT_REPORT_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {IMPORT_REPORT_OUT_OBJECT_VALUES!r}")

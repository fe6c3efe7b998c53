from typing import Literal

TenantExportOutStatus = Literal["failed", "pending", "ready", "running"]

TENANT_EXPORT_OUT_STATUS_VALUES: set[TenantExportOutStatus] = {
    "failed",
    "pending",
    "ready",
    "running",
}


def check_tenant_export_out_status(value: str) -> TenantExportOutStatus:
    if value in TENANT_EXPORT_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TENANT_EXPORT_OUT_STATUS_VALUES!r}")

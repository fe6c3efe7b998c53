from typing import Literal

TenantOutStatus = Literal["active", "closed", "suspended"]

TENANT_OUT_STATUS_VALUES: set[TenantOutStatus] = {
    "active",
    "closed",
    "suspended",
}


def check_tenant_out_status(value: str) -> TenantOutStatus:
    if value in TENANT_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TENANT_OUT_STATUS_VALUES!r}")

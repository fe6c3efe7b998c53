from typing import Literal

TenantExportOutObject = Literal["tenant_export"]

TENANT_EXPORT_OUT_OBJECT_VALUES: set[TenantExportOutObject] = {
    "tenant_export",
}


def check_tenant_export_out_object(value: str) -> TenantExportOutObject:
    if value in TENANT_EXPORT_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TENANT_EXPORT_OUT_OBJECT_VALUES!r}")

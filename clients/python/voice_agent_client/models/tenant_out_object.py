from typing import Literal

TenantOutObject = Literal["tenant"]

TENANT_OUT_OBJECT_VALUES: set[TenantOutObject] = {
    "tenant",
}


def check_tenant_out_object(value: str) -> TenantOutObject:
    if value in TENANT_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TENANT_OUT_OBJECT_VALUES!r}")

from typing import Literal

TenantFeatureOutObject = Literal["tenant_feature"]

TENANT_FEATURE_OUT_OBJECT_VALUES: set[TenantFeatureOutObject] = {
    "tenant_feature",
}


def check_tenant_feature_out_object(value: str) -> TenantFeatureOutObject:
    if value in TENANT_FEATURE_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TENANT_FEATURE_OUT_OBJECT_VALUES!r}")

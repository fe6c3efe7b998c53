from typing import Literal

TenantFeatureOutSource = Literal["default", "override", "plan"]

TENANT_FEATURE_OUT_SOURCE_VALUES: set[TenantFeatureOutSource] = {
    "default",
    "override",
    "plan",
}


def check_tenant_feature_out_source(value: str) -> TenantFeatureOutSource:
    if value in TENANT_FEATURE_OUT_SOURCE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TENANT_FEATURE_OUT_SOURCE_VALUES!r}")

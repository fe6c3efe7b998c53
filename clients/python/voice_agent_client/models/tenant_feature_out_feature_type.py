from typing import Literal

TenantFeatureOutFeatureType = Literal["addon", "boolean", "limit"]

TENANT_FEATURE_OUT_FEATURE_TYPE_VALUES: set[TenantFeatureOutFeatureType] = {
    "addon",
    "boolean",
    "limit",
}


def check_tenant_feature_out_feature_type(value: str) -> TenantFeatureOutFeatureType:
    if value in TENANT_FEATURE_OUT_FEATURE_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TENANT_FEATURE_OUT_FEATURE_TYPE_VALUES!r}")

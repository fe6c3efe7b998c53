from typing import Literal

FeatureOutFeatureType = Literal["addon", "boolean", "limit"]

FEATURE_OUT_FEATURE_TYPE_VALUES: set[FeatureOutFeatureType] = {
    "addon",
    "boolean",
    "limit",
}


def check_feature_out_feature_type(value: str) -> FeatureOutFeatureType:
    if value in FEATURE_OUT_FEATURE_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {FEATURE_OUT_FEATURE_TYPE_VALUES!r}")

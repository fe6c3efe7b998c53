from typing import Literal

FeatureOutObject = Literal["feature"]

FEATURE_OUT_OBJECT_VALUES: set[FeatureOutObject] = {
    "feature",
}


def check_feature_out_object(value: str) -> FeatureOutObject:
    if value in FEATURE_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {FEATURE_OUT_OBJECT_VALUES!r}")

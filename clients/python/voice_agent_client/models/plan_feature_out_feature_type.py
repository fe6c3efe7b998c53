from typing import Literal

PlanFeatureOutFeatureType = Literal["addon", "boolean", "limit"]

PLAN_FEATURE_OUT_FEATURE_TYPE_VALUES: set[PlanFeatureOutFeatureType] = {
    "addon",
    "boolean",
    "limit",
}


def check_plan_feature_out_feature_type(value: str) -> PlanFeatureOutFeatureType:
    if value in PLAN_FEATURE_OUT_FEATURE_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PLAN_FEATURE_OUT_FEATURE_TYPE_VALUES!r}")

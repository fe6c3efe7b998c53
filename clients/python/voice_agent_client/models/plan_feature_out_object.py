from typing import Literal

PlanFeatureOutObject = Literal["plan_feature"]

PLAN_FEATURE_OUT_OBJECT_VALUES: set[PlanFeatureOutObject] = {
    "plan_feature",
}


def check_plan_feature_out_object(value: str) -> PlanFeatureOutObject:
    if value in PLAN_FEATURE_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PLAN_FEATURE_OUT_OBJECT_VALUES!r}")

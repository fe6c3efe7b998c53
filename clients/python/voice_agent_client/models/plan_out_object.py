from typing import Literal

PlanOutObject = Literal["plan"]

PLAN_OUT_OBJECT_VALUES: set[PlanOutObject] = {
    "plan",
}


def check_plan_out_object(value: str) -> PlanOutObject:
    if value in PLAN_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PLAN_OUT_OBJECT_VALUES!r}")

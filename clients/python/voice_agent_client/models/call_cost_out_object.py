from typing import Literal

CallCostOutObject = Literal["call_cost"]

CALL_COST_OUT_OBJECT_VALUES: set[CallCostOutObject] = {
    "call_cost",
}


def check_call_cost_out_object(value: str) -> CallCostOutObject:
    if value in CALL_COST_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CALL_COST_OUT_OBJECT_VALUES!r}")

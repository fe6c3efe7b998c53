from typing import Literal

UpdatePlanInBillingCycleType0 = Literal["monthly", "yearly"]

UPDATE_PLAN_IN_BILLING_CYCLE_TYPE_0_VALUES: set[UpdatePlanInBillingCycleType0] = {
    "monthly",
    "yearly",
}


def check_update_plan_in_billing_cycle_type_0(value: str) -> UpdatePlanInBillingCycleType0:
    if value in UPDATE_PLAN_IN_BILLING_CYCLE_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {UPDATE_PLAN_IN_BILLING_CYCLE_TYPE_0_VALUES!r}")

from typing import Literal

CreatePlanInBillingCycle = Literal["monthly", "yearly"]

CREATE_PLAN_IN_BILLING_CYCLE_VALUES: set[CreatePlanInBillingCycle] = {
    "monthly",
    "yearly",
}


def check_create_plan_in_billing_cycle(value: str) -> CreatePlanInBillingCycle:
    if value in CREATE_PLAN_IN_BILLING_CYCLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CREATE_PLAN_IN_BILLING_CYCLE_VALUES!r}")

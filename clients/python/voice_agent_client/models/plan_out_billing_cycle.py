from typing import Literal

PlanOutBillingCycle = Literal["monthly", "yearly"]

PLAN_OUT_BILLING_CYCLE_VALUES: set[PlanOutBillingCycle] = {
    "monthly",
    "yearly",
}


def check_plan_out_billing_cycle(value: str) -> PlanOutBillingCycle:
    if value in PLAN_OUT_BILLING_CYCLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PLAN_OUT_BILLING_CYCLE_VALUES!r}")

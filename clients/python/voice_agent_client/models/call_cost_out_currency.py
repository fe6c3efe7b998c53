from typing import Literal

CallCostOutCurrency = Literal["USD"]

CALL_COST_OUT_CURRENCY_VALUES: set[CallCostOutCurrency] = {
    "USD",
}


def check_call_cost_out_currency(value: str) -> CallCostOutCurrency:
    if value in CALL_COST_OUT_CURRENCY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CALL_COST_OUT_CURRENCY_VALUES!r}")

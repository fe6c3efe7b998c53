from typing import Literal

LeadOutObject = Literal["lead"]

LEAD_OUT_OBJECT_VALUES: set[LeadOutObject] = {
    "lead",
}


def check_lead_out_object(value: str) -> LeadOutObject:
    if value in LEAD_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LEAD_OUT_OBJECT_VALUES!r}")

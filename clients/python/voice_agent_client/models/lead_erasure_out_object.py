from typing import Literal

LeadErasureOutObject = Literal["lead_erasure"]

LEAD_ERASURE_OUT_OBJECT_VALUES: set[LeadErasureOutObject] = {
    "lead_erasure",
}


def check_lead_erasure_out_object(value: str) -> LeadErasureOutObject:
    if value in LEAD_ERASURE_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LEAD_ERASURE_OUT_OBJECT_VALUES!r}")

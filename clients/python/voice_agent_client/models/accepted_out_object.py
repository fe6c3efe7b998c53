from typing import Literal

AcceptedOutObject = Literal["invitation_acceptance"]

ACCEPTED_OUT_OBJECT_VALUES: set[AcceptedOutObject] = {
    "invitation_acceptance",
}


def check_accepted_out_object(value: str) -> AcceptedOutObject:
    if value in ACCEPTED_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ACCEPTED_OUT_OBJECT_VALUES!r}")

from typing import Literal

SignedInOutObject = Literal["sign_in"]

SIGNED_IN_OUT_OBJECT_VALUES: set[SignedInOutObject] = {
    "sign_in",
}


def check_signed_in_out_object(value: str) -> SignedInOutObject:
    if value in SIGNED_IN_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SIGNED_IN_OUT_OBJECT_VALUES!r}")

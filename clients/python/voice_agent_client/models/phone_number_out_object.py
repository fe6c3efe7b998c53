from typing import Literal

PhoneNumberOutObject = Literal["phone_number"]

PHONE_NUMBER_OUT_OBJECT_VALUES: set[PhoneNumberOutObject] = {
    "phone_number",
}


def check_phone_number_out_object(value: str) -> PhoneNumberOutObject:
    if value in PHONE_NUMBER_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PHONE_NUMBER_OUT_OBJECT_VALUES!r}")

from typing import Literal

PasswordResetAcceptedOutObject = Literal["password_reset_request"]

PASSWORD_RESET_ACCEPTED_OUT_OBJECT_VALUES: set[PasswordResetAcceptedOutObject] = {
    "password_reset_request",
}


def check_password_reset_accepted_out_object(value: str) -> PasswordResetAcceptedOutObject:
    if value in PASSWORD_RESET_ACCEPTED_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PASSWORD_RESET_ACCEPTED_OUT_OBJECT_VALUES!r}")

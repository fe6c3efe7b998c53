from typing import Literal

PasswordResetAcceptedOutStatus = Literal["accepted"]

PASSWORD_RESET_ACCEPTED_OUT_STATUS_VALUES: set[PasswordResetAcceptedOutStatus] = {
    "accepted",
}


def check_password_reset_accepted_out_status(value: str) -> PasswordResetAcceptedOutStatus:
    if value in PASSWORD_RESET_ACCEPTED_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PASSWORD_RESET_ACCEPTED_OUT_STATUS_VALUES!r}")

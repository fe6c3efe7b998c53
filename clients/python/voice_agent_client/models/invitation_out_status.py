from typing import Literal

InvitationOutStatus = Literal["accepted", "declined", "expired", "pending", "revoked"]

INVITATION_OUT_STATUS_VALUES: set[InvitationOutStatus] = {
    "accepted",
    "declined",
    "expired",
    "pending",
    "revoked",
}


def check_invitation_out_status(value: str) -> InvitationOutStatus:
    if value in INVITATION_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {INVITATION_OUT_STATUS_VALUES!r}")

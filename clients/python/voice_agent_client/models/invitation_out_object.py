from typing import Literal

InvitationOutObject = Literal["invitation"]

INVITATION_OUT_OBJECT_VALUES: set[InvitationOutObject] = {
    "invitation",
}


def check_invitation_out_object(value: str) -> InvitationOutObject:
    if value in INVITATION_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {INVITATION_OUT_OBJECT_VALUES!r}")

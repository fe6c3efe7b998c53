from typing import Literal

InvitationOutRole = Literal["admin", "member", "owner", "viewer"]

INVITATION_OUT_ROLE_VALUES: set[InvitationOutRole] = {
    "admin",
    "member",
    "owner",
    "viewer",
}


def check_invitation_out_role(value: str) -> InvitationOutRole:
    if value in INVITATION_OUT_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {INVITATION_OUT_ROLE_VALUES!r}")

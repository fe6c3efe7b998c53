from typing import Literal

InviteInRole = Literal["admin", "member", "owner", "viewer"]

INVITE_IN_ROLE_VALUES: set[InviteInRole] = {
    "admin",
    "member",
    "owner",
    "viewer",
}


def check_invite_in_role(value: str) -> InviteInRole:
    if value in INVITE_IN_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {INVITE_IN_ROLE_VALUES!r}")

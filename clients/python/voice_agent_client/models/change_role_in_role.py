from typing import Literal

ChangeRoleInRole = Literal["admin", "member", "owner", "viewer"]

CHANGE_ROLE_IN_ROLE_VALUES: set[ChangeRoleInRole] = {
    "admin",
    "member",
    "owner",
    "viewer",
}


def check_change_role_in_role(value: str) -> ChangeRoleInRole:
    if value in CHANGE_ROLE_IN_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CHANGE_ROLE_IN_ROLE_VALUES!r}")

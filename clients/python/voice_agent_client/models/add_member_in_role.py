from typing import Literal

AddMemberInRole = Literal["admin", "member", "owner", "viewer"]

ADD_MEMBER_IN_ROLE_VALUES: set[AddMemberInRole] = {
    "admin",
    "member",
    "owner",
    "viewer",
}


def check_add_member_in_role(value: str) -> AddMemberInRole:
    if value in ADD_MEMBER_IN_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ADD_MEMBER_IN_ROLE_VALUES!r}")

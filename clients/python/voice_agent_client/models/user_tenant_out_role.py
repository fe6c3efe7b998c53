from typing import Literal

UserTenantOutRole = Literal["admin", "member", "owner", "viewer"]

USER_TENANT_OUT_ROLE_VALUES: set[UserTenantOutRole] = {
    "admin",
    "member",
    "owner",
    "viewer",
}


def check_user_tenant_out_role(value: str) -> UserTenantOutRole:
    if value in USER_TENANT_OUT_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USER_TENANT_OUT_ROLE_VALUES!r}")

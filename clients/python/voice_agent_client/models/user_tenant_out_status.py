from typing import Literal

UserTenantOutStatus = Literal["active", "closed", "suspended"]

USER_TENANT_OUT_STATUS_VALUES: set[UserTenantOutStatus] = {
    "active",
    "closed",
    "suspended",
}


def check_user_tenant_out_status(value: str) -> UserTenantOutStatus:
    if value in USER_TENANT_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USER_TENANT_OUT_STATUS_VALUES!r}")

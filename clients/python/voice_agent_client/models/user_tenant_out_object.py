from typing import Literal

UserTenantOutObject = Literal["user_tenant"]

USER_TENANT_OUT_OBJECT_VALUES: set[UserTenantOutObject] = {
    "user_tenant",
}


def check_user_tenant_out_object(value: str) -> UserTenantOutObject:
    if value in USER_TENANT_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USER_TENANT_OUT_OBJECT_VALUES!r}")

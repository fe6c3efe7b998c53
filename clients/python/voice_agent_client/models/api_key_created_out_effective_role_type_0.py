from typing import Literal

ApiKeyCreatedOutEffectiveRoleType0 = Literal["admin", "member", "owner", "viewer"]

API_KEY_CREATED_OUT_EFFECTIVE_ROLE_TYPE_0_VALUES: set[ApiKeyCreatedOutEffectiveRoleType0] = {
    "admin",
    "member",
    "owner",
    "viewer",
}


def check_api_key_created_out_effective_role_type_0(value: str) -> ApiKeyCreatedOutEffectiveRoleType0:
    if value in API_KEY_CREATED_OUT_EFFECTIVE_ROLE_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {API_KEY_CREATED_OUT_EFFECTIVE_ROLE_TYPE_0_VALUES!r}")

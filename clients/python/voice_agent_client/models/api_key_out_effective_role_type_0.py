from typing import Literal

ApiKeyOutEffectiveRoleType0 = Literal["admin", "member", "owner", "viewer"]

API_KEY_OUT_EFFECTIVE_ROLE_TYPE_0_VALUES: set[ApiKeyOutEffectiveRoleType0] = {
    "admin",
    "member",
    "owner",
    "viewer",
}


def check_api_key_out_effective_role_type_0(value: str) -> ApiKeyOutEffectiveRoleType0:
    if value in API_KEY_OUT_EFFECTIVE_ROLE_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {API_KEY_OUT_EFFECTIVE_ROLE_TYPE_0_VALUES!r}")

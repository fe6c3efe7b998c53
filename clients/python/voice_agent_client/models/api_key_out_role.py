from typing import Literal

ApiKeyOutRole = Literal["admin", "member", "owner", "viewer"]

API_KEY_OUT_ROLE_VALUES: set[ApiKeyOutRole] = {
    "admin",
    "member",
    "owner",
    "viewer",
}


def check_api_key_out_role(value: str) -> ApiKeyOutRole:
    if value in API_KEY_OUT_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {API_KEY_OUT_ROLE_VALUES!r}")

from typing import Literal

ApiKeyCreatedOutRole = Literal["admin", "member", "owner", "viewer"]

API_KEY_CREATED_OUT_ROLE_VALUES: set[ApiKeyCreatedOutRole] = {
    "admin",
    "member",
    "owner",
    "viewer",
}


def check_api_key_created_out_role(value: str) -> ApiKeyCreatedOutRole:
    if value in API_KEY_CREATED_OUT_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {API_KEY_CREATED_OUT_ROLE_VALUES!r}")

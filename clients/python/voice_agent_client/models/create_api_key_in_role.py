from typing import Literal

CreateApiKeyInRole = Literal["admin", "member", "owner", "viewer"]

CREATE_API_KEY_IN_ROLE_VALUES: set[CreateApiKeyInRole] = {
    "admin",
    "member",
    "owner",
    "viewer",
}


def check_create_api_key_in_role(value: str) -> CreateApiKeyInRole:
    if value in CREATE_API_KEY_IN_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CREATE_API_KEY_IN_ROLE_VALUES!r}")

from typing import Literal

UserTokenCreatedOutObject = Literal["user_token"]

USER_TOKEN_CREATED_OUT_OBJECT_VALUES: set[UserTokenCreatedOutObject] = {
    "user_token",
}


def check_user_token_created_out_object(value: str) -> UserTokenCreatedOutObject:
    if value in USER_TOKEN_CREATED_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USER_TOKEN_CREATED_OUT_OBJECT_VALUES!r}")

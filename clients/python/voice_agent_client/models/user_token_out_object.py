from typing import Literal

UserTokenOutObject = Literal["user_token"]

USER_TOKEN_OUT_OBJECT_VALUES: set[UserTokenOutObject] = {
    "user_token",
}


def check_user_token_out_object(value: str) -> UserTokenOutObject:
    if value in USER_TOKEN_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USER_TOKEN_OUT_OBJECT_VALUES!r}")

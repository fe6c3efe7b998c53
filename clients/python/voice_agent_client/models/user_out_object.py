from typing import Literal

UserOutObject = Literal["user"]

USER_OUT_OBJECT_VALUES: set[UserOutObject] = {
    "user",
}


def check_user_out_object(value: str) -> UserOutObject:
    if value in USER_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USER_OUT_OBJECT_VALUES!r}")

from typing import Literal

ApiKeyOutObject = Literal["api_key"]

API_KEY_OUT_OBJECT_VALUES: set[ApiKeyOutObject] = {
    "api_key",
}


def check_api_key_out_object(value: str) -> ApiKeyOutObject:
    if value in API_KEY_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {API_KEY_OUT_OBJECT_VALUES!r}")

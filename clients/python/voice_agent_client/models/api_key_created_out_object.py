from typing import Literal

ApiKeyCreatedOutObject = Literal["api_key"]

API_KEY_CREATED_OUT_OBJECT_VALUES: set[ApiKeyCreatedOutObject] = {
    "api_key",
}


def check_api_key_created_out_object(value: str) -> ApiKeyCreatedOutObject:
    if value in API_KEY_CREATED_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {API_KEY_CREATED_OUT_OBJECT_VALUES!r}")

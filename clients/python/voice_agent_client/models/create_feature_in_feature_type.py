from typing import Literal

CreateFeatureInFeatureType = Literal["addon", "boolean", "limit"]

CREATE_FEATURE_IN_FEATURE_TYPE_VALUES: set[CreateFeatureInFeatureType] = {
    "addon",
    "boolean",
    "limit",
}


def check_create_feature_in_feature_type(value: str) -> CreateFeatureInFeatureType:
    if value in CREATE_FEATURE_IN_FEATURE_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CREATE_FEATURE_IN_FEATURE_TYPE_VALUES!r}")

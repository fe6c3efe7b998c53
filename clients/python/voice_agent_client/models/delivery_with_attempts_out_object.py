from typing import Literal

DeliveryWithAttemptsOutObject = Literal["webhook_delivery"]

DELIVERY_WITH_ATTEMPTS_OUT_OBJECT_VALUES: set[DeliveryWithAttemptsOutObject] = {
    "webhook_delivery",
}


def check_delivery_with_attempts_out_object(value: str) -> DeliveryWithAttemptsOutObject:
    if value in DELIVERY_WITH_ATTEMPTS_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DELIVERY_WITH_ATTEMPTS_OUT_OBJECT_VALUES!r}")

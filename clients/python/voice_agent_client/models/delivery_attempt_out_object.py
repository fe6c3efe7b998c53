from typing import Literal

DeliveryAttemptOutObject = Literal["webhook_delivery_attempt"]

DELIVERY_ATTEMPT_OUT_OBJECT_VALUES: set[DeliveryAttemptOutObject] = {
    "webhook_delivery_attempt",
}


def check_delivery_attempt_out_object(value: str) -> DeliveryAttemptOutObject:
    if value in DELIVERY_ATTEMPT_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DELIVERY_ATTEMPT_OUT_OBJECT_VALUES!r}")

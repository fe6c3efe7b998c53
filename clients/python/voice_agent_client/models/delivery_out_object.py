from typing import Literal

DeliveryOutObject = Literal["webhook_delivery"]

DELIVERY_OUT_OBJECT_VALUES: set[DeliveryOutObject] = {
    "webhook_delivery",
}


def check_delivery_out_object(value: str) -> DeliveryOutObject:
    if value in DELIVERY_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DELIVERY_OUT_OBJECT_VALUES!r}")

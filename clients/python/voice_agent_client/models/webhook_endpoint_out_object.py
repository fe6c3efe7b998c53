from typing import Literal

WebhookEndpointOutObject = Literal["webhook_endpoint"]

WEBHOOK_ENDPOINT_OUT_OBJECT_VALUES: set[WebhookEndpointOutObject] = {
    "webhook_endpoint",
}


def check_webhook_endpoint_out_object(value: str) -> WebhookEndpointOutObject:
    if value in WEBHOOK_ENDPOINT_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WEBHOOK_ENDPOINT_OUT_OBJECT_VALUES!r}")

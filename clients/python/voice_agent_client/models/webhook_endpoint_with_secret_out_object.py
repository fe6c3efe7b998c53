from typing import Literal

WebhookEndpointWithSecretOutObject = Literal["webhook_endpoint"]

WEBHOOK_ENDPOINT_WITH_SECRET_OUT_OBJECT_VALUES: set[WebhookEndpointWithSecretOutObject] = {
    "webhook_endpoint",
}


def check_webhook_endpoint_with_secret_out_object(value: str) -> WebhookEndpointWithSecretOutObject:
    if value in WEBHOOK_ENDPOINT_WITH_SECRET_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WEBHOOK_ENDPOINT_WITH_SECRET_OUT_OBJECT_VALUES!r}")

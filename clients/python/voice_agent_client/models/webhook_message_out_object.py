from typing import Literal

WebhookMessageOutObject = Literal["webhook_message"]

WEBHOOK_MESSAGE_OUT_OBJECT_VALUES: set[WebhookMessageOutObject] = {
    "webhook_message",
}


def check_webhook_message_out_object(value: str) -> WebhookMessageOutObject:
    if value in WEBHOOK_MESSAGE_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WEBHOOK_MESSAGE_OUT_OBJECT_VALUES!r}")

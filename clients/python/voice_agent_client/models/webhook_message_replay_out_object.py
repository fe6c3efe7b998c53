from typing import Literal

WebhookMessageReplayOutObject = Literal["webhook_message_replay"]

WEBHOOK_MESSAGE_REPLAY_OUT_OBJECT_VALUES: set[WebhookMessageReplayOutObject] = {
    "webhook_message_replay",
}


def check_webhook_message_replay_out_object(value: str) -> WebhookMessageReplayOutObject:
    if value in WEBHOOK_MESSAGE_REPLAY_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WEBHOOK_MESSAGE_REPLAY_OUT_OBJECT_VALUES!r}")

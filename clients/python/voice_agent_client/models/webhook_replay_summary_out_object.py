from typing import Literal

WebhookReplaySummaryOutObject = Literal["webhook_replay_summary"]

WEBHOOK_REPLAY_SUMMARY_OUT_OBJECT_VALUES: set[WebhookReplaySummaryOutObject] = {
    "webhook_replay_summary",
}


def check_webhook_replay_summary_out_object(value: str) -> WebhookReplaySummaryOutObject:
    if value in WEBHOOK_REPLAY_SUMMARY_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WEBHOOK_REPLAY_SUMMARY_OUT_OBJECT_VALUES!r}")

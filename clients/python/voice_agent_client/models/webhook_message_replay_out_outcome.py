from typing import Literal

WebhookMessageReplayOutOutcome = Literal["already_processed", "applied", "still_failing"]

WEBHOOK_MESSAGE_REPLAY_OUT_OUTCOME_VALUES: set[WebhookMessageReplayOutOutcome] = {
    "already_processed",
    "applied",
    "still_failing",
}


def check_webhook_message_replay_out_outcome(value: str) -> WebhookMessageReplayOutOutcome:
    if value in WEBHOOK_MESSAGE_REPLAY_OUT_OUTCOME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WEBHOOK_MESSAGE_REPLAY_OUT_OUTCOME_VALUES!r}")

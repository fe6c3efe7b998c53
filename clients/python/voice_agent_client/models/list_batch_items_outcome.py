from typing import Literal

ListBatchItemsOutcome = Literal["busy", "completed", "failed", "no-answer", "unknown", "voicemail"]

LIST_BATCH_ITEMS_OUTCOME_VALUES: set[ListBatchItemsOutcome] = {
    "busy",
    "completed",
    "failed",
    "no-answer",
    "unknown",
    "voicemail",
}


def check_list_batch_items_outcome(value: str) -> ListBatchItemsOutcome:
    if value in LIST_BATCH_ITEMS_OUTCOME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LIST_BATCH_ITEMS_OUTCOME_VALUES!r}")

from typing import Literal

ListBatchItemsSkipReason = Literal["do_not_call", "duplicate_number", "invalid_number", "unknown_time_zone"]

LIST_BATCH_ITEMS_SKIP_REASON_VALUES: set[ListBatchItemsSkipReason] = {
    "do_not_call",
    "duplicate_number",
    "invalid_number",
    "unknown_time_zone",
}


def check_list_batch_items_skip_reason(value: str) -> ListBatchItemsSkipReason:
    if value in LIST_BATCH_ITEMS_SKIP_REASON_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LIST_BATCH_ITEMS_SKIP_REASON_VALUES!r}")

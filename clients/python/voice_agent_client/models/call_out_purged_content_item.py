from typing import Literal

CallOutPurgedContentItem = Literal["provider_record", "recording", "transcript"]

CALL_OUT_PURGED_CONTENT_ITEM_VALUES: set[CallOutPurgedContentItem] = {
    "provider_record",
    "recording",
    "transcript",
}


def check_call_out_purged_content_item(value: str) -> CallOutPurgedContentItem:
    if value in CALL_OUT_PURGED_CONTENT_ITEM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CALL_OUT_PURGED_CONTENT_ITEM_VALUES!r}")

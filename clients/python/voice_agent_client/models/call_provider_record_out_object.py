from typing import Literal

CallProviderRecordOutObject = Literal["call_provider_record"]

CALL_PROVIDER_RECORD_OUT_OBJECT_VALUES: set[CallProviderRecordOutObject] = {
    "call_provider_record",
}


def check_call_provider_record_out_object(value: str) -> CallProviderRecordOutObject:
    if value in CALL_PROVIDER_RECORD_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CALL_PROVIDER_RECORD_OUT_OBJECT_VALUES!r}")

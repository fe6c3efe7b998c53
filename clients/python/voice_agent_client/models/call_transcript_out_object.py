from typing import Literal

CallTranscriptOutObject = Literal["call_transcript"]

CALL_TRANSCRIPT_OUT_OBJECT_VALUES: set[CallTranscriptOutObject] = {
    "call_transcript",
}


def check_call_transcript_out_object(value: str) -> CallTranscriptOutObject:
    if value in CALL_TRANSCRIPT_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CALL_TRANSCRIPT_OUT_OBJECT_VALUES!r}")

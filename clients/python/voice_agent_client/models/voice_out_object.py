from typing import Literal

VoiceOutObject = Literal["voice"]

VOICE_OUT_OBJECT_VALUES: set[VoiceOutObject] = {
    "voice",
}


def check_voice_out_object(value: str) -> VoiceOutObject:
    if value in VOICE_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {VOICE_OUT_OBJECT_VALUES!r}")

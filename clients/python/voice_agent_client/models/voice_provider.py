from typing import Literal

VoiceProvider = Literal[
    "11labs",
    "azure",
    "cartesia",
    "custom-voice",
    "deepgram",
    "hume",
    "inworld",
    "lmnt",
    "minimax",
    "neuphonic",
    "openai",
    "playht",
    "rime-ai",
    "sesame",
    "smallest-ai",
    "tavus",
    "vapi",
]

VOICE_PROVIDER_VALUES: set[VoiceProvider] = {
    "11labs",
    "azure",
    "cartesia",
    "custom-voice",
    "deepgram",
    "hume",
    "inworld",
    "lmnt",
    "minimax",
    "neuphonic",
    "openai",
    "playht",
    "rime-ai",
    "sesame",
    "smallest-ai",
    "tavus",
    "vapi",
}


def check_voice_provider(value: str) -> VoiceProvider:
    if value in VOICE_PROVIDER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {VOICE_PROVIDER_VALUES!r}")

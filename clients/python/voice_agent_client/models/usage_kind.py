from typing import Literal

UsageKind = Literal["analysis", "llm", "other", "platform", "stt", "transport", "tts"]

USAGE_KIND_VALUES: set[UsageKind] = {
    "analysis",
    "llm",
    "other",
    "platform",
    "stt",
    "transport",
    "tts",
}


def check_usage_kind(value: str) -> UsageKind:
    if value in USAGE_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USAGE_KIND_VALUES!r}")

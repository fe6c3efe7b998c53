from typing import Literal

ReplayOutObject = Literal["webhook_replay"]

REPLAY_OUT_OBJECT_VALUES: set[ReplayOutObject] = {
    "webhook_replay",
}


def check_replay_out_object(value: str) -> ReplayOutObject:
    if value in REPLAY_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {REPLAY_OUT_OBJECT_VALUES!r}")

from typing import Literal

WorkerOutState = Literal["restarting", "running", "starting", "stopped"]

WORKER_OUT_STATE_VALUES: set[WorkerOutState] = {
    "restarting",
    "running",
    "starting",
    "stopped",
}


def check_worker_out_state(value: str) -> WorkerOutState:
    if value in WORKER_OUT_STATE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WORKER_OUT_STATE_VALUES!r}")

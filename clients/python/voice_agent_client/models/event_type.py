from typing import Literal

EventType = Literal[
    "batch.completed",
    "batch.paused",
    "batch.started",
    "call.analyzed",
    "call.ended",
    "call.failed",
    "call.queued",
    "call.started",
    "entitlement.limit_reached",
    "lead.import.completed",
]

EVENT_TYPE_VALUES: set[EventType] = {
    "batch.completed",
    "batch.paused",
    "batch.started",
    "call.analyzed",
    "call.ended",
    "call.failed",
    "call.queued",
    "call.started",
    "entitlement.limit_reached",
    "lead.import.completed",
}


def check_event_type(value: str) -> EventType:
    if value in EVENT_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {EVENT_TYPE_VALUES!r}")

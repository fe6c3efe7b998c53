from typing import Literal

AgentOutObject = Literal["voice_agent"]

AGENT_OUT_OBJECT_VALUES: set[AgentOutObject] = {
    "voice_agent",
}


def check_agent_out_object(value: str) -> AgentOutObject:
    if value in AGENT_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {AGENT_OUT_OBJECT_VALUES!r}")

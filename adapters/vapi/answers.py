"""Our replies to Vapi's Server URL messages, in its wire format."""

from __future__ import annotations

from typing import Any

from adapters.vapi.client import KEEP_NOTHING, NOT_RECORDED, assistant_of
from application.call_events import (
    NOT_AVAILABLE,
    Acknowledged,
    Answer,
    InboundAnswer,
    InboundRefusal,
    ToolResults,
)
from application.errors import ProviderRejected
from domain.calls import CallDirection


def _metadata(answer: InboundAnswer) -> dict[str, str]:
    metadata = {
        "tenant_id": str(answer.tenant_id),
        "call_id": str(answer.call_id),
        "agent_id": str(answer.agent.id),
    }
    if answer.lead_id is not None:
        metadata["lead_id"] = str(answer.lead_id)
    return metadata


def assistant_answer(answer: InboundAnswer) -> dict[str, Any]:
    """The assistant for an inbound call: the agent's saved one, or one built from its
    inbound prompt, first message and voice; our ids ride in the overrides' metadata."""
    overrides: dict[str, Any] = {"metadata": _metadata(answer)}
    if not answer.record:
        overrides["artifactPlan"] = dict(NOT_RECORDED)
    if answer.private:
        overrides["compliancePlan"] = dict(KEEP_NOTHING)
    if answer.agent.provider_assistant_id:
        return {"assistantId": answer.agent.provider_assistant_id, "assistantOverrides": overrides}
    try:
        assistant = assistant_of(answer.agent, answer.voice, CallDirection.INBOUND)
    except ProviderRejected:  # a config Vapi cannot take: say so to the caller, politely
        return {"error": NOT_AVAILABLE}
    return {"assistant": assistant, "assistantOverrides": overrides}


def reply_of(answer: Answer) -> dict[str, Any]:
    """The JSON body of our HTTP 200 reply."""
    if isinstance(answer, InboundAnswer):
        return assistant_answer(answer)
    if isinstance(answer, InboundRefusal):
        return {"error": answer.message}
    if isinstance(answer, ToolResults):
        return {
            "results": [
                {"toolCallId": call.id, "name": call.name, "error": error}
                for call, error in answer.results
            ]
        }
    assert isinstance(answer, Acknowledged)
    return {"received": True, "duplicate": not answer.stored}

"""What the benchmark sends and stores: Vapi's messages and call records, in its wire format.

Built with the test suite's Vapi fakes (tests/fakes/vapi_messages.py, checked against Vapi's
published schema), with a conversation of a realistic length. The webhook bodies are
templates: wrk's script puts a distinct call in each request (see bench/lua/common.lua).
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.vapi_messages import CALLER, LINE, PHONE_NUMBER_ID, VapiCall, epoch_ms

# wrk's script replaces these in every request: Vapi's call id, and ours (the call's `name`).
PROVIDER_ID_MARK = "__VAPI_CALL_ID__"
OUR_ID_MARK = "__OUR_CALL_ID__"

# Seeded calls of the webhook tenant have these ids, n in hex (bench/lua/common.lua makes the
# same strings): the call that request n is about exists, is ours, and no other request names it.
PROVIDER_ID_FORMAT = "f0000000-0000-4000-8000-{:012x}"
OUR_ID_FORMAT = "00000000-0000-7000-8000-{:012x}"
# Inbound calls (assistant-request) are new to us: their Vapi ids come from another range.
INBOUND_ID_FORMAT = "e0000000-0000-4000-8000-{:012x}"

INBOUND_LINE = LINE
INBOUND_LINE_PROVIDER_ID = PHONE_NUMBER_ID
KNOWN_CALLER = CALLER

_TURNS = (
    ("bot", "Hi, this is Maya from Acme Solar. Am I speaking with Jordan?"),
    ("user", "Yes, this is Jordan. What is this about?"),
    (
        "bot",
        "You asked about rooftop panels on our website last week. Do you have two minutes to "
        "talk about what a system would cost for your house?",
    ),
    ("user", "Sure, I have a few minutes. We own the house, it's a single family home."),
    ("bot", "Great. Roughly how much is your electricity bill in a typical summer month?"),
    ("user", "Somewhere around one hundred eighty dollars, more in August."),
    (
        "bot",
        "Thanks. With a bill like that, most of our customers in your area save between "
        "sixty and eighty percent. Is the roof facing south or west, do you know?",
    ),
    ("user", "Mostly south, and there are no trees around it."),
    (
        "bot",
        "That's ideal. I can book a free assessment with one of our engineers. Would Tuesday "
        "morning or Thursday afternoon work better for you?",
    ),
    ("user", "Thursday afternoon is better, after two o'clock."),
    (
        "bot",
        "Booked for Thursday at two thirty. You'll get a text with the details. Anything else?",
    ),
    ("user", "No, that's all. Thanks, bye."),
)


def _conversation() -> tuple[str, list[dict[str, Any]], list[dict[str, str]]]:
    """The transcript text, Vapi's `artifact.messages` and their OpenAI form."""
    start = epoch_ms(VapiCall().started_at)
    lines, messages = [], []
    openai = [{"role": "system", "content": "You are Maya, a friendly sales agent of Acme."}]
    at = 600
    for role, text in _TURNS:
        seconds = max(1.5, len(text) / 15)
        messages.append(
            {
                "role": role,
                "message": text,
                "time": start + at,
                "endTime": start + at + int(seconds * 1000),
                "secondsFromStart": at / 1000,
                "duration": int(seconds * 1000),
            }
        )
        lines.append(f"{'AI' if role == 'bot' else 'User'}: {text}")
        openai.append({"role": "assistant" if role == "bot" else "user", "content": text})
        at += int(seconds * 1000) + 700
    return "\n".join(lines) + "\n", messages, openai


TRANSCRIPT, MESSAGES, OPENAI_MESSAGES = _conversation()
SUMMARY = (
    "Jordan owns a south-facing single family home with a summer bill of about $180 and "
    "booked a free solar assessment for Thursday at 2:30 pm."
)


def _call(provider_id: str, our_id: str | None) -> VapiCall:
    return VapiCall(
        id=provider_id,
        name=our_id,
        metadata={"call_id": our_id} if our_id else {},
        transcript=TRANSCRIPT,
        summary=SUMMARY,
        structured_data={"interested": True, "appointment": "thursday 14:30"},
        success_evaluation="true",
    )


def _with_conversation(record: dict[str, Any]) -> dict[str, Any]:
    artifact = record.get("artifact")
    if isinstance(artifact, dict):
        artifact["messages"] = MESSAGES
        artifact["messagesOpenAIFormatted"] = OPENAI_MESSAGES
    return record


def ended_call_record(provider_id: str, our_id: str) -> dict[str, Any]:
    """Vapi's record of an ended call, as the product keeps it in `vapi_data`."""
    return _with_conversation(_call(provider_id, our_id).record("ended"))


def transcription() -> dict[str, Any]:
    """The `transcription` the product stores from an end-of-call report."""
    return {"text": TRANSCRIPT, "messages": MESSAGES}


def light_call_record() -> dict[str, Any]:
    """The record without its artifact, costs and analysis (older calls of the big tenant)."""
    record = ended_call_record("x", "x")
    for bulky in ("artifact", "costs", "analysis", "costBreakdown"):
        record.pop(bulky, None)
    return record


def light_transcription() -> dict[str, Any]:
    return {"text": "\n".join(TRANSCRIPT.splitlines()[:2]) + "\n", "messages": MESSAGES[:2]}


def analysis() -> dict[str, Any]:
    return _call("x", None).analysis()


def cost_breakdown() -> dict[str, Any]:
    return _call("x", None).breakdown


def _template(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"))


def _webhook_call() -> VapiCall:
    return _call(PROVIDER_ID_MARK, OUR_ID_MARK)


def status_update_body() -> str:
    """A call of ours starts ringing (each call gets this once: its dedupe key is per status)."""
    return _template(_webhook_call().status_update("ringing"))


def conversation_update_body() -> str:
    """The conversation so far, as Vapi sends it after each turn."""
    call = _webhook_call()
    record = call.record("in-progress")
    message = {
        "type": "conversation-update",
        "timestamp": epoch_ms(call.status_at("in-progress")) + 60_000,
        "messages": MESSAGES,
        "messagesOpenAIFormatted": OPENAI_MESSAGES,
        "artifact": {"messages": MESSAGES, "messagesOpenAIFormatted": OPENAI_MESSAGES},
        "customer": call.customer(),
        "call": record,
    }
    return _template({"message": message})


def end_of_call_report_body() -> str:
    """The report of an answered call: transcript, recording, analysis and eight costs."""
    body = _webhook_call().end_of_call_report()
    message = body["message"]
    message["artifact"]["messages"] = MESSAGES
    message["artifact"]["messagesOpenAIFormatted"] = OPENAI_MESSAGES
    _with_conversation(message["call"])
    return _template(body)


def assistant_request_body() -> str:
    """An inbound call to the webhook tenant's line from a caller who is one of its leads."""
    return _template(_call(PROVIDER_ID_MARK, None).assistant_request())


WEBHOOK_BODIES = {
    "status-update": status_update_body,
    "conversation-update": conversation_update_body,
    "end-of-call-report": end_of_call_report_body,
    "assistant-request": assistant_request_body,
}

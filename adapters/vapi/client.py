"""`VapiTelephonyProvider`: places and reads calls through Vapi's REST API.

Follows Vapi's wire format (see the project's Vapi reference): our ids travel in `name`
(the call id), `customer.externalId` (the lead id) and `assistantOverrides.metadata`; the
agent's saved assistant is used when it has one, else an inline assistant is built from its
prompts, first message and voice. Vapi has no idempotency key, so a create is sent once:
an unknown outcome is reported as such for reconciliation, never retried here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import aiohttp
import msgspec

from adapters.vapi.languages import DEFAULT_TRANSCRIBER, transcriber_language, voice_language
from adapters.vapi.messages import call_report
from application.errors import (
    ProviderError,
    ProviderOutcomeUnknown,
    ProviderRejected,
    ProviderUnreachable,
)
from application.ports.telephony import NumberOrder, OutboundCall, ProviderCall, ProviderLine
from domain.agents import VoiceAgent
from domain.calls import CallDirection
from domain.errors import DomainError
from domain.ids import CallId, PhoneNumberId
from domain.phones import NumberProvider, PhoneLine, PhoneNumber
from domain.voices import Voice

DEFAULT_BASE_URL = "https://api.vapi.ai"
# Vapi limits `name`, `customer.name` and `customer.externalId` to 40 characters.
MAX_SHORT_TEXT = 40
DEFAULT_MODEL = {"provider": "openai", "model": "gpt-4o-mini"}
# Vapi records every call unless told not to (in the assistant or its overrides).
NOT_RECORDED = {"recordingEnabled": False}
# Vapi keeps no recording, transcript or log of the call and sends only its end-of-call
# report: for tenants that store no transcripts.
KEEP_NOTHING = {"hipaaEnabled": True}
# GET /call returns at most this many calls and has no cursor.
LIST_LIMIT = 1000
MAX_LIST_PAGES = 20
# Live Call Control: this message, posted to the call's `monitor.controlUrl`, hangs it up.
# Vapi then reports the call ended by its usual messages, with the `endedReason` of a call
# cancelled from outside, "manually-canceled" (not verified on a live account).
END_CALL = {"type": "end-call"}


class _Call(msgspec.Struct, rename="camel"):
    """The fields of Vapi's Call we read; everything else is kept in `data` as it came."""

    id: str
    status: str = "queued"
    name: str | None = None
    ended_reason: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    created_at: datetime | None = None


def provider_call(data: dict[str, Any]) -> ProviderCall:
    """A Vapi Call object as the application sees it; ProviderError when it is not one."""
    try:
        call = msgspec.convert(data, _Call)
    except msgspec.ValidationError as error:
        raise ProviderError(f"Vapi sent a call the API does not describe: {error}") from None
    return ProviderCall(
        provider_call_id=call.id,
        status=call.status,
        name=call.name,
        ended_reason=call.ended_reason,
        started_at=call.started_at,
        ended_at=call.ended_at,
        created_at=call.created_at,
        data=data,
        report=call_report(data) if call.status == "ended" else None,
    )


def system_prompt(agent: VoiceAgent, direction: CallDirection) -> str | None:
    """The agent's instructions, then the prompt of the call's direction."""
    prompt = agent.outbound_prompt if direction is CallDirection.OUTBOUND else agent.inbound_prompt
    parts = [agent.system_instructions, agent.agent_instructions, prompt]
    text = "\n\n".join(p for p in parts if p)
    return text or None


def inline_assistant(call: OutboundCall) -> dict[str, Any]:
    """An assistant built from the agent, for agents without a saved Vapi assistant."""
    return assistant_of(call.agent, call.voice, CallDirection.OUTBOUND)


def assistant_of(
    agent: VoiceAgent, voice: Voice | None, direction: CallDirection
) -> dict[str, Any]:
    """A Vapi assistant from the agent's prompts, first message and voice."""
    configured = agent.config.get("model", {})
    if not isinstance(configured, dict):
        raise ProviderRejected(
            "the agent's config.model must be an object of Vapi model fields "
            '(e.g. {"provider": "openai", "model": "gpt-4o"})'
        )
    model: dict[str, Any] = {**DEFAULT_MODEL, **configured}
    prompt = system_prompt(agent, direction)
    if prompt is not None:
        model["messages"] = [{"role": "system", "content": prompt}]
    assistant: dict[str, Any] = {"name": agent.name[:MAX_SHORT_TEXT], "model": model}
    if agent.first_message:
        assistant["firstMessage"] = agent.first_message
    language = agent.language or (voice.language if voice else None)
    transcriber = _transcriber(agent, language)
    if transcriber is not None:
        assistant["transcriber"] = transcriber
    if voice is not None:
        # A voice's settings are the provider's own voice fields (stability, model, …).
        spoken: dict[str, Any] = {
            **voice.settings,
            "provider": voice.provider.value,
            "voiceId": voice.provider_voice_id,
        }
        tag = voice.language or agent.language
        code = voice_language(voice.provider.value, tag) if tag else None
        if code is not None and "language" not in spoken:
            spoken["language"] = code
        assistant["voice"] = spoken
    return assistant


def _transcriber(agent: VoiceAgent, language: str | None) -> dict[str, Any] | None:
    """The agent's transcriber (config.transcriber), in its language; Deepgram's when it
    configures none but has a language; None (Vapi's default) when it has neither."""
    configured = agent.config.get("transcriber")
    if configured is not None and not isinstance(configured, dict):
        raise ProviderRejected(
            "the agent's config.transcriber must be an object of Vapi transcriber fields "
            '(e.g. {"provider": "deepgram", "model": "nova-2"})'
        )
    if configured is None and language is None:
        return None
    transcriber = dict(configured or DEFAULT_TRANSCRIBER)
    if language is not None and "language" not in transcriber:
        provider = str(transcriber.get("provider", ""))
        code = transcriber_language(provider, language)
        if code is None:
            raise ProviderRejected(
                f"the agent's language {language} is not one the {provider or 'configured'} "
                "transcriber takes: set config.transcriber to one that does"
            )
        transcriber["language"] = code
    return transcriber


def create_call_body(call: OutboundCall) -> dict[str, Any]:
    """The body of `POST /call` for our call: only fields Vapi documents (it refuses others)."""
    if not call.from_number.provider_number_id:
        raise ProviderRejected(
            f"phone number {call.from_number.number} has no provider_number_id (its Vapi "
            "phoneNumberId), so Vapi cannot call from it"
        )
    customer: dict[str, Any] = {"number": call.to.e164}
    if call.customer_name:
        customer["name"] = call.customer_name[:MAX_SHORT_TEXT]
    if call.lead_id is not None:
        customer["externalId"] = str(call.lead_id)
    metadata = {
        "tenant_id": str(call.tenant_id),
        "call_id": str(call.call_id),
        "agent_id": str(call.agent.id),
        **({"lead_id": str(call.lead_id)} if call.lead_id else {}),
    }
    overrides: dict[str, Any] = {"metadata": metadata}
    if call.variables:
        overrides["variableValues"] = dict(call.variables)
    if not call.record:
        overrides["artifactPlan"] = dict(NOT_RECORDED)
    if call.private:
        overrides["compliancePlan"] = dict(KEEP_NOTHING)
    body: dict[str, Any] = {
        "name": str(call.call_id),
        "phoneNumberId": call.from_number.provider_number_id,
        "customer": customer,
        "assistantOverrides": overrides,
    }
    if call.agent.provider_assistant_id:
        body["assistantId"] = call.agent.provider_assistant_id
    else:
        body["assistant"] = inline_assistant(call)
    return body


def control_url(record: dict[str, Any]) -> str | None:
    """Where Vapi's Live Call Control reaches the call: its record's `monitor.controlUrl`
    (in the create's answer and in `GET /call/{id}`); None when the record has none."""
    monitor = record.get("monitor")
    url = monitor.get("controlUrl") if isinstance(monitor, dict) else None
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return url
    return None


def _message_of(payload: Any, status: int) -> str:
    """Vapi's error text: `message` is a string or a list of strings."""
    message = payload.get("message") if isinstance(payload, dict) else None
    if isinstance(message, list):
        message = "; ".join(str(m) for m in message)
    return f"Vapi answered {status}: {message or 'no message'}"


class _Number(msgspec.Struct, rename="camel"):
    """The fields of Vapi's PhoneNumber we read."""

    id: str
    number: str | None = None
    provider: str | None = None
    name: str | None = None
    status: str | None = None
    created_at: datetime | None = None


def provider_line(data: Any) -> ProviderLine:
    """A Vapi PhoneNumber as the application sees it; ProviderError when it is not one. A
    number still activating has no number yet."""
    try:
        found = msgspec.convert(data, _Number)
    except msgspec.ValidationError as error:
        raise ProviderError(
            f"Vapi sent a phone number the API does not describe: {error}"
        ) from None
    number = None
    if found.number and found.status != "activating":
        try:
            number = PhoneNumber.parse(found.number)
        except DomainError:
            raise ProviderError(
                f"Vapi's phone number {found.id} is not E.164: {found.number!r}"
            ) from None
    try:
        provider = NumberProvider(found.provider) if found.provider else None
    except ValueError:
        provider = None
    return ProviderLine(found.id, number, provider, found.name, found.created_at)


def create_number_body(order: NumberOrder, server: Mapping[str, Any] | None) -> dict[str, Any]:
    """The body of `POST /phone-number`: our id as its name (to find it again), our webhook
    as its Server URL, and what the source needs (Vapi's Create*PhoneNumberDto)."""
    body: dict[str, Any] = {"provider": order.provider.value, "name": str(order.number_id)}
    if server:
        body["server"] = dict(server)
    if order.provider is NumberProvider.VAPI:
        if order.area_code:
            body["numberDesiredAreaCode"] = order.area_code
        return body
    if order.number is None:
        raise ProviderRejected(f"a {order.provider.value} import needs the number")
    body["number"] = order.number.e164
    if order.provider is NumberProvider.TWILIO:
        proof = order.twilio
        if proof is None:
            raise ProviderRejected("a Twilio import needs the account's credentials")
        body["twilioAccountSid"] = proof.account_sid
        if proof.auth_token is not None:
            body["twilioAuthToken"] = proof.auth_token
        else:
            body["twilioApiKey"] = proof.api_key
            body["twilioApiSecret"] = proof.api_secret
        return body
    body["credentialId"] = order.credential_id
    if order.provider is NumberProvider.BYO:
        body["numberE164CheckEnabled"] = True
    return body


class VapiTelephonyProvider:
    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout_seconds: float = 10.0,
        connect_timeout_seconds: float = 3.0,
        server: Mapping[str, Any] | None = None,
    ) -> None:
        self._server = dict(server) if server else None
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(
            total=timeout_seconds, sock_connect=connect_timeout_seconds
        )
        self._session: aiohttp.ClientSession | None = None
        self._control_session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout)
        return self._session

    def _control(self) -> aiohttp.ClientSession:
        """A session without our API key: a control URL is a capability of its own (Vapi's
        docs send nothing else), on another host than the API, and the key never goes there."""
        if self._control_session is None or self._control_session.closed:
            self._control_session = aiohttp.ClientSession(timeout=self._timeout)
        return self._control_session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._control_session is not None:
            await self._control_session.close()
            self._control_session = None
        # The closed connections let go of their sockets in the loop's next callbacks: let
        # them run, or a loop stopping right after leaves the sockets to the collector.
        await asyncio.sleep(0)

    async def place_call(self, call: OutboundCall) -> ProviderCall:
        payload, status = await self._create("/call", create_call_body(call), "call")
        try:
            return provider_call(payload if isinstance(payload, dict) else {})
        except ProviderError:
            raise ProviderOutcomeUnknown(
                f"Vapi answered {status} without a readable call; the call may exist"
            ) from None

    async def _create(self, path: str, body: dict[str, Any], what: str) -> tuple[Any, int]:
        """POST a create, sent once (Vapi takes no idempotency key): Vapi's answer when it is a
        success; ProviderRejected (refused: nothing made), ProviderUnreachable (nothing sent)
        or ProviderOutcomeUnknown (the `what` may exist) otherwise."""
        try:
            async with self._client().post(self._base_url + path, json=body) as response:
                payload = await _json(response)
                status = response.status
        except aiohttp.ClientConnectorError as error:
            raise ProviderUnreachable(f"Vapi cannot be reached: {error}") from None
        except (TimeoutError, aiohttp.ClientError) as error:
            raise ProviderOutcomeUnknown(
                f"no answer from Vapi ({type(error).__name__}); the {what} may exist"
            ) from None
        if status >= 500:
            raise ProviderOutcomeUnknown(_message_of(payload, status) + f"; the {what} may exist")
        if status >= 400:
            raise ProviderRejected(_message_of(payload, status), status=status)
        return payload, status

    async def get_call(self, provider_call_id: str) -> ProviderCall | None:
        payload, status = await self._get(f"/call/{quote(provider_call_id, safe='')}", {})
        if status == 404:
            return None
        if not isinstance(payload, dict):
            raise ProviderError("Vapi's answer is not a call")
        return provider_call(payload)

    async def find_call(
        self, call_id: CallId, from_number: PhoneLine, created_after: datetime
    ) -> ProviderCall | None:
        params = {"createdAtGt": created_after.isoformat(), "limit": str(LIST_LIMIT)}
        if from_number.provider_number_id:
            params["phoneNumberId"] = from_number.provider_number_id
        seen: set[str] = set()
        for _ in range(MAX_LIST_PAGES):
            payload, _status = await self._get("/call", params)
            if not isinstance(payload, list):
                raise ProviderError("Vapi's answer is not a list of calls")
            calls = [provider_call(item) for item in payload if isinstance(item, dict)]
            for found in calls:
                if found.name == str(call_id):
                    return found
            fresh = [c for c in calls if c.provider_call_id not in seen]
            seen.update(c.provider_call_id for c in calls)
            if len(payload) < LIST_LIMIT or not fresh:
                return None
            # A full page proves nothing: GET /call has no cursor, so page on creation time
            # (`Le`, not `Lt`, and ids already seen are skipped: calls may share an instant).
            oldest = min((c.created_at for c in fresh if c.created_at), default=None)
            if oldest is None:
                break
            params["createdAtLe"] = oldest.isoformat()
        raise ProviderOutcomeUnknown(
            f"cannot tell whether Vapi created call {call_id}: too many calls to search"
        )

    async def end_call(self, provider_call_id: str, record: dict[str, Any]) -> None:
        """`POST {"type": "end-call"}` to the call's control URL: from `record` (the create's
        answer, which has it), else from the call read afresh (`GET /call/{id}`)."""
        url = control_url(record)
        if url is None:
            found = await self.get_call(provider_call_id)
            if found is None:
                raise ProviderRejected(f"Vapi does not know call {provider_call_id}", status=404)
            url = control_url(found.data)
            if url is None:
                raise ProviderRejected(
                    f"Vapi gives no control URL (monitor.controlUrl) for call "
                    f"{provider_call_id}, so it cannot be hung up (status {found.status})"
                )
        try:
            async with self._control().post(url, json=END_CALL) as response:
                payload = await _json(response)
                status = response.status
        except aiohttp.ClientConnectorError as error:
            raise ProviderUnreachable(f"Vapi's call control cannot be reached: {error}") from None
        except (TimeoutError, aiohttp.ClientError) as error:
            raise ProviderError(
                f"no answer from Vapi's call control ({type(error).__name__}); the call may "
                "or may not be hanging up: ask again"
            ) from None
        if status >= 500:
            raise ProviderError(_message_of(payload, status))
        if status >= 400:
            raise ProviderRejected(_message_of(payload, status), status=status)

    async def provision_number(self, order: NumberOrder) -> ProviderLine:
        body = create_number_body(order, self._server)
        payload, status = await self._create("/phone-number", body, "number")
        try:
            return provider_line(payload)
        except ProviderError:
            raise ProviderOutcomeUnknown(
                f"Vapi answered {status} without a readable phone number; the number may exist"
            ) from None

    async def get_number(self, provider_number_id: str) -> ProviderLine | None:
        path = f"/phone-number/{quote(provider_number_id, safe='')}"
        payload, status = await self._get(path, {})
        if status == 404:
            return None
        return provider_line(payload)

    async def find_number(
        self, number_id: PhoneNumberId, created_after: datetime
    ) -> ProviderLine | None:
        params = {"createdAtGt": created_after.isoformat(), "limit": str(LIST_LIMIT)}
        payload, _status = await self._get("/phone-number", params)
        items = payload.get("results") if isinstance(payload, dict) else payload
        if not isinstance(items, list):
            raise ProviderError("Vapi's answer is not a list of phone numbers")
        for item in items:
            if isinstance(item, dict) and item.get("name") == str(number_id):
                return provider_line(item)
        if len(items) >= LIST_LIMIT:
            raise ProviderOutcomeUnknown(
                f"cannot tell whether Vapi made number {number_id}: too many numbers to search"
            )
        return None

    async def release_number(self, provider_number_id: str) -> None:
        url = f"{self._base_url}/phone-number/{quote(provider_number_id, safe='')}"
        try:
            async with self._client().delete(url) as response:
                payload = await _json(response)
                status = response.status
        except aiohttp.ClientConnectorError as error:
            raise ProviderUnreachable(f"Vapi cannot be reached: {error}") from None
        except (TimeoutError, aiohttp.ClientError) as error:
            raise ProviderError(
                f"no answer from Vapi ({type(error).__name__}): the number may or may not be "
                "released; ask again"
            ) from None
        if status == 404:
            return  # released already
        if status >= 500:
            raise ProviderError(_message_of(payload, status))
        if status >= 400:
            raise ProviderRejected(_message_of(payload, status), status=status)

    async def _get(self, path: str, params: dict[str, str]) -> tuple[Any, int]:
        try:
            async with self._client().get(self._base_url + path, params=params) as response:
                payload = await _json(response)
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as error:
            raise ProviderError(f"Vapi cannot be read: {type(error).__name__}") from None
        if status != 404 and status >= 400:
            raise ProviderError(_message_of(payload, status))
        return payload, status


async def _json(response: aiohttp.ClientResponse) -> Any:
    text = await response.text()
    try:
        return msgspec.json.decode(text) if text else None
    except msgspec.DecodeError:
        return None

"""`POST /v1/webhooks/vapi`: Vapi's Server URL.

Authenticated by configuration (bearer token, X-Vapi-Secret, or HMAC over timestamp and
body), compared in constant time; anything else is a 401 that changes nothing. Accepted
messages are stored and applied (application.call_events); the reply is always 200 with
the body Vapi expects for the type.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

import attrs
import msgspec
from aiohttp import web

from adapters.vapi.answers import reply_of
from adapters.vapi.messages import MalformedMessage, parse_message
from application.errors import Unauthenticated
from entrypoints.http.metrics import METRICS
from entrypoints.http.problems import BadRequest
from entrypoints.http.requests import large_body
from entrypoints.http.routing import Endpoint, HeaderParam, use_cases
from entrypoints.http.serving import UPLOAD_MAX_BYTES

BEARER_PREFIX = "bearer "


@attrs.frozen
class WebhookVerifier:
    """Whether a request comes from Vapi, per the configured credential.

    Without a secret nothing is accepted: an open webhook would let anyone end calls.
    """

    mode: str = "bearer"
    """"bearer", "x-vapi-secret" or "hmac"."""
    secret: str | None = attrs.field(default=None, repr=False)
    header: str = "Authorization"
    """The bearer token's header (Vapi lets it be renamed)."""
    max_skew_seconds: int = 300

    def admits_headers(self, headers: Mapping[str, str], now: float | None = None) -> bool:
        """Whether the body is worth reading: the whole verdict where headers alone decide;
        with HMAC, a signature and a timestamp within the skew (the body decides the rest)."""
        if not self.secret:
            return False
        if self.mode != "hmac":
            return self.verify(headers, b"")
        stamp, signature = self._signing_headers(headers)
        return bool(signature) and self._fresh(stamp, time.time() if now is None else now)

    def verify(self, headers: Mapping[str, str], body: bytes, now: float | None = None) -> bool:
        if not self.secret:
            return False
        if self.mode == "hmac":
            return self._signed(headers, body, time.time() if now is None else now)
        name = "X-Vapi-Secret" if self.mode == "x-vapi-secret" else self.header
        given = headers.get(name, "")
        if self.mode == "bearer" and given[: len(BEARER_PREFIX)].lower() == BEARER_PREFIX:
            given = given[len(BEARER_PREFIX) :]
        # Headers that are not UTF-8 arrive with surrogates: they never match, never crash.
        return hmac.compare_digest(
            given.encode("utf-8", "surrogateescape"), self.secret.encode("utf-8", "surrogateescape")
        )

    @staticmethod
    def _signing_headers(headers: Mapping[str, str]) -> tuple[str, str]:
        """(timestamp, signature) as sent."""
        stamp = headers.get("x-timestamp", "").strip()
        signature = headers.get("x-signature", "").strip().lower().removeprefix("sha256=")
        return stamp, signature

    def _fresh(self, stamp: str, now: float) -> bool:
        """Whether the timestamp is a time within the allowed skew of `now`."""
        try:
            sent_at = float(stamp)
        except ValueError:
            return False
        # The unit is not documented: a value this large is milliseconds.
        seconds = sent_at / 1000 if sent_at > 100_000_000_000 else sent_at
        return abs(now - seconds) <= self.max_skew_seconds

    def _signed(self, headers: Mapping[str, str], body: bytes, now: float) -> bool:
        assert self.secret is not None
        stamp, signature = self._signing_headers(headers)
        if not self._fresh(stamp, now):
            return False
        expected = hmac.new(
            self.secret.encode("utf-8", "surrogateescape"),
            stamp.encode("utf-8", "surrogateescape") + b"." + body,
            hashlib.sha256,
        ).hexdigest()
        return hmac.compare_digest(signature.encode("utf-8", "surrogateescape"), expected.encode())


WEBHOOK_VERIFIER = web.AppKey("webhook_verifier", WebhookVerifier)


async def vapi_webhook(request: web.Request) -> web.Response:
    """Vapi's Server URL. Each message is authenticated as configured: a bearer token in
    `Authorization` (or the header Vapi is told to use), the secret in `X-Vapi-Secret`, or an
    HMAC-SHA256 of `{x-timestamp}.{body}` in `x-signature`; anything else is a 401 that changes
    nothing. An accepted message is stored (a repeat is recognised) and applied to its call:
    status updates and end-of-call reports move the call forward, never back, whatever order
    they arrive in. The answer is 200 with what Vapi expects for the message's type: an
    assistant for an inbound call (`assistant-request`), `results` for `tool-calls`, or
    `{"received": true}`. Query parameters of the configured URL are ignored."""
    verifier = request.app[WEBHOOK_VERIFIER]
    # A stranger is turned away before megabytes of theirs are read: without the credential,
    # or with HMAC without a signature and a timestamp within the skew.
    if not verifier.admits_headers(request.headers):
        raise Unauthenticated("the webhook credential is missing or wrong")
    # Up to the upload limit, not the API's: a long call's end-of-call report runs to
    # megabytes, and Vapi sends it once.
    body = await large_body(request, request.app[UPLOAD_MAX_BYTES])
    if not verifier.verify(request.headers, body):
        raise Unauthenticated("the webhook credential is missing or wrong")
    events = use_cases(request).provider_events
    try:
        message = parse_message(body, events.now())
    except MalformedMessage as error:
        raise BadRequest(str(error)) from None
    answer = await events.receive(message)
    lag = (events.now() - message.at).total_seconds()
    request.app[METRICS].webhook_lag.observe(max(0.0, lag))
    return web.Response(body=msgspec.json.encode(reply_of(answer)), content_type="application/json")


class WebhookReply(msgspec.Struct):
    """One of: an assistant (`assistantId` or `assistant`, with `assistantOverrides`), an
    `error` to speak (assistant-request); `results` (tool-calls); or `received`."""

    received: bool | None = None
    duplicate: bool | None = None
    error: str | None = None


ROUTES = [
    Endpoint(
        "POST",
        "/v1/webhooks/vapi",
        vapi_webhook,
        "Vapi Server URL: status updates, end-of-call reports, assistant requests, tool calls",
        "webhooks",
        response=WebhookReply,
        public=True,
        large_body=True,
        errors=(400, 401, 503),
        headers=(
            HeaderParam("X-Vapi-Secret", "The secret, where the webhook is set up that way."),
            HeaderParam(
                "x-signature",
                "Hex HMAC-SHA256 of `{x-timestamp}.{body}` under the secret, where the webhook "
                "is set up that way.",
            ),
            HeaderParam(
                "x-timestamp",
                "When the message was signed, in seconds or milliseconds since the epoch; "
                "within the configured skew of now (5 minutes by default).",
            ),
        ),
        open_query=True,
    ),
]

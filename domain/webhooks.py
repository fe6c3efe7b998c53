"""Webhook endpoints: where a tenant's own systems receive the tenant's events, signed.

Signing follows the Standard Webhooks specification: a secret `whsec_` + base64 of random
bytes, an HMAC-SHA256 of `{id}.{timestamp}.{body}` in the `webhook-signature` header. A
rotated secret keeps signing beside the new one for an overlap window, so a receiver can
switch without losing a delivery.
"""

from __future__ import annotations

import base64
import enum
import ipaddress
import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import attrs

from domain.errors import InvalidValue
from domain.ids import TenantId, WebhookEndpointId
from domain.values import optional_text

SECRET_PREFIX = "whsec_"
_SECRET_BYTES = 32
MAX_URL_LENGTH = 2048
# How long a rotated secret still signs beside the new one, unless the rotation says.
DEFAULT_ROTATION_OVERLAP = timedelta(hours=24)
MAX_ROTATION_OVERLAP = timedelta(days=7)


class EventType(enum.StrEnum):
    """What a tenant's endpoint may ask to receive."""

    CALL_QUEUED = "call.queued"
    CALL_STARTED = "call.started"
    CALL_ENDED = "call.ended"
    CALL_ANALYZED = "call.analyzed"
    CALL_FAILED = "call.failed"
    BATCH_STARTED = "batch.started"
    BATCH_PAUSED = "batch.paused"
    BATCH_COMPLETED = "batch.completed"
    LEAD_IMPORT_COMPLETED = "lead.import.completed"
    ENTITLEMENT_LIMIT_REACHED = "entitlement.limit_reached"


def new_signing_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode()


def check_endpoint_url(url: str) -> str:
    """An absolute http(s) URL with a host, no user or password in it, no fragment, within
    MAX_URL_LENGTH; InvalidValue otherwise. Where the host resolves is checked when a
    delivery is made (the answer can change), not here."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise InvalidValue(
            f"url must be an http(s) URL of at most {MAX_URL_LENGTH} characters", field="url"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidValue(f"url is not a valid URL: {error}", field="url") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidValue("url must be an absolute http or https URL", field="url")
    if parts.username is not None or parts.password is not None:
        raise InvalidValue("url must not carry a user name or password", field="url")
    if parts.fragment:
        raise InvalidValue("url must not have a fragment (#…)", field="url")
    if port == 0:
        raise InvalidValue("url must not name port 0", field="url")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise InvalidValue("url must not contain spaces or control characters", field="url")
    return url


def url_host(url: str) -> str:
    """The URL's host, lower-cased ("" when it has none)."""
    return urlsplit(url).hostname or ""


def literal_address(url: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address the URL's host names literally, or None for a host name."""
    try:
        return ipaddress.ip_address(url_host(url))
    except ValueError:
        return None


def _url(_instance: Any, _attribute: attrs.Attribute[Any], value: str) -> None:
    check_endpoint_url(value)


def event_types_of(value: Any) -> frozenset[EventType]:
    """The event types named (values or members), at least one; InvalidValue otherwise."""
    try:
        types = frozenset(EventType(v) for v in value)
    except (TypeError, ValueError):
        known = ", ".join(e.value for e in EventType)
        raise InvalidValue(f"event_types are among: {known}", field="event_types") from None
    if not types:
        raise InvalidValue("event_types must name at least one event type", field="event_types")
    return types


@attrs.define
class WebhookEndpoint:
    id: WebhookEndpointId
    tenant_id: TenantId
    url: str = attrs.field(validator=_url)
    event_types: frozenset[EventType] = attrs.field(converter=event_types_of)
    secret: str
    created_at: datetime
    updated_at: datetime
    description: str | None = attrs.field(default=None, validator=optional_text(max_len=500))
    enabled: bool = True
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None
    version: int = 0

    def wants(self, event_type: EventType) -> bool:
        return self.enabled and event_type in self.event_types

    def signing_secrets(self, at: datetime) -> list[str]:
        """The secrets a delivery at `at` is signed with: the current one, and the previous
        one while its overlap lasts."""
        signing = [self.secret]
        previous, until = self.previous_secret, self.previous_secret_expires_at
        if previous is not None and until is not None and at < until:
            signing.append(previous)
        return signing

    def rotate_secret(self, new_secret: str, at: datetime, overlap: timedelta) -> None:
        """`new_secret` signs from now on; the current one also signs until `at + overlap`
        (not at all when `overlap` is zero)."""
        if not timedelta(0) <= overlap <= MAX_ROTATION_OVERLAP:
            raise InvalidValue(
                f"the overlap is from 0 to {MAX_ROTATION_OVERLAP.days * 86400} seconds",
                field="overlap_seconds",
            )
        if overlap:
            self.previous_secret, self.previous_secret_expires_at = self.secret, at + overlap
        else:
            self.previous_secret = self.previous_secret_expires_at = None
        self.secret = new_secret
        self.updated_at = at

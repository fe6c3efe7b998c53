"""Webhook endpoints: where a tenant's own systems receive the tenant's events, signed.

Signing follows the Standard Webhooks specification: a secret `whsec_` + base64 of random
bytes, an HMAC-SHA256 of `{id}.{timestamp}.{body}` in the `webhook-signature` header. A
rotated secret keeps signing beside the new one for an overlap window, so a receiver can
switch without losing a delivery.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import attrs

from domain.errors import InvalidValue
from domain.ids import EventId, TenantId, WebhookDeliveryId, WebhookEndpointId
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
    failing_since: datetime | None = None
    """When deliveries to it began to fail without one succeeding since (None: healthy)."""
    disabled_reason: str | None = None
    """Why it was turned off by us rather than by the tenant (None: it was not)."""
    version: int = 0

    def wants(self, event_type: EventType) -> bool:
        return self.enabled and event_type in self.event_types

    def enable(self) -> None:
        """Turned on again (by the tenant): its failures so far are forgotten."""
        self.enabled = True
        self.failing_since = self.disabled_reason = None

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


# --- events and their delivery ----------------------------------------------------------


@attrs.frozen
class OutboundEvent:
    """Something that happened in a tenant, for the endpoints that want its type. Recorded in
    the transaction of the change that caused it; what is sent is the subject as it stands
    when the delivery is made, with `details` for what the subject does not hold."""

    id: EventId
    tenant_id: TenantId
    type: EventType
    occurred_at: datetime
    subject_id: UUID | None = None
    """The call or batch it is about: its deliveries to one endpoint go out in order."""
    details: Mapping[str, Any] | None = None
    """Plain JSON values."""


class DeliveryStatus(enum.StrEnum):
    """Where a delivery stands: waiting for its next attempt, taken by the receiver (2xx), or
    given up (every retry used, or the endpoint disabled)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


# After the first attempt (at once): Standard Webhooks' suggested schedule, about 28 hours.
DEFAULT_RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
DEFAULT_DISABLE_AFTER = timedelta(days=1)


@attrs.frozen
class RetrySchedule:
    delays: tuple[timedelta, ...] = DEFAULT_RETRY_DELAYS
    """The wait before each retry; once all are used, the delivery has failed."""
    jitter: float = 0.2
    """Each wait is stretched or shrunk by up to this fraction, at random, so that deliveries
    that failed together do not all come back together."""
    disable_after: timedelta = DEFAULT_DISABLE_AFTER
    """An endpoint that has failed every delivery this long is turned off."""

    def delay_after(self, attempts: int, spread: float) -> timedelta | None:
        """The wait after the `attempts`-th failed attempt (None: no retry left); `spread`
        in [0, 1) picks where in the jitter's range."""
        if attempts < 1 or attempts > len(self.delays):
            return None
        base = self.delays[attempts - 1]
        return base * (1 + self.jitter * (2 * spread - 1))


@attrs.define
class WebhookDelivery:
    """One event on its way to one endpoint."""

    id: WebhookDeliveryId
    tenant_id: TenantId
    endpoint_id: WebhookEndpointId
    event_id: EventId
    event_type: EventType
    created_at: datetime
    subject_id: UUID | None = None
    """The event's subject: one endpoint's deliveries about it are made in order."""
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None

    def succeeded(self, at: datetime, status_code: int) -> None:
        self.attempts += 1
        self.status = DeliveryStatus.DELIVERED
        self.last_attempt_at = self.delivered_at = at
        self.last_status_code, self.last_error = status_code, None
        self.next_attempt_at = None

    def attempt_failed(
        self,
        at: datetime,
        status_code: int | None,
        error: str,
        schedule: RetrySchedule,
        spread: float,
    ) -> None:
        """Retried after the schedule's next wait, or failed when none is left."""
        self.attempts += 1
        self.last_attempt_at = at
        self.last_status_code, self.last_error = status_code, error
        delay = schedule.delay_after(self.attempts, spread)
        if delay is None:
            self.give_up(error)
        else:
            self.next_attempt_at = at + delay

    def give_up(self, reason: str) -> None:
        self.status = DeliveryStatus.FAILED
        self.last_error = reason
        self.next_attempt_at = None

    def retry(self, at: datetime) -> None:
        """Sent again at once, whatever became of it (a delivered event is sent once more,
        with the same id, for the receiver to deduplicate)."""
        self.status = DeliveryStatus.PENDING
        self.next_attempt_at = at


@attrs.frozen
class DeliveryAttempt:
    """One request made for a delivery, as the receiver answered it."""

    id: UUID
    tenant_id: TenantId
    delivery_id: WebhookDeliveryId
    attempted_at: datetime
    latency_ms: int
    status_code: int | None = None
    """None when no answer came (refused, timed out, unreachable)."""
    response_excerpt: str | None = None
    error: str | None = None


def failing_too_long(failing_since: datetime | None, at: datetime, schedule: RetrySchedule) -> bool:
    return failing_since is not None and at - failing_since >= schedule.disable_after


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks' `v1,` signature of one message with one secret."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(
    signing_secrets: Sequence[str], message_id: str, timestamp: int, body: bytes
) -> str:
    """The `webhook-signature` header: one signature per secret, space-separated (a receiver
    accepts the message when any one verifies)."""
    return " ".join(signature(s, message_id, timestamp, body) for s in signing_secrets)


def public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a receiver at `address` is out on the internet: not loopback, private,
    link-local (cloud metadata services live there), shared, reserved or multicast."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast

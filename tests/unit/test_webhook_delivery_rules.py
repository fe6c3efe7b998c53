"""The rules of sending events: Standard Webhooks signatures (checked by the spec's reference
library), the retry schedule with its jitter, a delivery's life, the milestones of a call
that are announced, and which addresses are public."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from domain.calls import CallDirection, CallMilestones, CallStatus, VoiceCall
from domain.ids import CallId, EventId, TenantId, WebhookDeliveryId, WebhookEndpointId
from domain.webhooks import (
    DeliveryStatus,
    EventType,
    RetrySchedule,
    WebhookDelivery,
    new_signing_secret,
    public_address,
    signature_header,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
NOW = int(datetime.now(UTC).timestamp())


def _headers(message_id: str, timestamp: int, signature: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


@given(body=st.binary(max_size=2000), message_id=st.uuids().map(str))
def test_every_secret_signing_a_message_verifies_with_the_reference_library(
    body: bytes, message_id: str
) -> None:
    body = b'{"data":"' + body.hex().encode() + b'"}'
    secrets = [new_signing_secret(), new_signing_secret()]
    header = signature_header(secrets, message_id, NOW, body)
    for secret in secrets:  # the receiver may hold either during a rotation's overlap
        Webhook(secret).verify(body, _headers(message_id, NOW, header))
    with pytest.raises(WebhookVerificationError):
        Webhook(new_signing_secret()).verify(body, _headers(message_id, NOW, header))


def test_a_changed_body_id_or_time_fails_verification() -> None:
    secret = new_signing_secret()
    body, message_id = b'{"type":"call.ended"}', "evt_1"
    header = signature_header([secret], message_id, NOW, body)
    hook = Webhook(secret)
    for tampered in (
        (b'{"type":"call.failed"}', message_id, NOW),
        (body, "evt_2", NOW),
        (body, message_id, NOW + 1),
    ):
        data, other_id, other_time = tampered
        with pytest.raises(WebhookVerificationError):
            hook.verify(data, _headers(other_id, other_time, header))


@given(
    delays=st.lists(st.integers(1, 100_000), min_size=1, max_size=8),
    jitter=st.floats(0, 0.5),
    spread=st.floats(0, 1, exclude_max=True),
)
def test_each_wait_is_its_delay_within_the_jitter_and_none_is_left_after_the_last(
    delays: list[int], jitter: float, spread: float
) -> None:
    schedule = RetrySchedule(delays=tuple(timedelta(seconds=d) for d in delays), jitter=jitter)
    for attempt, seconds in enumerate(delays, start=1):
        wait = schedule.delay_after(attempt, spread)
        assert wait is not None
        # to the microsecond, as a timedelta holds it
        low, high = seconds * (1 - jitter) - 1e-6, seconds * (1 + jitter) + 1e-6
        assert low <= wait.total_seconds() <= high
    assert schedule.delay_after(len(delays) + 1, spread) is None


def test_the_default_schedule_retries_for_about_a_day() -> None:
    total = sum(RetrySchedule().delays, timedelta())
    assert timedelta(hours=24) <= total <= timedelta(hours=30)
    assert RetrySchedule().disable_after == timedelta(days=1)


def _delivery() -> WebhookDelivery:
    return WebhookDelivery(
        WebhookDeliveryId(UUID(int=1)),
        TenantId(UUID(int=2)),
        WebhookEndpointId(UUID(int=3)),
        EventId(UUID(int=4)),
        EventType.CALL_ENDED,
        T0,
        next_attempt_at=T0,
    )


@given(failures=st.integers(0, 10), spread=st.floats(0, 1, exclude_max=True))
def test_a_delivery_is_retried_until_the_schedule_is_used_then_fails(
    failures: int, spread: float
) -> None:
    schedule = RetrySchedule(delays=(timedelta(seconds=5), timedelta(minutes=5)), jitter=0.2)
    delivery = _delivery()
    at = T0
    for n in range(1, failures + 1):
        delivery.attempt_failed(at, 503, "answered 503", schedule, spread)
        if n <= len(schedule.delays):
            assert delivery.status is DeliveryStatus.PENDING
            assert delivery.next_attempt_at is not None
            assert delivery.next_attempt_at > at
            at = delivery.next_attempt_at
        else:
            break
    assert delivery.attempts == min(failures, len(schedule.delays) + 1)
    assert (delivery.status is DeliveryStatus.FAILED) == (failures > len(schedule.delays))
    assert (delivery.next_attempt_at is None) == (delivery.status is DeliveryStatus.FAILED)
    delivery.succeeded(at, 204)
    assert (delivery.status, delivery.next_attempt_at, delivery.last_error) == (
        DeliveryStatus.DELIVERED,
        None,
        None,
    )
    delivery.retry(at)
    assert (delivery.status, delivery.next_attempt_at) == (DeliveryStatus.PENDING, at)


def _call(status: CallStatus, *, started: bool = False, reported: bool = False) -> VoiceCall:
    call = VoiceCall(
        CallId(UUID(int=9)),
        TenantId(UUID(int=2)),
        CallDirection.OUTBOUND,
        status,
        "+14155550100",
        T0,
        T0,
    )
    call.started_at = T0 if started else None
    call.transcription = {"text": ""} if reported else None
    return call


_STATES = st.builds(
    _call, st.sampled_from(CallStatus), started=st.booleans(), reported=st.booleans()
)


@given(before=_STATES, after=_STATES)
def test_the_milestones_announced_are_those_reached_since_in_the_order_of_a_life(
    before: VoiceCall, after: VoiceCall
) -> None:
    was, now = CallMilestones.of(before), CallMilestones.of(after)
    reached = now.reached_since(was)
    order = ["started", "ended", "analyzed", "failed"]
    assert reached == sorted(reached, key=order.index)
    for place, milestone in enumerate(order):
        passed = any(getattr(was, later) for later in order[place:])
        assert (milestone in reached) == (getattr(now, milestone) and not passed)
    assert now.reached_since(now) == []


def test_a_call_answered_then_reported_reaches_each_milestone_once() -> None:
    queued = CallMilestones.of(_call(CallStatus.QUEUED))
    on_the_line = CallMilestones.of(_call(CallStatus.IN_PROGRESS))
    reported = CallMilestones.of(_call(CallStatus.ENDED, started=True, reported=True))
    never_answered = CallMilestones.of(_call(CallStatus.ENDED))
    assert on_the_line.reached_since(queued) == ["started"]
    assert reported.reached_since(on_the_line) == ["ended", "analyzed"]
    assert reported.reached_since(queued) == ["started", "ended", "analyzed"]
    assert never_answered.reached_since(queued) == ["ended"]
    assert CallMilestones.of(_call(CallStatus.FAILED)).reached_since(queued) == ["failed"]
    # Told it ended before its start was known: the report's start is not announced late.
    ended_first = CallMilestones.of(_call(CallStatus.ENDED))
    assert reported.reached_since(ended_first) == ["analyzed"]
    assert reported.reached_since(CallMilestones.of(_call(CallStatus.IN_PROGRESS))) == [
        "ended",
        "analyzed",
    ]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared (carrier-grade NAT)
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fd00:ec2::254",  # a cloud's IPv6 metadata address
        "fe80::1",
        "::ffff:127.0.0.1",  # IPv4 loopback mapped into IPv6
        "::ffff:10.0.0.1",
    ],
)
def test_addresses_inside_a_network_are_not_public(address: str) -> None:
    assert not public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_addresses_out_on_the_internet_are_public(address: str) -> None:
    assert public_address(ipaddress.ip_address(address))

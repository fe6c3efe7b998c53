"""Webhook endpoint rules: which URLs are taken, which event types, and which secrets sign
at any moment around a rotation."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.ids import TenantId, WebhookEndpointId
from domain.webhooks import (
    MAX_ROTATION_OVERLAP,
    SECRET_PREFIX,
    EventType,
    WebhookEndpoint,
    check_endpoint_url,
    event_types_of,
    literal_address,
    new_signing_secret,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def an_endpoint(**fields: object) -> WebhookEndpoint:
    return WebhookEndpoint(
        WebhookEndpointId(UUID(int=1)),
        TenantId(UUID(int=2)),
        "https://crm.example.com/hook",
        ["call.ended"],
        new_signing_secret(),
        T0,
        T0,
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example.com/hooks/voice?token=abc",
        "http://127.0.0.1:8080/hook",
        "https://[2001:db8::1]/hook",
        "https://xn--bcher-kva.example/",
    ],
)
def test_absolute_http_urls_are_taken(url: str) -> None:
    assert check_endpoint_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "crm.example.com/hook",
        "/hook",
        "ftp://crm.example.com/hook",
        "javascript:alert(1)",
        "https://user:secret@crm.example.com/hook",
        "https://crm.example.com/hook#part",
        "https://crm.example.com:99999/hook",
        "https://crm.example.com/a b",
        "https:///hook",
        "https://crm.example.com/" + "a" * 2048,
    ],
)
def test_other_urls_are_refused_naming_the_url(url: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        check_endpoint_url(url)
    assert refused.value.field == "url"


def test_a_literal_address_is_told_from_a_host_name() -> None:
    assert str(literal_address("http://127.0.0.1:8080/x")) == "127.0.0.1"
    assert str(literal_address("https://[::1]/x")) == "::1"
    assert literal_address("https://crm.example.com/x") is None


@given(st.sets(st.sampled_from(list(EventType)), min_size=1))
def test_event_types_are_taken_by_value_or_member(types: set[EventType]) -> None:
    assert event_types_of(t.value for t in types) == frozenset(types)
    assert event_types_of(types) == frozenset(types)


@pytest.mark.parametrize("named", [[], ["call.exploded"], ["call.ended", 3], None])
def test_no_or_unknown_event_types_are_refused(named: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        event_types_of(named)
    assert refused.value.field == "event_types"


def test_a_secret_is_standard_webhooks_shaped_and_new_each_time() -> None:
    made = {new_signing_secret() for _ in range(50)}
    assert len(made) == 50
    for secret in made:
        assert secret.startswith(SECRET_PREFIX)
        assert len(base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)) >= 24


@given(
    overlap=st.integers(0, int(MAX_ROTATION_OVERLAP.total_seconds())),
    later=st.integers(-10, int(MAX_ROTATION_OVERLAP.total_seconds()) + 10),
)
def test_the_old_secret_signs_beside_the_new_one_only_during_the_overlap(
    overlap: int, later: int
) -> None:
    endpoint = an_endpoint()
    old, new = endpoint.secret, new_signing_secret()
    rotated_at = T0 + timedelta(minutes=5)

    endpoint.rotate_secret(new, rotated_at, timedelta(seconds=overlap))

    moment = rotated_at + timedelta(seconds=later)
    expected = [new, old] if overlap > 0 and later < overlap else [new]
    assert endpoint.signing_secrets(moment) == expected
    assert endpoint.updated_at == rotated_at


@pytest.mark.parametrize("overlap", [timedelta(seconds=-1), MAX_ROTATION_OVERLAP + timedelta(1)])
def test_an_overlap_out_of_bounds_is_refused_and_changes_nothing(overlap: timedelta) -> None:
    endpoint = an_endpoint()
    before = endpoint.secret

    with pytest.raises(InvalidValue):
        endpoint.rotate_secret(new_signing_secret(), T0, overlap)

    assert (endpoint.secret, endpoint.previous_secret) == (before, None)


def test_a_disabled_endpoint_wants_nothing() -> None:
    endpoint = an_endpoint()
    assert endpoint.wants(EventType.CALL_ENDED)
    assert not endpoint.wants(EventType.CALL_FAILED)
    endpoint.enabled = False
    assert not endpoint.wants(EventType.CALL_ENDED)

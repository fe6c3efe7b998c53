"""Keyset pagination: cursors, page requests, and walking real listings page by page."""

from __future__ import annotations

import base64
import itertools
import json
import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.access import Principal
from application.errors import InvalidCursor
from application.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageRequest, Position
from application.tenancy import AddMember, ChangeRole, UpdateTenant
from domain.audit import AuditEntry
from domain.ids import UserId
from domain.tenancy import Role
from tests.support import PLATFORM
from tests.unit.helpers import AuditTap, fresh, run

# Whole-second UTC offsets, as real time zones have (CPython's fromisoformat drops an offset
# of only microseconds, "+00:00:00.000001", which no clock or database produces).
fixed_offsets = st.integers(-86399, 86399).map(lambda s: timezone(timedelta(seconds=s)))
aware_datetimes = st.datetimes(timezones=st.just(UTC) | fixed_offsets)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
ISO = "2026-01-01T12:00:00+00:00"
SOME_ID = "0190f0a1-2b3c-7d4e-8f60-718293a4b5c6"


def cursor_of(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


# --- Position -------------------------------------------------------------------------------


@given(aware_datetimes, st.uuids())
def test_a_position_survives_encoding(created_at: datetime, id_: UUID) -> None:
    position = Position(created_at, id_)

    decoded = Position.decode(position.encode())

    assert decoded == position
    assert decoded.created_at.utcoffset() == created_at.utcoffset()
    assert decoded.id == id_


@given(aware_datetimes, st.uuids())
def test_a_cursor_is_url_safe_and_unpadded(created_at: datetime, id_: UUID) -> None:
    cursor = Position(created_at, id_).encode()

    assert set(cursor) <= set(string.ascii_letters + string.digits + "-_")


@given(st.datetimes(), st.uuids())
def test_a_cursor_with_a_naive_time_is_refused(created_at: datetime, id_: UUID) -> None:
    with pytest.raises(InvalidCursor):
        Position.decode(Position(created_at, id_).encode())


@given(st.text())
def test_any_text_is_refused_as_a_cursor_rather_than_crashing(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        Position.decode(cursor)


@given(st.binary())
def test_base64_of_arbitrary_bytes_is_refused(raw: bytes) -> None:
    with pytest.raises(InvalidCursor):
        Position.decode(base64.urlsafe_b64encode(raw).decode())


@given(json_values, json_values)
def test_a_well_encoded_pair_of_anything_is_a_position_or_an_invalid_cursor(
    first: Any, second: Any
) -> None:
    for payload in ([first, second], [ISO, second], [first, SOME_ID], first):
        try:
            position = Position.decode(cursor_of(payload))
        except InvalidCursor:
            continue
        assert position.created_at.tzinfo is not None


MALFORMED = {
    "empty": "",
    "punctuation": "!!!!",
    "percent signs": "%%%",
    "non-ascii": "é",
    "prose": "not base64 at all",
    "far too long": "A" * 1000,
    "json null": cursor_of(None),
    "empty list": cursor_of([]),
    "one element": cursor_of([ISO]),
    "three elements": cursor_of([ISO, SOME_ID, "extra"]),
    "object": cursor_of({"created_at": ISO, "id": SOME_ID}),
    "not a time": cursor_of(["yesterday", SOME_ID]),
    "not a uuid": cursor_of([ISO, "not-a-uuid"]),
    "null id": cursor_of([ISO, None]),
    "number id": cursor_of([ISO, 5]),
    "list id": cursor_of([ISO, ["a"]]),
    "object id": cursor_of([ISO, {"a": 1}]),
    "number time": cursor_of([5, SOME_ID]),
    "naive time": cursor_of(["2026-01-01T12:00:00", SOME_ID]),
    "date only": cursor_of(["2026-01-01", SOME_ID]),
    "nested lists": cursor_of([[[[[[]]]]]] * 2),
}


@pytest.mark.parametrize("cursor", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_cursors_are_invalid(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as raised:
        Position.decode(cursor)

    assert raised.value.code == "invalid-cursor"


# --- PageRequest ----------------------------------------------------------------------------


@given(st.integers())
def test_the_page_size_is_clamped_to_1_to_200(limit: int) -> None:
    request = PageRequest.parse(limit, None)

    assert 1 <= request.limit <= MAX_PAGE_SIZE
    assert request.limit == min(max(limit, 1), MAX_PAGE_SIZE)
    assert request.after is None


def test_without_a_limit_the_page_size_is_the_default() -> None:
    assert PageRequest.parse(None, None) == PageRequest(DEFAULT_PAGE_SIZE, None)
    assert PageRequest.parse(None, "") == PageRequest(DEFAULT_PAGE_SIZE, None)
    assert MAX_PAGE_SIZE == 200


@given(st.integers(1, MAX_PAGE_SIZE), aware_datetimes, st.uuids())
def test_a_cursor_is_decoded_into_the_request(limit: int, at: datetime, id_: UUID) -> None:
    position = Position(at, id_)

    assert PageRequest.parse(limit, position.encode()) == PageRequest(limit, position)


def test_a_bad_cursor_fails_the_request() -> None:
    with pytest.raises(InvalidCursor):
        PageRequest.parse(10, "garbage")


# --- a page cut from a collection read whole ----------------------------------------------

few_instants = st.sampled_from(
    [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)]
)


@given(
    positions=st.lists(st.builds(Position, few_instants, st.uuids()), unique=True, max_size=12),
    sizes=st.lists(st.integers(1, 5), min_size=13, max_size=13),
)
def test_cut_pages_walk_a_collection_once_in_created_at_then_id_order(
    positions: list[Position], sizes: list[int]
) -> None:
    """Many items share a created_at (a catalogue installed at once): the id orders them."""
    walked: list[Position] = []
    cursor: str | None = None
    for size in sizes:
        page = Page.cut(positions, PageRequest.parse(size, cursor), lambda p: p)
        assert len(page.items) == min(size, len(positions) - len(walked))
        walked += page.items
        cursor = page.next_cursor
        if cursor is None:
            break

    assert cursor is None
    assert walked == sorted(positions, key=lambda p: (p.created_at, p.id))


# --- walking listings -----------------------------------------------------------------------

gaps = st.lists(st.sampled_from([0, 0, 1, 3600]), min_size=14, max_size=14)


@settings(max_examples=50)
@given(
    count=st.integers(0, 12),
    gaps=gaps,
    insert_after_page=st.none() | st.integers(0, 4),
    data=st.data(),
)
def test_walking_members_yields_each_once_in_creation_order(
    count: int, gaps: list[int], insert_after_page: int | None, data: st.DataObject
) -> None:
    env = fresh()

    async def scenario() -> None:
        owner = await env.world.user("owner@acme.example")
        tenant = await env.world.tenant(owner, "Acme")
        as_owner = Principal.user(owner.id)
        order: list[UserId] = [owner.id]

        async def join(i: int) -> None:
            env.clock.advance(seconds=gaps[i])
            user = await env.world.user(f"m{i}@acme.example")
            member = await env.svc.members.add_member(
                PLATFORM, AddMember(tenant.id, Role.VIEWER, user_id=user.id)
            )
            order.append(member.user.id)

        for i in range(count):
            await join(i)

        seen: list[UserId] = []
        cursor: str | None = None
        for page_number in range(100):
            size = data.draw(st.integers(1, 5), label="page size")
            page = await env.svc.members.list_members(
                as_owner, tenant.id, PageRequest.parse(size, cursor)
            )
            remaining = len(order) - len(seen)
            assert len(page.items) == min(size, remaining)
            seen.extend(m.user.id for m in page.items)
            assert (page.next_cursor is None) == (remaining <= size)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
            if page_number == insert_after_page:
                await join(count)  # joins mid-walk: shows up once, at the end

        assert seen == order

    run(scenario())


@settings(max_examples=50)
@given(steps=st.lists(st.sampled_from(["join", "promote", "rename"]), max_size=10), data=st.data())
def test_walking_the_audit_log_yields_each_entry_once_newest_first(
    steps: list[str], data: st.DataObject
) -> None:
    env = fresh()
    tap = AuditTap(env.db)

    async def scenario() -> None:
        owner = await env.world.user("owner@acme.example")
        tenant = await env.world.tenant(owner, "Acme")
        as_owner = Principal.user(owner.id)
        written: list[AuditEntry] = [e for e in tap.new() if e.tenant_id == tenant.id]
        joined: list[UserId] = []
        for i, step in enumerate(steps):
            env.clock.advance(seconds=data.draw(st.sampled_from([0, 1, 60]), label="gap"))
            if step == "join" or not joined:
                user = await env.world.user(f"m{i}@acme.example")
                member = await env.svc.members.add_member(
                    PLATFORM, AddMember(tenant.id, Role.VIEWER, user_id=user.id)
                )
                joined.append(member.user.id)
            elif step == "promote":
                await env.svc.members.change_role(
                    as_owner, ChangeRole(tenant.id, joined[-1], Role.ADMIN)
                )
            else:
                await env.svc.tenants.update_tenant(
                    as_owner, UpdateTenant(tenant.id, name=f"Acme {i}")
                )
            written.extend(e for e in tap.new() if e.tenant_id == tenant.id)

        seen: list[AuditEntry] = []
        cursor: str | None = None
        while True:
            size = data.draw(st.integers(1, 4), label="page size")
            page = await env.svc.audit.tenant_audit_log(
                as_owner, tenant.id, PageRequest.parse(size, cursor)
            )
            assert len(page.items) == min(size, len(written) - len(seen))
            seen.extend(page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor

        assert [e.id for e in seen] == [e.id for e in reversed(written)]
        assert all(a.at >= b.at for a, b in itertools.pairwise(seen))

    run(scenario())

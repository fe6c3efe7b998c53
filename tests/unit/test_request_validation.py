"""A refused body or query string names every invalid field at once, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.http.app import ENDPOINTS
from entrypoints.http.problems import FieldError, RequestInvalid
from entrypoints.http.requests import decode_json
from entrypoints.http.routing import PAGE_PARAMS, QueryParam
from entrypoints.http.schemas import Body
from entrypoints.http.validation import query_errors

ROLES = ["owner", "admin", "member", "viewer"]


class Voice(Body):
    language: Annotated[str, msgspec.Meta(max_length=35)]
    speed: Annotated[int, msgspec.Meta(ge=1, le=4)] = 1


class Sample(Body):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    role: Literal["owner", "admin", "member", "viewer"] = "member"
    user_id: UUID | None = None
    expires_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    version: Annotated[int, msgspec.Meta(ge=0)] | None = None
    price: Decimal = Decimal(0)
    voice: Voice | None = None
    tags: list[Annotated[str, msgspec.Meta(max_length=10)]] = []
    variables: dict[str, Annotated[str, msgspec.Meta(max_length=20)]] = {}
    active: bool | msgspec.UnsetType = msgspec.UNSET
    key: Annotated[str, msgspec.Meta(pattern="^[a-z]+$")] | None = None


@dataclass(frozen=True)
class Bad:
    value: Any
    error: FieldError
    """What the 422 must say of it."""


def bad(value: Any, field: str, message: str, **extra: Any) -> Bad:
    return Bad(value, FieldError(field, message, **extra))


NAME_BOUNDS = {"min_length": 1, "max_length": 255}
DECIMAL = 'must be a decimal number, e.g. "99.00"'

# Per field: values that are fine, and bad ones with the error each must give.
FIELDS: dict[str, tuple[list[Any], list[Bad]]] = {
    "name": (
        ["Acme", "x" * 255],
        [
            bad("", "body.name", "must not be empty", **NAME_BOUNDS),
            bad("x" * 256, "body.name", "must be at most 255 characters", **NAME_BOUNDS),
            bad(5, "body.name", "must be a string", **NAME_BOUNDS),
            bad(None, "body.name", "must not be null"),
        ],
    ),
    "role": (
        ROLES,
        [
            bad("king", "body.role", "must be one of: owner, admin, member, viewer", allowed=ROLES),
            bad(1, "body.role", "must be one of: owner, admin, member, viewer", allowed=ROLES),
        ],
    ),
    "user_id": (
        [None, "0190f5a2-7c1e-7d3a-9b2f-4e5d6c7b8a90"],
        [bad("nope", "body.user_id", "must be a UUID"), bad(5, "body.user_id", "must be a UUID")],
    ),
    "expires_at": (
        [None, "2099-01-01T00:00:00Z", "2099-01-01T00:00:00+02:00"],
        [
            bad("soon", "body.expires_at", "must be an RFC 3339 date-time"),
            bad(
                "2099-01-01T00:00:00",
                "body.expires_at",
                "must be an RFC 3339 date-time with a time zone offset or Z",
            ),
        ],
    ),
    "version": (
        [None, 0, 7],
        [
            bad(-1, "body.version", "must be at least 0", minimum=0),
            bad("0", "body.version", "must be an integer"),
            bad(1.5, "body.version", "must be an integer"),
            bad(True, "body.version", "must be an integer"),
        ],
    ),
    "price": (
        ["99.00", 12, 0.5],
        [bad("abc", "body.price", DECIMAL), bad(True, "body.price", DECIMAL)],
    ),
    "voice": (
        [None, {"language": "en-US"}, {"language": "fr", "speed": 4}],
        [
            bad(
                {"language": "x" * 36},
                "body.voice.language",
                "must be at most 35 characters",
                max_length=35,
            ),
            bad({}, "body.voice.language", "is required"),
            bad("en", "body.voice", "must be a JSON object"),
            bad(
                {"language": "en", "pitch": 1}, "body.voice.pitch", "is not a field of this request"
            ),
            bad(
                {"language": "en", "speed": 9},
                "body.voice.speed",
                "must be from 1 to 4",
                minimum=1,
                maximum=4,
            ),
        ],
    ),
    "tags": (
        [[], ["a", "b" * 10]],
        [
            bad(["ok", "x" * 11], "body.tags[1]", "must be at most 10 characters", max_length=10),
            bad("a", "body.tags", "must be an array"),
        ],
    ),
    "variables": (
        [{}, {"first_name": "Ada"}],
        [
            bad(
                {"first": "x" * 21},
                "body.variables.first",
                "must be at most 20 characters",
                max_length=20,
            ),
            bad({"a b": 5}, 'body.variables["a b"]', "must be a string", max_length=20),
            bad([], "body.variables", "must be a JSON object"),
        ],
    ),
    "active": (
        [True, False],
        [
            bad("yes", "body.active", "must be true or false"),
            bad(None, "body.active", "must not be null"),
        ],
    ),
    "key": (
        [None, "abc"],
        [bad("ABC", "body.key", "must match the pattern ^[a-z]+$", pattern="^[a-z]+$")],
    ),
}
UNKNOWN = [
    bad(1, "body.owner", "is not a field of this request"),
    bad(None, "body.zz", "is not a field of this request"),
]


@st.composite
def bodies(draw: st.DrawFn) -> tuple[dict[str, Any], list[FieldError]]:
    """A body with some fields broken (each in its own way) and the errors it must give."""
    broken = draw(st.sets(st.sampled_from([*FIELDS, "<missing name>", "<unknown>"])))
    body: dict[str, Any] = {}
    expected: list[FieldError] = []
    for field, (good, bad_values) in FIELDS.items():
        if field in broken:
            case = draw(st.sampled_from(bad_values))
            body[field] = case.value
            expected.append(case.error)
        elif field == "name" and "<missing name>" in broken:
            expected.append(FieldError("body.name", "is required"))
        elif field == "name" or draw(st.booleans()):
            body[field] = draw(st.sampled_from(good))
    if "<unknown>" in broken:
        case = draw(st.sampled_from(UNKNOWN))
        body[case.error.field.removeprefix("body.")] = case.value
        expected.append(case.error)
    return body, expected


def key(e: FieldError) -> str:
    return e.field


@given(bodies())
def test_a_body_with_k_bad_fields_is_refused_naming_exactly_those_k(case):
    body, expected = case
    raw = msgspec.json.encode(body)

    if not expected:
        assert isinstance(decode_json(raw, Sample), Sample)
        return
    with pytest.raises(RequestInvalid) as refused:
        decode_json(raw, Sample)

    assert sorted(refused.value.errors, key=key) == sorted(expected, key=key)
    first = refused.value.errors[0]
    assert refused.value.field == first.field.removeprefix("body.")
    assert refused.value.message.startswith(f"{first.field} {first.message}")


def test_a_body_that_is_not_an_object_is_one_error_about_the_body():
    with pytest.raises(RequestInvalid) as refused:
        decode_json(b'["Acme"]', Sample)
    assert refused.value.errors == [FieldError("body", "must be a JSON object")]


def test_the_detail_names_the_first_five_and_counts_the_rest():
    body = {
        "name": 1,
        "role": 1,
        "user_id": 1,
        "version": "1",
        "price": True,
        "active": 1,
        "key": "A",
    }
    with pytest.raises(RequestInvalid) as refused:
        decode_json(msgspec.json.encode(body), Sample)
    assert len(refused.value.errors) == 7
    assert refused.value.message.endswith("; and 2 more")
    assert refused.value.message.count(" must ") == 5


# --- every request body of the API ---------------------------------------------------------

WRONG_KINDS: list[Any] = [{"zz": [1]}, [[1]], 1.5, "x" * 70_000]


def _body_fields() -> list[tuple[type[msgspec.Struct], str, Any]]:
    cases: list[tuple[type[msgspec.Struct], str, Any]] = []
    for kind in dict.fromkeys(e.body for e in ENDPOINTS if e.body is not None):
        for field in msgspec.structs.fields(kind):
            wrong = next((v for v in WRONG_KINDS if not _accepts(field.type, v)), None)
            if wrong is not None:
                cases.append((kind, field.encode_name, wrong))
    return cases


def _accepts(annotation: Any, value: Any) -> bool:
    try:
        msgspec.convert(value, annotation)
    except msgspec.ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("kind", "field", "wrong"),
    [pytest.param(*case, id=f"{case[0].__name__}.{case[1]}") for case in _body_fields()],
)
def test_every_request_body_names_a_wrong_field_an_unknown_one_and_the_missing_ones(
    kind, field, wrong
):
    required = {
        f.encode_name for f in msgspec.structs.fields(kind) if f.required and f.encode_name != field
    }
    body = {field: wrong, "no_such_field": 1}

    with pytest.raises(RequestInvalid) as refused:
        decode_json(msgspec.json.encode(body), kind)

    errors = refused.value.errors
    # A wrong value that is an object of the wrong shape names what it lacks, under its field.
    missing = {e.field for e in errors if e.message == "is required"}
    assert {f for f in missing if not f.startswith(f"body.{field}.")} == {
        f"body.{name}" for name in required
    }
    unknown = [e for e in errors if e.field == "body.no_such_field"]
    assert [e.message for e in unknown] == ["is not a field of this request"]
    at = f"body.{field}"
    about_field = [e for e in errors if e.field == at or e.field.startswith((at + ".", at + "["))]
    assert about_field, errors
    assert len(errors) == len(required) + 1 + len(about_field)
    assert all(not e.message.startswith(("Expected", "Invalid", "is not valid")) for e in errors)


def test_some_body_fields_of_the_api_are_checked():
    assert len(_body_fields()) > 50


# --- query strings -------------------------------------------------------------------------

DECLARED = [
    *PAGE_PARAMS,
    QueryParam("status", "", {"type": "string", "enum": ["queued", "ended"]}),
    QueryParam("active", "", {"type": "boolean"}),
    QueryParam("agent_id", ""),
    QueryParam("from", "", {"type": "string", "format": "date-time"}),
    QueryParam("country", "", {"type": "string", "maxLength": 2}),
    QueryParam("q", ""),
]
NAMES = [q.name for q in DECLARED]
QUERY: dict[str, tuple[list[str], list[tuple[str, FieldError]]]] = {
    "limit": (
        ["1", "200", "50"],
        [
            (
                v,
                FieldError(
                    "query.limit", "must be an integer from 1 to 200", minimum=1, maximum=200
                ),
            )
            for v in ("0", "201", "", "abc", "1.5", " 5", "\u00b2", "9" * 5000)
        ],
    ),
    "cursor": (["", "abc"], []),
    "status": (
        ["", "queued", "ended"],
        [
            (
                "Queued",
                FieldError(
                    "query.status", "must be one of: queued, ended", allowed=["queued", "ended"]
                ),
            )
        ],
    ),
    "active": (
        ["", "true", "false"],
        [("yes", FieldError("query.active", "must be true or false", allowed=["true", "false"]))],
    ),
    "agent_id": (
        ["", "0190f5a2-7c1e-7d3a-9b2f-4e5d6c7b8a90"],
        [("12", FieldError("query.agent_id", "must be a UUID"))],
    ),
    "from": (
        ["", "2026-01-01", "2026-01-01T10:00:00Z"],
        [("yesterday", FieldError("query.from", "must be an ISO 8601 date or date-time"))],
    ),
    "country": (
        ["", "US"],
        [("USA", FieldError("query.country", "must be at most 2 characters", max_length=2))],
    ),
    "q": (["", "x" * 300], []),
}


@st.composite
def queries(draw: st.DrawFn) -> tuple[dict[str, str], list[FieldError]]:
    query: dict[str, str] = {}
    expected: list[FieldError] = []
    for name, (good, bad_values) in QUERY.items():
        choice = draw(st.sampled_from(["absent", "good", "bad"][: 3 if bad_values else 2]))
        if choice == "good":
            query[name] = draw(st.sampled_from(good))
        elif choice == "bad":
            value, error = draw(st.sampled_from(bad_values))
            query[name] = value
            expected.append(error)
    for name in draw(st.sets(st.sampled_from(["page", "sort", "filter[x]", "LIMIT"]))):
        query[name] = draw(st.sampled_from(["", "1", "x"]))
        expected.append(
            FieldError("query." + name, "is not a parameter of this request", allowed=NAMES)
        )
    return query, expected


@given(queries())
def test_a_query_names_every_unknown_parameter_and_bad_value_at_once(case):
    query, expected = case

    errors = query_errors(query, [(q.name, q.schema) for q in DECLARED])

    assert sorted(errors, key=key) == sorted(expected, key=key)


def test_an_id_query_parameter_is_a_uuid_unless_declared_otherwise():
    assert QueryParam("batch_id", "").schema == {"type": "string", "format": "uuid"}
    assert QueryParam("source", "").schema == {"type": "string"}

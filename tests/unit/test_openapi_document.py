"""The OpenAPI document: valid, the one served, and complete enough to write a client from."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from jsonschema import Draft202012Validator
from msgspec import inspect as mi
from openapi_spec_validator import validate

from entrypoints.container import Container
from entrypoints.http.app import ENDPOINTS, create_app, openapi_document

DOCUMENT: dict[str, Any] = openapi_document()
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]
OPERATIONS = [
    (f"{method.upper()} {path}", operation)
    for path, methods in DOCUMENT["paths"].items()
    for method, operation in methods.items()
]


def test_the_document_is_valid_openapi_3_1():
    validate(DOCUMENT)


async def test_the_document_served_is_this_one(memory_container: Container, aiohttp_client):
    client = await aiohttp_client(create_app(memory_container.use_cases()))

    response = await client.get("/openapi.json")

    assert response.status == 200
    assert await response.json() == json.loads(msgspec.json.encode(DOCUMENT))


def test_every_operation_has_a_summary_and_a_description():
    described = [name for name, op in OPERATIONS if op.get("summary") and op.get("description")]
    assert described == [name for name, _ in OPERATIONS]


def test_every_schema_has_a_description():
    assert [name for name, schema in SCHEMAS.items() if not schema.get("description")] == []


def _validator(name: str) -> Draft202012Validator:
    root = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": SCHEMAS}}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_schema_has_an_example_that_is_a_whole_instance_of_it(name):
    schema = SCHEMAS[name]

    assert schema.get("examples"), name
    example = schema["examples"][0]
    assert list(_validator(name).iter_errors(example)) == []
    if schema.get("type") == "object":
        # every property shown, so each has an example or a type that implies one
        assert sorted(set(schema.get("properties", {})) - set(example)) == [], name


def _struct_fields() -> list[tuple[str, str, mi.Type]]:
    """(schema, property, type) of every field of every Struct in the document."""
    types = [t for e in ENDPOINTS for t in (e.body, e.response) if t is not None]
    found: list[tuple[str, str, mi.Type]] = []
    pending: list[mi.Type] = list(mi.multi_type_info(types))
    seen: set[type] = set()
    while pending:
        t = pending.pop()
        if isinstance(t, mi.Metadata):
            pending.append(t.type)
        elif isinstance(t, mi.StructType) and t.cls not in seen:
            seen.add(t.cls)
            found += [(t.cls.__name__, f.encode_name, f.type) for f in t.fields]
            pending += [f.type for f in t.fields]
        elif isinstance(t, mi.UnionType):
            pending += t.types
        elif isinstance(t, mi.CollectionType):
            pending.append(t.item_type)
        elif isinstance(t, mi.DictType):
            pending.append(t.value_type)
    return found


def _scalar(t: mi.Type) -> mi.Type:
    """The type of a field that is one scalar, nullable or not (else the type itself)."""
    while isinstance(t, mi.Metadata):
        t = t.type
    if isinstance(t, mi.UnionType):
        others = [m for m in t.types if not isinstance(m, mi.NoneType)]
        return _scalar(others[0]) if len(others) == 1 else t
    return t


FORMATS = {mi.DateTimeType: "date-time", mi.UUIDType: "uuid", mi.DecimalType: "decimal"}


def _formats(schema: dict[str, Any]) -> set[str | None]:
    options = schema.get("anyOf", [schema])
    return {o.get("format") for o in options if o.get("type") == "string"}


def test_every_timestamp_id_and_amount_of_money_has_its_format():
    wrong = []
    for schema, prop, t in _struct_fields():
        expected = FORMATS.get(type(_scalar(t)))
        found = _formats(SCHEMAS[schema]["properties"][prop])
        if expected is not None and found != {expected}:
            wrong.append((schema, prop, expected, found))
    assert wrong == []
    checked = {type(_scalar(t)) for _, _, t in _struct_fields()}
    assert set(FORMATS) <= checked  # each kind is met, so the check is not empty


def test_every_property_named_as_a_time_is_a_date_time():
    timestamps = [
        (name, prop)
        for name, schema in SCHEMAS.items()
        for prop, sub in schema.get("properties", {}).items()
        if prop.endswith("_at") and _formats(sub) != {"date-time"}
    ]
    assert timestamps == []


def test_every_error_an_operation_can_answer_is_documented_as_a_problem():
    for name, op in OPERATIONS:
        endpoint = next(e for e in ENDPOINTS if f"{e.method} {e.path}" == name)
        statuses = {int(s) for s in op["responses"] if int(s) >= 400}
        # Any operation may be sent a query parameter it does not know.
        assert 422 in statuses or endpoint.open_query, name
        if endpoint.accepts:
            assert {400, 413, 415, 422} <= statuses, name
        if not endpoint.public:
            assert {401, 403, 503} <= statuses, name
        if "{" in endpoint.path:
            assert 404 in statuses, name
        for status in statuses:
            content = op["responses"][str(status)]["content"]
            assert content == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, (name, status)
    problem = SCHEMAS["FieldError"]
    assert set(problem["required"]) == {"field", "message"}
    assert SCHEMAS["Problem"]["properties"]["errors"]["anyOf"][0]["items"] == {
        "$ref": "#/components/schemas/FieldError"
    }


def test_the_headers_the_api_reads_are_declared():
    def headers(op: dict[str, Any]) -> set[str]:
        return {p["name"] for p in op["parameters"] if p.get("in") == "header"}

    place_call = dict(OPERATIONS)["POST /v1/tenants/{tenant_id}/calls"]
    assert "Idempotency-Key" in headers(place_call)
    webhook = dict(OPERATIONS)["POST /v1/webhooks/vapi"]
    assert {"X-Vapi-Secret", "x-signature", "x-timestamp"} <= headers(webhook)
    assert [name for name, op in OPERATIONS if "X-Request-Id" not in headers(op)] == []


def test_every_create_declares_the_path_of_what_it_created_in_location():
    creates = [name for name, op in OPERATIONS if "201" in op["responses"]]
    assert "POST /v1/tenants/{tenant_id}/calls" in creates
    for name in creates:
        headers = dict(OPERATIONS)[name]["responses"]["201"]["headers"]
        assert headers["Location"] == {"$ref": "#/components/headers/Location"}, name
    location = DOCUMENT["components"]["headers"]["Location"]
    assert location["required"] is True
    assert location["schema"] == {"type": "string"}

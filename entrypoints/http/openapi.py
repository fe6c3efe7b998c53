"""The OpenAPI 3.1 document, generated from the route table and the msgspec schemas."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec
from msgspec import inspect as mi

from domain.webhooks import EventType
from entrypoints.http.events import EventDoc
from entrypoints.http.problems import PROBLEM_CONTENT_TYPE, Problem
from entrypoints.http.routing import CSV_TYPES, Endpoint
from entrypoints.http.serving import REQUEST_ID_HEADER, SAFE_REQUEST_ID

_PATH_PARAM = re.compile(r"{(\w+)}")
_DESCRIPTIONS = {
    400: "Malformed request: the body is not valid JSON, or cannot be read",
    401: "Missing, invalid, expired or revoked bearer token",
    403: "Not allowed for your role, the tenant is suspended, or the user deactivated",
    404: "Unknown id, or one of another tenant",
    409: "Conflict: taken key, stale version, or a rule of the current state",
    413: "Body larger than the configured limit",
    415: "The body is not of a media type this operation reads (see `detail`)",
    422: "Invalid request: `errors` names every invalid field or query parameter, unknown "
    "ones included, each with a message and what is accepted",
    429: "Too many requests: as many of these run at once as the server allows, or too many "
    "failed attempts for this address or client; retry after Retry-After seconds",
    502: "The telephony provider refused or failed the request",
    503: "A backing service is unreachable or busy; nothing was changed. Retry after "
    "Retry-After seconds",
}
_RETRY_LATER = (429, 503)

# Examples for the values whose format says what they look like.
_FORMAT_EXAMPLES = {
    "date-time": "2026-01-15T09:30:00Z",
    "date": "2026-01-15",
    "uuid": "0190f5a2-7c1e-7d3a-9b2f-4e5d6c7b8a90",
    "decimal": "0.150000",
    "email": "ada@example.com",
    "uri": "https://example.com/",
    "binary": "",
}


def build_openapi(
    endpoints: list[Endpoint],
    *,
    title: str,
    version: str,
    events: Mapping[EventType, EventDoc] | None = None,
) -> dict[str, Any]:
    events = events or {}
    types: list[Any] = [Problem]
    for e in endpoints:
        types += [t for t in (e.body, e.response) if t is not None]
    types += [doc.payload for doc in events.values()]
    _, components = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}"
    )
    _mark_timestamps(types, components)
    for name in components:
        _add_example(name, components)
    paths: dict[str, dict[str, Any]] = {}
    for e in endpoints:
        paths.setdefault(e.path, {})[e.method.lower()] = _operation(e)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Multi-tenant backend for AI voice agents. Errors are RFC 9457 "
            "problem+json; a 422 lists every invalid field and unknown query parameter in "
            "`errors`. Lists are cursor-paginated: pass `next_cursor` back as `cursor`.",
        },
        "paths": paths,
        "webhooks": {event.value: _webhook(event, doc) for event, doc in events.items()},
        "components": {
            "schemas": components,
            "headers": {
                "RequestId": {
                    "description": "The request's id, as sent or made up: quote it when "
                    "reporting a problem.",
                    "schema": {"type": "string"},
                },
                "RetryAfter": {
                    "description": "Seconds to wait before retrying.",
                    "schema": {"type": "integer", "minimum": 0},
                },
                "Location": {
                    "description": "The created resource's path: GET reads it.",
                    "required": True,
                    "schema": {"type": "string"},
                },
            },
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal token (vau_...) or a tenant API key (vak_...).",
                }
            },
        },
        "security": [{"bearer": []}],
    }


_SIGNATURE_HEADERS = (
    ("webhook-id", "The event's id: deduplicate on it (retries and replays repeat it)."),
    ("webhook-timestamp", "When this attempt was sent, in seconds since the epoch."),
    (
        "webhook-signature",
        "Space-separated `v1,<base64 HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{body}`"
        " with the endpoint's secret (two while a rotated secret overlaps): Standard Webhooks.",
    ),
)


def _webhook(event: EventType, doc: EventDoc) -> dict[str, Any]:
    return {
        "post": {
            "summary": doc.summary,
            "description": f"Sent to the tenant's endpoints that want `{event.value}`, signed"
            " per the Standard Webhooks specification. Answer 2xx within 10 seconds; anything"
            " else is retried with backoff for about a day.",
            "tags": ["events"],
            "parameters": [
                {"name": name, "in": "header", "required": True, "description": text,
                 "schema": {"type": "string"}}
                for name, text in _SIGNATURE_HEADERS
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(doc.payload)}},
            },
            "responses": {
                "2XX": {"description": "Received: the delivery is done."},
                "default": {"description": "Not received: the delivery is made again later."},
            },
        }
    }  # fmt: skip


def _ref(kind: type) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{kind.__name__}"}


def _header(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _operation(e: Endpoint) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": e.handler.__name__,
        "summary": e.summary,
        "tags": [e.tag],
        "parameters": _parameters(e),
    }
    if e.documentation:
        operation["description"] = e.documentation
    if e.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(e.body)}},
        }
    elif e.upload:
        operation["requestBody"] = {
            "required": True,
            "content": {
                # The file's bytes as they are (the import checks their encoding itself).
                CSV_TYPES[0]: {"schema": {"type": "string", "format": "binary"}},
                CSV_TYPES[1]: {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    elif e.accepts:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    operation["responses"] = _responses(e)
    if e.public:
        operation["security"] = []
    return operation


def _parameters(e: Endpoint) -> list[dict[str, Any]]:
    path = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "format": "uuid"}
            if name.endswith("_id")
            else {"type": "string"},
        }
        for name in _PATH_PARAM.findall(e.path)
    ]
    query = [
        {
            "name": q.name,
            "in": "query",
            "required": False,
            "description": q.description,
            "schema": q.schema,
        }
        for q in e.query
    ]
    headers = [
        {
            "name": h.name,
            "in": "header",
            "required": False,
            "description": h.description,
            "schema": h.schema,
        }
        for h in e.headers
    ]
    return [*path, *query, *headers, _REQUEST_ID]


_REQUEST_ID = {
    "name": REQUEST_ID_HEADER,
    "in": "header",
    "required": False,
    "description": "Your id for the request (1 to 64 of A-Z a-z 0-9 . _ : -), echoed in the "
    "response and in the logs; one is made up otherwise.",
    "schema": {"type": "string", "pattern": SAFE_REQUEST_ID.pattern},
}


def _responses(e: Endpoint) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "Success", "headers": _success_headers(e.status)}
    if e.response is not None:
        success["content"] = {"application/json": {"schema": _ref(e.response)}}
    elif e.media is not None:
        success["content"] = {e.media: {"schema": {"type": "string", "format": "binary"}}}
    responses: dict[str, Any] = {str(e.status): success}
    for status, description in e.also:
        responses[str(status)] = {
            "description": description,
            "headers": _success_headers(status),
        }
    for status in sorted(_error_statuses(e)):
        headers = {"X-Request-Id": _header("RequestId")}
        if status in _RETRY_LATER:
            headers["Retry-After"] = _header("RetryAfter")
        responses[str(status)] = {
            "description": _DESCRIPTIONS[status],
            "headers": headers,
            "content": {PROBLEM_CONTENT_TYPE: {"schema": _ref(Problem)}},
        }
    return responses


def _success_headers(status: int) -> dict[str, Any]:
    headers = {"X-Request-Id": _header("RequestId")}
    if status == 201:
        headers["Location"] = _header("Location")
    return headers


def _error_statuses(e: Endpoint) -> set[int]:
    """Every error status the operation can answer, whether or not its handler says so."""
    errors = set(e.errors)
    if e.accepts:
        errors |= {400, 413, 415, 422}  # unreadable, too large, of another type, invalid
    if not e.open_query:
        errors.add(422)  # an unknown query parameter, or a bad value of a known one
    if _PATH_PARAM.search(e.path):
        errors.add(404)  # an id that is not one
    if not e.public:
        # Any authenticated call may meet a deactivated user or a suspended tenant (403),
        # and needs the database to authenticate (503).
        errors |= {401, 403, 503}
    return errors


# --- timestamps --------------------------------------------------------------------------------


def _mark_timestamps(types: list[Any], components: dict[str, Any]) -> None:
    """`format: date-time` on every datetime property. msgspec writes it only for a datetime
    declared timezone-aware (`Meta(tz=True)`), as only those are sure to be RFC 3339 when
    decoded; every datetime this API sends is aware (UTC), and those it reads are declared
    aware, so all of them are RFC 3339."""
    pending = list(msgspec.inspect.multi_type_info(types))
    seen: set[type] = set()
    while pending:
        t = pending.pop()
        if isinstance(t, mi.Metadata):
            pending.append(t.type)
        elif isinstance(t, mi.StructType) and t.cls not in seen:
            seen.add(t.cls)
            properties = components.get(t.cls.__name__, {}).get("properties", {})
            for field in t.fields:
                if field.encode_name in properties:
                    _mark(properties[field.encode_name], field.type)
                pending.append(field.type)
        elif isinstance(t, mi.UnionType):
            pending += t.types
        elif isinstance(t, mi.CollectionType):
            pending.append(t.item_type)
        elif isinstance(t, mi.DictType):
            pending.append(t.value_type)


def _mark(schema: dict[str, Any], t: mi.Type) -> None:
    if isinstance(t, mi.Metadata):
        _mark(schema, t.type)
    elif isinstance(t, mi.DateTimeType) and t.tz is not False:
        if schema.get("type") == "string":
            schema.setdefault("format", "date-time")
    elif isinstance(t, mi.UnionType):
        # A union holds at most one type read from a string: a datetime is the only one.
        times = [m for m in t.types if isinstance(_unwrap(m), mi.DateTimeType)]
        for member in schema.get("anyOf", []):
            if times and member.get("type") == "string":
                _mark(member, times[0])
    elif isinstance(t, mi.CollectionType) and "items" in schema:
        _mark(schema["items"], t.item_type)
    elif isinstance(t, mi.DictType) and isinstance(schema.get("additionalProperties"), dict):
        _mark(schema["additionalProperties"], t.value_type)


def _unwrap(t: mi.Type) -> mi.Type:
    return t.type if isinstance(t, mi.Metadata) else t


# --- examples ----------------------------------------------------------------------------------


def _add_example(name: str, components: dict[str, Any]) -> None:
    """Give a component schema an example built from its properties' own examples, formats,
    enums and defaults (unless it has one), so every schema shows a whole instance."""
    schema = components[name]
    if "examples" not in schema:
        example = _example(schema, components, frozenset((name,)))
        if example is not _NONE:
            schema["examples"] = [example]


_NONE = object()
"""No example can be made (free text without one, or a schema that contains itself)."""


def _example(schema: dict[str, Any], components: dict[str, Any], seen: frozenset[str]) -> Any:
    if "examples" in schema:
        return schema["examples"][0]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return _NONE
        return _example(components[name], components, seen | {name})
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return next(
                (x for s in options if (x := _example(s, components, seen)) is not _NONE), _NONE
            )
    kind = schema.get("type")
    if kind == "object":
        found = {
            prop: _example(sub, components, seen)
            for prop, sub in schema.get("properties", {}).items()
        }
        return {prop: value for prop, value in found.items() if value is not _NONE}
    if kind == "array":
        item = _example(schema.get("items", {}), components, seen)
        return [] if item is _NONE else [item]
    if kind == "integer" or kind == "number":
        return schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    if kind == "string" and schema.get("format") in _FORMAT_EXAMPLES:
        return _FORMAT_EXAMPLES[schema["format"]]
    return _NONE

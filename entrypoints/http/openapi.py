"""The OpenAPI 3.1 document, generated from the route table and the msgspec schemas."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from entrypoints.http.problems import PROBLEM_CONTENT_TYPE, Problem
from entrypoints.http.routing import Endpoint

_PATH_PARAM = re.compile(r"{(\w+)}")
_DESCRIPTIONS = {
    400: "Malformed request (bad JSON)",
    401: "Missing, invalid, expired or revoked bearer token",
    403: "Not allowed for your role, the tenant is suspended, or the user deactivated",
    404: "Unknown id, or one of another tenant",
    409: "Conflict: taken key, stale version, or a rule of the current state",
    413: "Body larger than the configured limit",
    422: "A field has the wrong type, is missing, unknown or invalid",
    429: "As many of these run at once as the server allows; retry after Retry-After seconds",
    503: "The database is unreachable; nothing was changed",
}


def build_openapi(endpoints: list[Endpoint], *, title: str, version: str) -> dict[str, Any]:
    types: list[Any] = [Problem]
    for e in endpoints:
        types += [t for t in (e.body, e.response) if t is not None]
    _, components = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}"
    )
    paths: dict[str, dict[str, Any]] = {}
    for e in endpoints:
        paths.setdefault(e.path, {})[e.method.lower()] = _operation(e)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Multi-tenant backend for AI voice agents. Errors are RFC 9457 "
            "problem+json. Lists are cursor-paginated: pass `next_cursor` back as `cursor`.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
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


def _ref(kind: type) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{kind.__name__}"}


def _operation(e: Endpoint) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": e.handler.__name__,
        "summary": e.summary,
        "tags": [e.tag],
        "parameters": [
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
        + [
            {
                "name": q.name,
                "in": "query",
                "required": False,
                "description": q.description,
                "schema": q.schema,
            }
            for q in e.query
        ],
    }
    if e.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(e.body)}},
        }
    if e.upload:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    success: dict[str, Any] = {"description": "Success"}
    if e.response is not None:
        success["content"] = {"application/json": {"schema": _ref(e.response)}}
    responses: dict[str, Any] = {str(e.status): success}
    for status, description in e.also:
        responses[str(status)] = {"description": description}
    errors = set(e.errors) | ({413} if e.body is not None else set())
    if e.public:
        operation["security"] = []
    else:
        # Any authenticated call may meet a deactivated user or a suspended tenant (403).
        errors |= {401, 403, 503}
    for status in sorted(errors):
        responses[str(status)] = {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_CONTENT_TYPE: {"schema": _ref(Problem)}},
        }
    operation["responses"] = responses
    return operation

"""Every invalid field of a request at once, in words a client can show.

msgspec decodes and validates a body in one pass and stops at the first error. That pass stays
the only one for a valid body; a body it refuses is decoded again as plain JSON and each of its
fields checked here against the field's declared type (`msgspec.inspect`: types, bounds,
lengths, patterns), nested objects and arrays included, so the 422 names all of them.
Query strings are checked the same way against the route's declared parameters.
"""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import inspect as mi

from entrypoints.http.problems import Allowed, FieldError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_BOOLEANS = ("true", "false")


def join(path: str, key: str) -> str:
    """`path.key`, or `path["key"]` when the key is not a plain name."""
    if _NAME.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{msgspec.json.encode(key).decode()}]"


# --- bodies ----------------------------------------------------------------------------------


def body_errors(data: Any, kind: type[msgspec.Struct], path: str = "body") -> list[FieldError]:
    """The invalid fields of `data` (decoded JSON) as a body of type `kind`, in body order."""
    return _struct_errors(data, _struct_info(kind), path)


@functools.cache  # a function of the type alone; only refused bodies come here
def _struct_info(kind: type[msgspec.Struct]) -> _StructInfo:
    info = mi.type_info(kind)
    assert isinstance(info, mi.StructType)
    return _StructInfo(info)


class _StructInfo:
    """A Struct's fields by their JSON name, with the literal values in the order declared
    (inspect sorts them; a message lists them as the schema's author wrote them)."""

    def __init__(self, info: mi.StructType) -> None:
        self.info = info
        annotations = {f.name: f.type for f in msgspec.structs.fields(info.cls)}
        self.fields = {f.encode_name: f for f in info.fields}
        self.literals = {f.encode_name: _literal_orders(annotations[f.name]) for f in info.fields}


def _literal_orders(annotation: Any) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    pending = [annotation]
    while pending:
        item = pending.pop()
        if typing.get_origin(item) is typing.Literal:
            found.append(typing.get_args(item))
        elif typing.get_origin(item) is Annotated:
            pending.append(typing.get_args(item)[0])
        else:
            pending.extend(typing.get_args(item))
    return found


def _struct_errors(data: Any, struct: _StructInfo | mi.StructType, path: str) -> list[FieldError]:
    info = struct if isinstance(struct, _StructInfo) else _struct_info(struct.cls)
    if not isinstance(data, dict):
        return [FieldError(path, "must be a JSON object")]
    errors: list[FieldError] = []
    tag_field = info.info.tag_field
    for name, field in info.fields.items():
        where = join(path, name)
        if name not in data:
            if field.required:
                errors.append(FieldError(where, "is required"))
            continue
        errors += _errors(data[name], field.type, where, info.literals[name])
    for name, value in data.items():
        if name in info.fields:
            continue
        if name == tag_field:
            if value != info.info.tag:
                errors.append(FieldError(join(path, name), f"must be {info.info.tag}"))
        elif info.info.forbid_unknown_fields:
            errors.append(FieldError(join(path, name), "is not a field of this request"))
    return errors


def _errors(value: Any, t: mi.Type, path: str, literals: list[tuple[Any, ...]]) -> list[FieldError]:
    """Why `value` is not of type `t` at `path` (nothing when it is)."""
    if isinstance(t, mi.Metadata):
        t = t.type
    if isinstance(t, mi.AnyType | mi.RawType):
        return []
    if isinstance(t, mi.UnionType):
        return _union_errors(value, t, path, literals)
    if value is None:
        return [] if isinstance(t, mi.NoneType) else [FieldError(path, "must not be null")]
    if isinstance(t, mi.StructType):
        return _struct_errors(value, t, path)
    if isinstance(t, mi.DictType):
        return _dict_errors(value, t, path, literals)
    if isinstance(t, mi.ListType | mi.VarTupleType | mi.SetType | mi.FrozenSetType):
        return _array_errors(value, t, path, literals)
    if isinstance(t, mi.TupleType):
        if not isinstance(value, list) or len(value) != len(t.item_types):
            return [FieldError(path, f"must be an array of {len(t.item_types)} items")]
        return [
            e
            for i, (item, kind) in enumerate(zip(value, t.item_types, strict=True))
            for e in _errors(item, kind, f"{path}[{i}]", literals)
        ]
    problem = _scalar_problem(value, t, literals)
    if problem is None:
        return []
    message, bounds = problem
    return [FieldError(path, message, **bounds)]


def _union_errors(
    value: Any, t: mi.UnionType, path: str, literals: list[tuple[Any, ...]]
) -> list[FieldError]:
    if value is None:
        return [] if t.includes_none else [FieldError(path, "must not be null")]
    members = [m for m in t.types if not isinstance(m, mi.NoneType)]
    if len(members) == 1:
        return _errors(value, members[0], path, literals)
    attempts = [_errors(value, m, path, literals) for m in members]
    if any(not errors for errors in attempts):
        return []
    # The member of the value's own JSON kind explains best; among several, say what fits.
    fitting = [a for m, a in zip(members, attempts, strict=True) if _same_kind(value, m)]
    if len(fitting) == 1:
        return fitting[0]
    nouns = [_noun(m, literals) for m in t.types]
    return [FieldError(path, "must be " + _either(nouns))]


def _dict_errors(
    value: Any, t: mi.DictType, path: str, literals: list[tuple[Any, ...]]
) -> list[FieldError]:
    if not isinstance(value, dict):
        return [FieldError(path, "must be a JSON object")]
    size = _size_problem(len(value), t.min_length, t.max_length, "entries")
    errors = [FieldError(path, size[0], **size[1])] if size else []
    for key, item in value.items():
        where = join(path, key)
        key_problem = _scalar_problem(key, _unwrap(t.key_type), literals)
        if key_problem is not None:
            errors.append(FieldError(where, "is not an accepted key: " + key_problem[0]))
        errors += _errors(item, t.value_type, where, literals)
    return errors


def _array_errors(
    value: Any, t: mi.CollectionType, path: str, literals: list[tuple[Any, ...]]
) -> list[FieldError]:
    if not isinstance(value, list):
        return [FieldError(path, "must be an array")]
    size = _size_problem(len(value), t.min_length, t.max_length, "items")
    errors = [FieldError(path, size[0], **size[1])] if size else []
    for i, item in enumerate(value):
        errors += _errors(item, t.item_type, f"{path}[{i}]", literals)
    return errors


def _unwrap(t: mi.Type) -> mi.Type:
    return t.type if isinstance(t, mi.Metadata) else t


Bounds = dict[str, Any]


def _size_problem(
    size: int, least: int | None, most: int | None, unit: str
) -> tuple[str, Bounds] | None:
    bounds = {"min_length": least, "max_length": most}
    if least is not None and size < least:
        return f"must have at least {least} {unit}", bounds
    if most is not None and size > most:
        return f"must have at most {most} {unit}", bounds
    return None


# The types msgspec reads from a JSON string (a decimal also from a number), each checked by
# msgspec itself.
_PARSED: list[tuple[type[mi.Type], Any, str]] = [
    (mi.UUIDType, UUID, "must be a UUID"),
    (mi.DecimalType, Decimal, 'must be a decimal number, e.g. "99.00"'),
    (mi.DateType, date, "must be a date (YYYY-MM-DD)"),
    (mi.TimeDeltaType, timedelta, "must be a duration"),
]


def _scalar_problem(
    value: Any, t: mi.Type, literals: list[tuple[Any, ...]]
) -> tuple[str, Bounds] | None:
    """(message, bounds) when `value` is not of the scalar type `t`, else None."""
    if isinstance(t, mi.StrType):
        return _text_problem(value, t)
    if isinstance(t, mi.BoolType):
        return None if isinstance(value, bool) else ("must be true or false", {})
    if isinstance(t, mi.IntType | mi.FloatType):
        return _number_problem(value, t)
    if isinstance(t, mi.LiteralType | mi.EnumType):
        allowed = _allowed(t, literals)
        if any(value == a and type(value) is type(a) for a in allowed):
            return None
        return "must be one of: " + ", ".join(map(str, allowed)), {"allowed": allowed}
    if isinstance(t, mi.DateTimeType | mi.TimeType):
        return _time_problem(value, t)
    if isinstance(t, mi.NoneType):
        return None if value is None else ("must be null", {})
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(t, mi.DecimalType) and is_number:
        return None
    for kind, python_type, message in _PARSED:
        if isinstance(t, kind):
            return None if _converts(value, python_type) else (message, {})
    return None  # what is not described here is left to msgspec's own message


def _text_problem(value: Any, t: mi.StrType) -> tuple[str, Bounds] | None:
    bounds: Bounds = {"min_length": t.min_length, "max_length": t.max_length}
    if not isinstance(value, str):
        return "must be a string", bounds
    if t.min_length is not None and len(value) < t.min_length:
        if t.min_length == 1:
            return "must not be empty", bounds
        return f"must be at least {t.min_length} characters", bounds
    if t.max_length is not None and len(value) > t.max_length:
        return f"must be at most {t.max_length} characters", bounds
    if t.pattern is not None and not re.search(t.pattern, value):
        return f"must match the pattern {t.pattern}", {"pattern": t.pattern}
    return None


def _number_problem(value: Any, t: mi.IntType | mi.FloatType) -> tuple[str, Bounds] | None:
    integer = isinstance(t, mi.IntType)
    if isinstance(value, bool) or not isinstance(value, int if integer else int | float):
        return ("must be an integer" if integer else "must be a number"), {}
    least = t.ge if t.ge is not None else (t.gt + 1 if integer and t.gt is not None else None)
    most = t.le if t.le is not None else (t.lt - 1 if integer and t.lt is not None else None)
    bounds = {"minimum": least, "maximum": most}
    too_small = (least is not None and value < least) or (t.gt is not None and value <= t.gt)
    too_large = (most is not None and value > most) or (t.lt is not None and value >= t.lt)
    if too_small or too_large:
        return "must be " + _range_words(least, most, t.gt, t.lt), bounds
    if t.multiple_of is not None and value % t.multiple_of:
        return f"must be a multiple of {t.multiple_of}", {}
    return None


def _range_words(
    least: float | None, most: float | None, above: float | None, below: float | None
) -> str:
    """`from 1 to 4`, `at least 0`, `greater than 0 and at most 9`... (empty: unbounded)."""
    if least is not None and most is not None:
        return f"from {least} to {most}"
    low = f"at least {least}" if least is not None else None
    if low is None and above is not None:
        low = f"greater than {above}"
    high = f"at most {most}" if most is not None else None
    if high is None and below is not None:
        high = f"less than {below}"
    return " and ".join(w for w in (low, high) if w)


_TIMES: dict[tuple[bool, bool | None], Any] = {
    (True, None): datetime,
    (True, True): Annotated[datetime, msgspec.Meta(tz=True)],
    (True, False): Annotated[datetime, msgspec.Meta(tz=False)],
    (False, None): time,
    (False, True): Annotated[time, msgspec.Meta(tz=True)],
    (False, False): Annotated[time, msgspec.Meta(tz=False)],
}


def _time_problem(value: Any, t: mi.DateTimeType | mi.TimeType) -> tuple[str, Bounds] | None:
    is_datetime = isinstance(t, mi.DateTimeType)
    what = "an RFC 3339 date-time" if is_datetime else "a time"
    if not _converts(value, _TIMES[is_datetime, None]):
        return f"must be {what}", {}
    if not _converts(value, _TIMES[is_datetime, t.tz]):
        zone = "with a time zone offset or Z" if t.tz else "without a time zone"
        return f"must be {what} {zone}", {}
    return None


def _converts(value: Any, kind: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        msgspec.convert(value, kind)
    except msgspec.ValidationError:
        return False
    return True


def _allowed(t: mi.LiteralType | mi.EnumType, literals: list[tuple[Any, ...]]) -> list[Any]:
    if isinstance(t, mi.EnumType):
        return [member.value for member in t.cls]
    values = [v for v in t.values if v is not None]
    for declared in literals:
        if sorted(map(repr, declared)) == sorted(map(repr, t.values)):
            return [v for v in declared if v is not None]
    return values


def _same_kind(value: Any, t: mi.Type) -> bool:
    """Whether `value` has the JSON kind `t` is read from (a string for a UUID, say)."""
    t = _unwrap(t)
    if isinstance(t, mi.BoolType):
        return isinstance(value, bool)
    if isinstance(t, mi.IntType | mi.FloatType):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(t, mi.StructType | mi.DictType):
        return isinstance(value, dict)
    if isinstance(t, mi.CollectionType | mi.TupleType):
        return isinstance(value, list)
    if isinstance(t, mi.LiteralType | mi.EnumType):
        return True
    return isinstance(value, str)


def _noun(t: mi.Type, literals: list[tuple[Any, ...]]) -> str:
    t = _unwrap(t)
    nouns: list[tuple[type[mi.Type] | tuple[type[mi.Type], ...], str]] = [
        (mi.NoneType, "null"),
        (mi.BoolType, "true or false"),
        (mi.IntType, "an integer"),
        (mi.FloatType, "a number"),
        (mi.StrType, "a string"),
        (mi.UUIDType, "a UUID"),
        (mi.DateTimeType, "an RFC 3339 date-time"),
        (mi.DecimalType, "a decimal number"),
        ((mi.StructType, mi.DictType), "a JSON object"),
        ((mi.CollectionType, mi.TupleType), "an array"),
    ]
    if isinstance(t, mi.LiteralType | mi.EnumType):
        return "one of " + ", ".join(map(str, _allowed(t, literals)))
    return next((noun for kind, noun in nouns if isinstance(t, kind)), "a valid value")


def _either(nouns: list[str]) -> str:
    return nouns[0] if len(nouns) == 1 else ", ".join(nouns[:-1]) + " or " + nouns[-1]


# --- query strings ---------------------------------------------------------------------------


def query_errors(
    query: Mapping[str, str], declared: Iterable[tuple[str, Mapping[str, Any]]]
) -> list[FieldError]:
    """The unknown parameters of `query` and the values that do not fit their declared
    JSON Schema (`declared`: name and schema). An empty value is an absent one, except for
    integers, which must be given when named."""
    schemas = dict(declared)
    known: list[Allowed] = list(schemas)
    errors: list[FieldError] = []
    for name in dict.fromkeys(query):
        where = "query." + name
        schema = schemas.get(name)
        if schema is None:
            errors.append(
                FieldError(
                    where,
                    "is not a parameter of this request",
                    allowed=known or None,
                )
            )
            continue
        problem = _query_value_problem(query[name], schema)
        if problem is not None:
            errors.append(FieldError(where, problem[0], **problem[1]))
    return errors


def _query_value_problem(raw: str, schema: Mapping[str, Any]) -> tuple[str, Bounds] | None:
    kind = schema.get("type", "string")
    if kind == "integer":
        least, most = schema.get("minimum"), schema.get("maximum")
        words = _range_words(least, most, None, None)
        message = "must be an integer" + (" " + words if words else "")
        bounds = {"minimum": least, "maximum": most}
        if not _INTEGER.fullmatch(raw):
            return message, bounds
        number = int(raw)
        if (least is not None and number < least) or (most is not None and number > most):
            return message, bounds
        return None
    if raw == "":
        return None
    if kind == "boolean":
        return None if raw in _BOOLEANS else ("must be true or false", {"allowed": list(_BOOLEANS)})
    if "enum" in schema:
        allowed = list(schema["enum"])
        if raw in allowed:
            return None
        return "must be one of: " + ", ".join(allowed), {"allowed": allowed}
    fmt = schema.get("format")
    if fmt == "uuid":
        try:
            UUID(raw)
        except ValueError:
            return "must be a UUID", {}
    if fmt == "date-time":
        try:
            datetime.fromisoformat(raw)
        except ValueError:
            return "must be an ISO 8601 date or date-time", {}
    most = schema.get("maxLength")
    if most is not None and len(raw) > most:
        return f"must be at most {most} characters", {"max_length": most}
    return None

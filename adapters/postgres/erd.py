"""A mermaid erDiagram of the schema, generated from the one metadata."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from adapters.postgres.tables import metadata

_TYPES: list[tuple[type, str]] = [
    (postgresql.UUID, "uuid"),
    (postgresql.JSONB, "jsonb"),
    (sa.Boolean, "boolean"),
    (sa.Integer, "integer"),
    (sa.Numeric, "numeric"),
    (sa.DateTime, "timestamptz"),
    (sa.Text, "text"),
    (sa.String, "varchar"),
]


def _type_name(column: sa.Column[object]) -> str:
    for kind, name in _TYPES:
        if isinstance(column.type, kind):
            return name
    return column.type.__class__.__name__.lower()


def _unique_columns(table: sa.Table) -> set[str]:
    single = set()
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint) and len(constraint.columns) == 1:
            single.add(next(iter(constraint.columns)).name)
    for index in table.indexes:
        if index.unique and len(index.expressions) == 1:
            expression = index.expressions[0]
            for column in table.columns:
                if column.name in str(expression):
                    single.add(column.name)
    return single


def render_erd(meta: sa.MetaData = metadata) -> str:
    tables = sorted(meta.tables.values(), key=lambda t: t.name)
    lines = [
        "# Entity-relationship diagram",
        "",
        "Generated from `adapters/postgres/tables.py` by `voice-agent erd`; do not edit by hand",
        "(a test fails when this file is stale).",
        "",
        "```mermaid",
        "erDiagram",
    ]
    relations = []
    for table in tables:
        for fk in sorted(table.foreign_key_constraints, key=lambda c: [c.name or ""]):
            parent = fk.referred_table.name.upper()
            nullable = any(c.nullable for c in fk.columns)
            left = "|o" if nullable else "||"
            label = ", ".join(c.name for c in fk.columns)
            relations.append(f'    {parent} {left}--o{{ {table.name.upper()} : "{label}"')
    lines += sorted(set(relations))
    for table in tables:
        unique = _unique_columns(table)
        fks = {c.name for fk in table.foreign_key_constraints for c in fk.columns}
        lines.append(f"    {table.name.upper()} {{")
        for column in table.columns:
            keys = [
                k
                for k, on in (
                    ("PK", column.primary_key),
                    ("FK", column.name in fks),
                    ("UK", column.name in unique),
                )
                if on
            ]
            suffix = f" {','.join(keys)}" if keys else ""
            lines.append(f"        {_type_name(column)} {column.name}{suffix}")
        lines.append("    }")
    lines += ["```", ""]
    return "\n".join(lines)

from pathlib import Path

from adapters.postgres.erd import render_erd
from adapters.postgres.tables import metadata

ERD = Path(__file__).resolve().parents[2] / "docs" / "erd.md"


def test_docs_erd_is_generated_from_the_current_schema():
    assert ERD.read_text() == render_erd(), "docs/erd.md is stale: run `make erd`"


def test_the_diagram_names_every_table_and_foreign_key():
    text = render_erd()
    for table in metadata.tables.values():
        assert f"    {table.name.upper()} {{" in text
        for fk in table.foreign_key_constraints:
            assert f"{fk.referred_table.name.upper()} " in text
            assert f"--o{{ {table.name.upper()} :" in text

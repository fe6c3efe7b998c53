from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="LeadImportData")


@_attrs_define
class LeadImportData:
    """An import's figures, as its report gave them.

    Attributes:
        import_id (UUID):
        rows (int):
        created (int):
        updated (int):
        failed (int):
    """

    import_id: UUID
    rows: int
    created: int
    updated: int
    failed: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        import_id = str(self.import_id)

        rows = self.rows

        created = self.created

        updated = self.updated

        failed = self.failed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "import_id": import_id,
                "rows": rows,
                "created": created,
                "updated": updated,
                "failed": failed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        import_id = UUID(d.pop("import_id"))

        rows = d.pop("rows")

        created = d.pop("created")

        updated = d.pop("updated")

        failed = d.pop("failed")

        lead_import_data = cls(
            import_id=import_id,
            rows=rows,
            created=created,
            updated=updated,
            failed=failed,
        )

        lead_import_data.additional_properties = d
        return lead_import_data

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties

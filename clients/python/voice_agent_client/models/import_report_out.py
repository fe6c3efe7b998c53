from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.import_report_out_object import ImportReportOutObject, check_import_report_out_object

if TYPE_CHECKING:
    from ..models.row_error_out import RowErrorOut


T = TypeVar("T", bound="ImportReportOut")


@_attrs_define
class ImportReportOut:
    """What a CSV import did: counts by outcome and the first errors. Not stored: the
    answer to the import is the only copy (its id is in the audit trail).

    Attributes:
        object_ (ImportReportOutObject):
        id (UUID): The import's id, as the audit trail names it.
        rows (int): Rows read, the header left out.
        created (int): Leads added.
        updated (int): Known leads changed by a row.
        unchanged (int): Known leads a row left as they were.
        duplicates (int): Rows repeating an earlier number of the file (merged into its lead).
        failed (int): Rows refused.
        errors (list[RowErrorOut]): The first 1000 refused rows; `failed` counts them all.
    """

    object_: ImportReportOutObject
    id: UUID
    rows: int
    created: int
    updated: int
    unchanged: int
    duplicates: int
    failed: int
    errors: list[RowErrorOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        rows = self.rows

        created = self.created

        updated = self.updated

        unchanged = self.unchanged

        duplicates = self.duplicates

        failed = self.failed

        errors = []
        for errors_item_data in self.errors:
            errors_item = errors_item_data.to_dict()
            errors.append(errors_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "rows": rows,
                "created": created,
                "updated": updated,
                "unchanged": unchanged,
                "duplicates": duplicates,
                "failed": failed,
                "errors": errors,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.row_error_out import RowErrorOut  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_import_report_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        rows = d.pop("rows")

        created = d.pop("created")

        updated = d.pop("updated")

        unchanged = d.pop("unchanged")

        duplicates = d.pop("duplicates")

        failed = d.pop("failed")

        errors = []
        _errors = d.pop("errors")
        for errors_item_data in _errors:
            errors_item = RowErrorOut.from_dict(errors_item_data)

            errors.append(errors_item)

        import_report_out = cls(
            object_=object_,
            id=id,
            rows=rows,
            created=created,
            updated=updated,
            unchanged=unchanged,
            duplicates=duplicates,
            failed=failed,
            errors=errors,
        )

        import_report_out.additional_properties = d
        return import_report_out

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

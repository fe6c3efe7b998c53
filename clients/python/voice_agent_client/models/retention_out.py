from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.retention_out_object import RetentionOutObject, check_retention_out_object

if TYPE_CHECKING:
    from ..models.retention_choice_out import RetentionChoiceOut
    from ..models.retention_periods import RetentionPeriods


T = TypeVar("T", bound="RetentionOut")


@_attrs_define
class RetentionOut:
    """How long the tenant keeps its calls' content: `effective` is what the purge applies
    (the tenant's choice within its plan), `chosen` what the tenant set, `plan` the most its
    plan allows. Outcome, cost, duration and usage are kept whatever is chosen.

    Attributes:
        object_ (RetentionOutObject):
        tenant_id (UUID): The tenant it belongs to.
        effective (RetentionPeriods): What is kept, and for how long.
        chosen (RetentionChoiceOut): What the tenant chose; null for each: as its plan allows.
        plan (RetentionPeriods): What is kept, and for how long.
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
    """

    object_: RetentionOutObject
    tenant_id: UUID
    effective: RetentionPeriods
    chosen: RetentionChoiceOut
    plan: RetentionPeriods
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        tenant_id = str(self.tenant_id)

        effective = self.effective.to_dict()

        chosen = self.chosen.to_dict()

        plan = self.plan.to_dict()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "tenant_id": tenant_id,
                "effective": effective,
                "chosen": chosen,
                "plan": plan,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.retention_choice_out import RetentionChoiceOut  # noqa: PLC0415
        from ..models.retention_periods import RetentionPeriods  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_retention_out_object(d.pop("object"))

        tenant_id = UUID(d.pop("tenant_id"))

        effective = RetentionPeriods.from_dict(d.pop("effective"))

        chosen = RetentionChoiceOut.from_dict(d.pop("chosen"))

        plan = RetentionPeriods.from_dict(d.pop("plan"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        retention_out = cls(
            object_=object_,
            tenant_id=tenant_id,
            effective=effective,
            chosen=chosen,
            plan=plan,
            updated_at=updated_at,
        )

        retention_out.additional_properties = d
        return retention_out

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

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.call_usage_out_object import CallUsageOutObject, check_call_usage_out_object

if TYPE_CHECKING:
    from ..models.usage_out import UsageOut


T = TypeVar("T", bound="CallUsageOut")


@_attrs_define
class CallUsageOut:
    """The call's AI usage: one row per cost item of its report.

    Attributes:
        object_ (CallUsageOutObject):
        call_id (UUID): The call's id.
        items (list[UsageOut]): Every usage row of the call (no pages).
        total_cost (str): What the rows add up to, US dollars (a decimal string, six places or more).
    """

    object_: CallUsageOutObject
    call_id: UUID
    items: list[UsageOut]
    total_cost: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        call_id = str(self.call_id)

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        total_cost = self.total_cost

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "call_id": call_id,
                "items": items,
                "total_cost": total_cost,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_out import UsageOut  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_call_usage_out_object(d.pop("object"))

        call_id = UUID(d.pop("call_id"))

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = UsageOut.from_dict(items_item_data)

            items.append(items_item)

        total_cost = d.pop("total_cost")

        call_usage_out = cls(
            object_=object_,
            call_id=call_id,
            items=items,
            total_cost=total_cost,
        )

        call_usage_out.additional_properties = d
        return call_usage_out

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

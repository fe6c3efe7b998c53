from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.plan_feature_out_feature_type import PlanFeatureOutFeatureType, check_plan_feature_out_feature_type
from ..models.plan_feature_out_object import PlanFeatureOutObject, check_plan_feature_out_object

T = TypeVar("T", bound="PlanFeatureOut")


@_attrs_define
class PlanFeatureOut:
    """The value a plan gives one feature.

    Attributes:
        object_ (PlanFeatureOutObject):
        plan_id (UUID): The plan.
        feature_key (str): The feature's key.
        name (str): The feature's display name.
        feature_type (PlanFeatureOutFeatureType): boolean: on or off; limit: a count (null: unlimited); addon: on, off
            or a quantity.
        value (bool | int | None): true/false for a boolean; a count for a limit (null: unlimited); true, false or a
            quantity for an add-on.
    """

    object_: PlanFeatureOutObject
    plan_id: UUID
    feature_key: str
    name: str
    feature_type: PlanFeatureOutFeatureType
    value: bool | int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        plan_id = str(self.plan_id)

        feature_key = self.feature_key

        name = self.name

        feature_type: str = self.feature_type

        value: bool | int | None
        value = self.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "plan_id": plan_id,
                "feature_key": feature_key,
                "name": name,
                "feature_type": feature_type,
                "value": value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_plan_feature_out_object(d.pop("object"))

        plan_id = UUID(d.pop("plan_id"))

        feature_key = d.pop("feature_key")

        name = d.pop("name")

        feature_type = check_plan_feature_out_feature_type(d.pop("feature_type"))

        def _parse_value(data: object) -> bool | int | None:
            if data is None:
                return data
            return cast(bool | int | None, data)

        value = _parse_value(d.pop("value"))

        plan_feature_out = cls(
            object_=object_,
            plan_id=plan_id,
            feature_key=feature_key,
            name=name,
            feature_type=feature_type,
            value=value,
        )

        plan_feature_out.additional_properties = d
        return plan_feature_out

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

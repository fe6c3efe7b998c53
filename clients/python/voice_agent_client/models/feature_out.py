from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.feature_out_feature_type import FeatureOutFeatureType, check_feature_out_feature_type
from ..models.feature_out_object import FeatureOutObject, check_feature_out_object

T = TypeVar("T", bound="FeatureOut")


@_attrs_define
class FeatureOut:
    """A feature of the catalogue: something a plan or an override grants.

    Attributes:
        object_ (FeatureOutObject):
        id (UUID): The feature's id.
        feature_key (str): The feature's key.
        name (str): The feature's display name.
        description (None | str): What it grants.
        feature_type (FeatureOutFeatureType): boolean: on or off; limit: a count (null: unlimited); addon: on, off or a
            quantity.
        default_value (bool | int | None): The value where neither plan nor override gives one.
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
    """

    object_: FeatureOutObject
    id: UUID
    feature_key: str
    name: str
    description: None | str
    feature_type: FeatureOutFeatureType
    default_value: bool | int | None
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        feature_key = self.feature_key

        name = self.name

        description: None | str
        description = self.description

        feature_type: str = self.feature_type

        default_value: bool | int | None
        default_value = self.default_value

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "feature_key": feature_key,
                "name": name,
                "description": description,
                "feature_type": feature_type,
                "default_value": default_value,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_feature_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        feature_key = d.pop("feature_key")

        name = d.pop("name")

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        feature_type = check_feature_out_feature_type(d.pop("feature_type"))

        def _parse_default_value(data: object) -> bool | int | None:
            if data is None:
                return data
            return cast(bool | int | None, data)

        default_value = _parse_default_value(d.pop("default_value"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        feature_out = cls(
            object_=object_,
            id=id,
            feature_key=feature_key,
            name=name,
            description=description,
            feature_type=feature_type,
            default_value=default_value,
            created_at=created_at,
        )

        feature_out.additional_properties = d
        return feature_out

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

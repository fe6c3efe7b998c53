from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.create_feature_in_feature_type import CreateFeatureInFeatureType, check_create_feature_in_feature_type
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateFeatureIn")


@_attrs_define
class CreateFeatureIn:
    """A new feature in the catalogue (platform admins).

    Attributes:
        feature_key (str): The feature's key.
        name (str): Display name.
        feature_type (CreateFeatureInFeatureType): boolean: on or off; limit: a count (null: unlimited); addon: on, off
            or a quantity.
        default_value (bool | int | None | Unset): The value where neither plan nor override gives one. Omitted: off
            (false, or a limit of 0).
        description (None | str | Unset):
    """

    feature_key: str
    name: str
    feature_type: CreateFeatureInFeatureType
    default_value: bool | int | None | Unset = UNSET
    description: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        feature_key = self.feature_key

        name = self.name

        feature_type: str = self.feature_type

        default_value: bool | int | None | Unset
        if isinstance(self.default_value, Unset):
            default_value = UNSET
        else:
            default_value = self.default_value

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "feature_key": feature_key,
                "name": name,
                "feature_type": feature_type,
            }
        )
        if default_value is not UNSET:
            field_dict["default_value"] = default_value
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        feature_key = d.pop("feature_key")

        name = d.pop("name")

        feature_type = check_create_feature_in_feature_type(d.pop("feature_type"))

        def _parse_default_value(data: object) -> bool | int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | int | None | Unset, data)

        default_value = _parse_default_value(d.pop("default_value", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        create_feature_in = cls(
            feature_key=feature_key,
            name=name,
            feature_type=feature_type,
            default_value=default_value,
            description=description,
        )

        return create_feature_in

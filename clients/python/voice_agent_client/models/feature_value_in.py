from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="FeatureValueIn")


@_attrs_define
class FeatureValueIn:
    """The value a plan gives a feature.

    Attributes:
        value (bool | int | None): true/false for a boolean; a count for a limit (null: unlimited); true, false or a
            quantity for an add-on.
    """

    value: bool | int | None

    def to_dict(self) -> dict[str, Any]:
        value: bool | int | None
        value = self.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "value": value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_value(data: object) -> bool | int | None:
            if data is None:
                return data
            return cast(bool | int | None, data)

        value = _parse_value(d.pop("value"))

        feature_value_in = cls(
            value=value,
        )

        return feature_value_in

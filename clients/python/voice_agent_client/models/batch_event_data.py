from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_out import BatchOut


T = TypeVar("T", bound="BatchEventData")


@_attrs_define
class BatchEventData:
    """What a batch event carries.

    Attributes:
        object_ (BatchOut | None): The batch as it stands when the delivery is made.
        pause_reason (None | str | Unset): batch.paused: why (requested, minutes_exhausted, …).
    """

    object_: BatchOut | None
    pause_reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.batch_out import BatchOut  # noqa: PLC0415

        object_: dict[str, Any] | None
        if isinstance(self.object_, BatchOut):
            object_ = self.object_.to_dict()
        else:
            object_ = self.object_

        pause_reason: None | str | Unset
        if isinstance(self.pause_reason, Unset):
            pause_reason = UNSET
        else:
            pause_reason = self.pause_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
            }
        )
        if pause_reason is not UNSET:
            field_dict["pause_reason"] = pause_reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_out import BatchOut  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_object_(data: object) -> BatchOut | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                object_type_0 = BatchOut.from_dict(data)

                return object_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BatchOut | None, data)

        object_ = _parse_object_(d.pop("object"))

        def _parse_pause_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pause_reason = _parse_pause_reason(d.pop("pause_reason", UNSET))

        batch_event_data = cls(
            object_=object_,
            pause_reason=pause_reason,
        )

        batch_event_data.additional_properties = d
        return batch_event_data

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

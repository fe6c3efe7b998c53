from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.call_out import CallOut


T = TypeVar("T", bound="CallEventData")


@_attrs_define
class CallEventData:
    """What a call event carries.

    Attributes:
        object_ (CallOut | None): The call as it stands when the delivery is made (as `GET …/calls/{id}` shows it): a
            late delivery carries the newest state, and the event's `type` says which step this event announces. null if the
            call is gone.
    """

    object_: CallOut | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.call_out import CallOut  # noqa: PLC0415

        object_: dict[str, Any] | None
        if isinstance(self.object_, CallOut):
            object_ = self.object_.to_dict()
        else:
            object_ = self.object_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.call_out import CallOut  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_object_(data: object) -> CallOut | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                object_type_0 = CallOut.from_dict(data)

                return object_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CallOut | None, data)

        object_ = _parse_object_(d.pop("object"))

        call_event_data = cls(
            object_=object_,
        )

        call_event_data.additional_properties = d
        return call_event_data

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

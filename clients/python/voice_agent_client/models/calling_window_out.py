from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CallingWindowOut")


@_attrs_define
class CallingWindowOut:
    """The local hours leads are called in, on each lead's own clock (its zone, else its
    number's, else the batch's).

    Attributes:
        days (list[int]): The days the window opens, ISO weekdays: 1 (Monday) to 7 (Sunday).
        start (str): When the window opens (local time).
        end (str): When it closes (local time); at or before `start`, the window runs past midnight into the next day,
            and 00:00 closes at midnight.
    """

    days: list[int]
    start: str
    end: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        days = self.days

        start = self.start

        end = self.end

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "days": days,
                "start": start,
                "end": end,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        days = cast(list[int], d.pop("days"))

        start = d.pop("start")

        end = d.pop("end")

        calling_window_out = cls(
            days=days,
            start=start,
            end=end,
        )

        calling_window_out.additional_properties = d
        return calling_window_out

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

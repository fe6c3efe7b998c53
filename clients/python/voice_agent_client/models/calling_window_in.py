from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="CallingWindowIn")


@_attrs_define
class CallingWindowIn:
    """The local hours leads may be called in, read on each lead's own clock.

    Attributes:
        days (list[int]): The days the window opens, ISO weekdays: 1 (Monday) to 7 (Sunday).
        start (str): When the window opens (local time).
        end (str): When it closes (local time); at or before `start`, the window runs past midnight into the next day,
            and 00:00 closes at midnight.
    """

    days: list[int]
    start: str
    end: str

    def to_dict(self) -> dict[str, Any]:
        days = self.days

        start = self.start

        end = self.end

        field_dict: dict[str, Any] = {}

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

        calling_window_in = cls(
            days=days,
            start=start,
            end=end,
        )

        return calling_window_in

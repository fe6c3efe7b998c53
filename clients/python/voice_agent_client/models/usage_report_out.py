from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.usage_grouping import UsageGrouping, check_usage_grouping
from ..models.usage_period import UsagePeriod, check_usage_period
from ..models.usage_report_out_object import UsageReportOutObject, check_usage_report_out_object

if TYPE_CHECKING:
    from ..models.usage_row_out import UsageRowOut


T = TypeVar("T", bound="UsageReportOut")


@_attrs_define
class UsageReportOut:
    """Calls, minutes and cost by period, from the AI usage rows, with the window's totals.

    Attributes:
        object_ (UsageReportOutObject):
        start (datetime.datetime): The window's start, inclusive.
        end (datetime.datetime): The window's end, exclusive.
        period (UsagePeriod): The calendar period a usage report sums by, in UTC.
        by (None | UsageGrouping): agent or batch; null: not grouped.
        rows (list[UsageRowOut]): One per period (and agent or batch).
        calls (int): Calls that ended in the period.
        seconds (int): Their seconds on the line.
        minutes (str): The same in minutes, to the hundredth (a decimal string).
        cost (str): US dollars: a decimal string with six decimal places or more.
    """

    object_: UsageReportOutObject
    start: datetime.datetime
    end: datetime.datetime
    period: UsagePeriod
    by: None | UsageGrouping
    rows: list[UsageRowOut]
    calls: int
    seconds: int
    minutes: str
    cost: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        start = self.start.isoformat()

        end = self.end.isoformat()

        period: str = self.period

        by: None | str
        if isinstance(self.by, str):
            by = self.by
        else:
            by = self.by

        rows = []
        for rows_item_data in self.rows:
            rows_item = rows_item_data.to_dict()
            rows.append(rows_item)

        calls = self.calls

        seconds = self.seconds

        minutes = self.minutes

        cost = self.cost

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "start": start,
                "end": end,
                "period": period,
                "by": by,
                "rows": rows,
                "calls": calls,
                "seconds": seconds,
                "minutes": minutes,
                "cost": cost,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_row_out import UsageRowOut  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_usage_report_out_object(d.pop("object"))

        start = datetime.datetime.fromisoformat(d.pop("start"))

        end = datetime.datetime.fromisoformat(d.pop("end"))

        period = check_usage_period(d.pop("period"))

        def _parse_by(data: object) -> None | UsageGrouping:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                by_type_0 = check_usage_grouping(data)

                return by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UsageGrouping, data)

        by = _parse_by(d.pop("by"))

        rows = []
        _rows = d.pop("rows")
        for rows_item_data in _rows:
            rows_item = UsageRowOut.from_dict(rows_item_data)

            rows.append(rows_item)

        calls = d.pop("calls")

        seconds = d.pop("seconds")

        minutes = d.pop("minutes")

        cost = d.pop("cost")

        usage_report_out = cls(
            object_=object_,
            start=start,
            end=end,
            period=period,
            by=by,
            rows=rows,
            calls=calls,
            seconds=seconds,
            minutes=minutes,
            cost=cost,
        )

        usage_report_out.additional_properties = d
        return usage_report_out

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

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UsageRowOut")


@_attrs_define
class UsageRowOut:
    """One period (and agent or batch, when grouped by one) of the usage report.

    Attributes:
        period_start (datetime.datetime): Where the day or month begins (UTC, RFC 3339).
        agent_id (None | UUID): The agent (with `by=agent`); otherwise null.
        batch_id (None | UUID): The batch (with `by=batch`); otherwise null.
        calls (int): Calls that ended in the period.
        seconds (int): Their seconds on the line.
        minutes (str): The same in minutes, to the hundredth (a decimal string).
        cost (str): US dollars: a decimal string with six decimal places or more.
    """

    period_start: datetime.datetime
    agent_id: None | UUID
    batch_id: None | UUID
    calls: int
    seconds: int
    minutes: str
    cost: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        period_start = self.period_start.isoformat()

        agent_id: None | str
        if isinstance(self.agent_id, UUID):
            agent_id = str(self.agent_id)
        else:
            agent_id = self.agent_id

        batch_id: None | str
        if isinstance(self.batch_id, UUID):
            batch_id = str(self.batch_id)
        else:
            batch_id = self.batch_id

        calls = self.calls

        seconds = self.seconds

        minutes = self.minutes

        cost = self.cost

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "period_start": period_start,
                "agent_id": agent_id,
                "batch_id": batch_id,
                "calls": calls,
                "seconds": seconds,
                "minutes": minutes,
                "cost": cost,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        period_start = datetime.datetime.fromisoformat(d.pop("period_start"))

        def _parse_agent_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                agent_id_type_0 = UUID(data)

                return agent_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        agent_id = _parse_agent_id(d.pop("agent_id"))

        def _parse_batch_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                batch_id_type_0 = UUID(data)

                return batch_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        batch_id = _parse_batch_id(d.pop("batch_id"))

        calls = d.pop("calls")

        seconds = d.pop("seconds")

        minutes = d.pop("minutes")

        cost = d.pop("cost")

        usage_row_out = cls(
            period_start=period_start,
            agent_id=agent_id,
            batch_id=batch_id,
            calls=calls,
            seconds=seconds,
            minutes=minutes,
            cost=cost,
        )

        usage_row_out.additional_properties = d
        return usage_row_out

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

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ReplayIn")


@_attrs_define
class ReplayIn:
    """Which events to send the endpoint again.

    Attributes:
        since (datetime.datetime): Every event that occurred at or after this time, of a type the endpoint wants, is
            delivered to it again (at most 10,000, the oldest first), with its own id.
    """

    since: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        since = self.since.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "since": since,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        since = datetime.datetime.fromisoformat(d.pop("since"))

        replay_in = cls(
            since=since,
        )

        return replay_in

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.replay_out_object import ReplayOutObject, check_replay_out_object

T = TypeVar("T", bound="ReplayOut")


@_attrs_define
class ReplayOut:
    """What a replay queued.

    Attributes:
        object_ (ReplayOutObject):
        endpoint_id (UUID):
        since (datetime.datetime):
        deliveries (int): New deliveries, due at once.
    """

    object_: ReplayOutObject
    endpoint_id: UUID
    since: datetime.datetime
    deliveries: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        endpoint_id = str(self.endpoint_id)

        since = self.since.isoformat()

        deliveries = self.deliveries

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "endpoint_id": endpoint_id,
                "since": since,
                "deliveries": deliveries,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_replay_out_object(d.pop("object"))

        endpoint_id = UUID(d.pop("endpoint_id"))

        since = datetime.datetime.fromisoformat(d.pop("since"))

        deliveries = d.pop("deliveries")

        replay_out = cls(
            object_=object_,
            endpoint_id=endpoint_id,
            since=since,
            deliveries=deliveries,
        )

        replay_out.additional_properties = d
        return replay_out

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

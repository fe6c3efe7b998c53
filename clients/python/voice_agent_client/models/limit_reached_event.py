from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_type import EventType, check_event_type

if TYPE_CHECKING:
    from ..models.limit_reached_data import LimitReachedData


T = TypeVar("T", bound="LimitReachedEvent")


@_attrs_define
class LimitReachedEvent:
    """A change brought a counted limit of the tenant's plan (agents, numbers, members,
    webhook endpoints) to its limit: the next one will be refused.

    Attributes:
        id (UUID): The event's id, also sent as the `webhook-id` header: the same for every attempt, retry and replay of
            this event. Deduplicate on it.
        type_ (EventType): What a tenant's endpoint may ask to receive.
        timestamp (datetime.datetime): When it happened (the `webhook-timestamp` header is when sent).
        tenant_id (UUID): The tenant it belongs to.
        data (LimitReachedData): The limit reached and the usage that reached it.
    """

    id: UUID
    type_: EventType
    timestamp: datetime.datetime
    tenant_id: UUID
    data: LimitReachedData
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        type_: str = self.type_

        timestamp = self.timestamp.isoformat()

        tenant_id = str(self.tenant_id)

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "type": type_,
                "timestamp": timestamp,
                "tenant_id": tenant_id,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.limit_reached_data import LimitReachedData  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        type_ = check_event_type(d.pop("type"))

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        tenant_id = UUID(d.pop("tenant_id"))

        data = LimitReachedData.from_dict(d.pop("data"))

        limit_reached_event = cls(
            id=id,
            type_=type_,
            timestamp=timestamp,
            tenant_id=tenant_id,
            data=data,
        )

        limit_reached_event.additional_properties = d
        return limit_reached_event

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

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.delivery_status import DeliveryStatus, check_delivery_status
from ..models.delivery_with_attempts_out_object import (
    DeliveryWithAttemptsOutObject,
    check_delivery_with_attempts_out_object,
)
from ..models.event_type import EventType, check_event_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.delivery_attempt_out import DeliveryAttemptOut


T = TypeVar("T", bound="DeliveryWithAttemptsOut")


@_attrs_define
class DeliveryWithAttemptsOut:
    """A delivery with every attempt made for it, oldest first.

    Attributes:
        object_ (DeliveryWithAttemptsOutObject):
        id (UUID): The delivery's id.
        tenant_id (UUID): The tenant it belongs to.
        endpoint_id (UUID):
        event_id (UUID): The event's id: the `webhook-id` header of every attempt, the same for retries and replays, for
            the receiver to deduplicate.
        event_type (EventType): What a tenant's endpoint may ask to receive.
        status (DeliveryStatus): Where a delivery stands: waiting for its next attempt, taken by the receiver (2xx), or
                given up (every retry used, or the endpoint disabled).
        attempts (int): Requests made so far.
        next_attempt_at (datetime.datetime | None):
        last_attempt_at (datetime.datetime | None):
        last_status_code (int | None):
        last_error (None | str): Why the last attempt failed.
        delivered_at (datetime.datetime | None):
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        attempt_log (list[DeliveryAttemptOut] | Unset):
    """

    object_: DeliveryWithAttemptsOutObject
    id: UUID
    tenant_id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime.datetime | None
    last_attempt_at: datetime.datetime | None
    last_status_code: int | None
    last_error: None | str
    delivered_at: datetime.datetime | None
    created_at: datetime.datetime
    attempt_log: list[DeliveryAttemptOut] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        tenant_id = str(self.tenant_id)

        endpoint_id = str(self.endpoint_id)

        event_id = str(self.event_id)

        event_type: str = self.event_type

        status: str = self.status

        attempts = self.attempts

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        last_attempt_at: None | str
        if isinstance(self.last_attempt_at, datetime.datetime):
            last_attempt_at = self.last_attempt_at.isoformat()
        else:
            last_attempt_at = self.last_attempt_at

        last_status_code: int | None
        last_status_code = self.last_status_code

        last_error: None | str
        last_error = self.last_error

        delivered_at: None | str
        if isinstance(self.delivered_at, datetime.datetime):
            delivered_at = self.delivered_at.isoformat()
        else:
            delivered_at = self.delivered_at

        created_at = self.created_at.isoformat()

        attempt_log: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.attempt_log, Unset):
            attempt_log = []
            for attempt_log_item_data in self.attempt_log:
                attempt_log_item = attempt_log_item_data.to_dict()
                attempt_log.append(attempt_log_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "tenant_id": tenant_id,
                "endpoint_id": endpoint_id,
                "event_id": event_id,
                "event_type": event_type,
                "status": status,
                "attempts": attempts,
                "next_attempt_at": next_attempt_at,
                "last_attempt_at": last_attempt_at,
                "last_status_code": last_status_code,
                "last_error": last_error,
                "delivered_at": delivered_at,
                "created_at": created_at,
            }
        )
        if attempt_log is not UNSET:
            field_dict["attempt_log"] = attempt_log

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.delivery_attempt_out import DeliveryAttemptOut  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_delivery_with_attempts_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        tenant_id = UUID(d.pop("tenant_id"))

        endpoint_id = UUID(d.pop("endpoint_id"))

        event_id = UUID(d.pop("event_id"))

        event_type = check_event_type(d.pop("event_type"))

        status = check_delivery_status(d.pop("status"))

        attempts = d.pop("attempts")

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        def _parse_last_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_attempt_at = _parse_last_attempt_at(d.pop("last_attempt_at"))

        def _parse_last_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        last_status_code = _parse_last_status_code(d.pop("last_status_code"))

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        def _parse_delivered_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                delivered_at_type_0 = datetime.datetime.fromisoformat(data)

                return delivered_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        delivered_at = _parse_delivered_at(d.pop("delivered_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        _attempt_log = d.pop("attempt_log", UNSET)
        attempt_log: list[DeliveryAttemptOut] | Unset = UNSET
        if _attempt_log is not UNSET:
            attempt_log = []
            for attempt_log_item_data in _attempt_log:
                attempt_log_item = DeliveryAttemptOut.from_dict(attempt_log_item_data)

                attempt_log.append(attempt_log_item)

        delivery_with_attempts_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            endpoint_id=endpoint_id,
            event_id=event_id,
            event_type=event_type,
            status=status,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            last_attempt_at=last_attempt_at,
            last_status_code=last_status_code,
            last_error=last_error,
            delivered_at=delivered_at,
            created_at=created_at,
            attempt_log=attempt_log,
        )

        delivery_with_attempts_out.additional_properties = d
        return delivery_with_attempts_out

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

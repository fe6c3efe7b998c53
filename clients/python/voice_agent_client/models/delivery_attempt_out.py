from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.delivery_attempt_out_object import DeliveryAttemptOutObject, check_delivery_attempt_out_object

T = TypeVar("T", bound="DeliveryAttemptOut")


@_attrs_define
class DeliveryAttemptOut:
    """One request made for a delivery, as the receiver answered it.

    Attributes:
        object_ (DeliveryAttemptOutObject):
        id (UUID):
        attempted_at (datetime.datetime):
        latency_ms (int): From sending to the answer.
        status_code (int | None): The receiver's HTTP status; null when no answer came.
        response_excerpt (None | str): The start of the answer's body (1 kB at most).
        error (None | str): Why the attempt failed: no answer (refused, timed out, a target that is not a public
            address) or the status it answered.
    """

    object_: DeliveryAttemptOutObject
    id: UUID
    attempted_at: datetime.datetime
    latency_ms: int
    status_code: int | None
    response_excerpt: None | str
    error: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        attempted_at = self.attempted_at.isoformat()

        latency_ms = self.latency_ms

        status_code: int | None
        status_code = self.status_code

        response_excerpt: None | str
        response_excerpt = self.response_excerpt

        error: None | str
        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "attempted_at": attempted_at,
                "latency_ms": latency_ms,
                "status_code": status_code,
                "response_excerpt": response_excerpt,
                "error": error,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_delivery_attempt_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        attempted_at = datetime.datetime.fromisoformat(d.pop("attempted_at"))

        latency_ms = d.pop("latency_ms")

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        def _parse_response_excerpt(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        response_excerpt = _parse_response_excerpt(d.pop("response_excerpt"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        delivery_attempt_out = cls(
            object_=object_,
            id=id,
            attempted_at=attempted_at,
            latency_ms=latency_ms,
            status_code=status_code,
            response_excerpt=response_excerpt,
            error=error,
        )

        delivery_attempt_out.additional_properties = d
        return delivery_attempt_out

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

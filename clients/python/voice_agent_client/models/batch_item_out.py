from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.batch_item_out_object import BatchItemOutObject, check_batch_item_out_object
from ..models.batch_item_status import BatchItemStatus, check_batch_item_status
from ..models.dial_outcome import DialOutcome, check_dial_outcome
from ..models.skip_reason import SkipReason, check_skip_reason

T = TypeVar("T", bound="BatchItemOut")


@_attrs_define
class BatchItemOut:
    """One lead of a batch and its tries.

    Attributes:
        object_ (BatchItemOutObject):
        id (UUID): The item's id.
        batch_id (UUID): The batch's id.
        lead_id (UUID): The lead called.
        status (BatchItemStatus): Where one lead of a batch stands: `pending` (waiting for its next try), `dialling`
                (claimed; the provider is being asked), `live` (the provider has the call, or may have),
                then one of the ends.
        attempts (int): Tries made so far.
        next_attempt_at (datetime.datetime | None): Not tried again before then; null: as soon as it may be.
        last_call_id (None | UUID): The call of its last try.
        last_outcome (DialOutcome | None): How its last try ended; null: none has.
        skip_reason (None | SkipReason): Why it was skipped; null unless it was.
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
    """

    object_: BatchItemOutObject
    id: UUID
    batch_id: UUID
    lead_id: UUID
    status: BatchItemStatus
    attempts: int
    next_attempt_at: datetime.datetime | None
    last_call_id: None | UUID
    last_outcome: DialOutcome | None
    skip_reason: None | SkipReason
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        batch_id = str(self.batch_id)

        lead_id = str(self.lead_id)

        status: str = self.status

        attempts = self.attempts

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        last_call_id: None | str
        if isinstance(self.last_call_id, UUID):
            last_call_id = str(self.last_call_id)
        else:
            last_call_id = self.last_call_id

        last_outcome: None | str
        if isinstance(self.last_outcome, str):
            last_outcome = self.last_outcome
        else:
            last_outcome = self.last_outcome

        skip_reason: None | str
        if isinstance(self.skip_reason, str):
            skip_reason = self.skip_reason
        else:
            skip_reason = self.skip_reason

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "batch_id": batch_id,
                "lead_id": lead_id,
                "status": status,
                "attempts": attempts,
                "next_attempt_at": next_attempt_at,
                "last_call_id": last_call_id,
                "last_outcome": last_outcome,
                "skip_reason": skip_reason,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_batch_item_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        batch_id = UUID(d.pop("batch_id"))

        lead_id = UUID(d.pop("lead_id"))

        status = check_batch_item_status(d.pop("status"))

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

        def _parse_last_call_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_call_id_type_0 = UUID(data)

                return last_call_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        last_call_id = _parse_last_call_id(d.pop("last_call_id"))

        def _parse_last_outcome(data: object) -> DialOutcome | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_outcome_type_0 = check_dial_outcome(data)

                return last_outcome_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DialOutcome | None, data)

        last_outcome = _parse_last_outcome(d.pop("last_outcome"))

        def _parse_skip_reason(data: object) -> None | SkipReason:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                skip_reason_type_0 = check_skip_reason(data)

                return skip_reason_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SkipReason, data)

        skip_reason = _parse_skip_reason(d.pop("skip_reason"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        batch_item_out = cls(
            object_=object_,
            id=id,
            batch_id=batch_id,
            lead_id=lead_id,
            status=status,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            last_call_id=last_call_id,
            last_outcome=last_outcome,
            skip_reason=skip_reason,
            created_at=created_at,
            updated_at=updated_at,
        )

        batch_item_out.additional_properties = d
        return batch_item_out

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

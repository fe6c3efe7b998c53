from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_message_replay_out_object import (
    WebhookMessageReplayOutObject,
    check_webhook_message_replay_out_object,
)
from ..models.webhook_message_replay_out_outcome import (
    WebhookMessageReplayOutOutcome,
    check_webhook_message_replay_out_outcome,
)

T = TypeVar("T", bound="WebhookMessageReplayOut")


@_attrs_define
class WebhookMessageReplayOut:
    """What replaying one message did, and where the message stands now.

    Attributes:
        object_ (WebhookMessageReplayOutObject):
        id (UUID): The message's id in the inbox.
        tenant_id (None | UUID): The tenant whose call the message is about; null: about no call of ours.
        type_ (str): The provider's message type.
        outcome (WebhookMessageReplayOutOutcome): applied: applied to its call and marked processed; still_failing: not
            applied, `error` says why; already_processed: it had been, nothing was done.
        call_changed (bool): The message moved its call (false: the call was ahead).
        processed_at (datetime.datetime | None): When it was applied; null while it is not (RFC 3339, UTC).
        error (None | str): Why it was not applied; null once it is.
    """

    object_: WebhookMessageReplayOutObject
    id: UUID
    tenant_id: None | UUID
    type_: str
    outcome: WebhookMessageReplayOutOutcome
    call_changed: bool
    processed_at: datetime.datetime | None
    error: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        tenant_id: None | str
        if isinstance(self.tenant_id, UUID):
            tenant_id = str(self.tenant_id)
        else:
            tenant_id = self.tenant_id

        type_ = self.type_

        outcome: str = self.outcome

        call_changed = self.call_changed

        processed_at: None | str
        if isinstance(self.processed_at, datetime.datetime):
            processed_at = self.processed_at.isoformat()
        else:
            processed_at = self.processed_at

        error: None | str
        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "tenant_id": tenant_id,
                "type": type_,
                "outcome": outcome,
                "call_changed": call_changed,
                "processed_at": processed_at,
                "error": error,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_webhook_message_replay_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        def _parse_tenant_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                tenant_id_type_0 = UUID(data)

                return tenant_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        tenant_id = _parse_tenant_id(d.pop("tenant_id"))

        type_ = d.pop("type")

        outcome = check_webhook_message_replay_out_outcome(d.pop("outcome"))

        call_changed = d.pop("call_changed")

        def _parse_processed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                processed_at_type_0 = datetime.datetime.fromisoformat(data)

                return processed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        processed_at = _parse_processed_at(d.pop("processed_at"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        webhook_message_replay_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            type_=type_,
            outcome=outcome,
            call_changed=call_changed,
            processed_at=processed_at,
            error=error,
        )

        webhook_message_replay_out.additional_properties = d
        return webhook_message_replay_out

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

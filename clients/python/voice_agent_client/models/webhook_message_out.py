from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_message_out_object import WebhookMessageOutObject, check_webhook_message_out_object

T = TypeVar("T", bound="WebhookMessageOut")


@_attrs_define
class WebhookMessageOut:
    """A message of the provider's, as kept in the inbox (its contents are not shown).

    Attributes:
        object_ (WebhookMessageOutObject):
        id (UUID): The message's id in the inbox.
        tenant_id (None | UUID): The tenant whose call the message is about; null: about no call of ours.
        provider (str):
        type_ (str): The provider's message type.
        dedupe_key (str): What tells a repeat of the message from a new one.
        provider_call_id (None | str): The provider's id of the call it is about.
        received_at (datetime.datetime): When it came (RFC 3339, UTC).
        processed_at (datetime.datetime | None): When it was applied; null while it is not (RFC 3339, UTC).
        error (None | str): Why it was not applied; null once it is.
        failed (bool): Kept without being applied, with why: a replay may apply it.
    """

    object_: WebhookMessageOutObject
    id: UUID
    tenant_id: None | UUID
    provider: str
    type_: str
    dedupe_key: str
    provider_call_id: None | str
    received_at: datetime.datetime
    processed_at: datetime.datetime | None
    error: None | str
    failed: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        tenant_id: None | str
        if isinstance(self.tenant_id, UUID):
            tenant_id = str(self.tenant_id)
        else:
            tenant_id = self.tenant_id

        provider = self.provider

        type_ = self.type_

        dedupe_key = self.dedupe_key

        provider_call_id: None | str
        provider_call_id = self.provider_call_id

        received_at = self.received_at.isoformat()

        processed_at: None | str
        if isinstance(self.processed_at, datetime.datetime):
            processed_at = self.processed_at.isoformat()
        else:
            processed_at = self.processed_at

        error: None | str
        error = self.error

        failed = self.failed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "tenant_id": tenant_id,
                "provider": provider,
                "type": type_,
                "dedupe_key": dedupe_key,
                "provider_call_id": provider_call_id,
                "received_at": received_at,
                "processed_at": processed_at,
                "error": error,
                "failed": failed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_webhook_message_out_object(d.pop("object"))

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

        provider = d.pop("provider")

        type_ = d.pop("type")

        dedupe_key = d.pop("dedupe_key")

        def _parse_provider_call_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_call_id = _parse_provider_call_id(d.pop("provider_call_id"))

        received_at = datetime.datetime.fromisoformat(d.pop("received_at"))

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

        failed = d.pop("failed")

        webhook_message_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            provider=provider,
            type_=type_,
            dedupe_key=dedupe_key,
            provider_call_id=provider_call_id,
            received_at=received_at,
            processed_at=processed_at,
            error=error,
            failed=failed,
        )

        webhook_message_out.additional_properties = d
        return webhook_message_out

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

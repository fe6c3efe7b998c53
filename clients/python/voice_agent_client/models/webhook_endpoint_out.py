from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_type import EventType, check_event_type
from ..models.webhook_endpoint_out_object import WebhookEndpointOutObject, check_webhook_endpoint_out_object

T = TypeVar("T", bound="WebhookEndpointOut")


@_attrs_define
class WebhookEndpointOut:
    """A webhook endpoint of the tenant (its secret is not shown here).

    Attributes:
        object_ (WebhookEndpointOutObject):
        id (UUID): The endpoint's id.
        tenant_id (UUID): The tenant it belongs to.
        url (str): Where the events are POSTed: an http or https URL with no user or password. Hosts that resolve to
            loopback, private, link-local or metadata addresses are refused at delivery unless the platform allows them.
        event_types (list[EventType]): The event types the endpoint receives (at least one).
        description (None | str):
        enabled (bool): false: nothing is delivered to it until it is enabled again.
        previous_secret_expires_at (datetime.datetime | None): Until when the secret replaced by a rotation still signs.
        failing_since (datetime.datetime | None): Since when every delivery to it has failed (null: the last one
            succeeded). After a day of failures it is disabled.
        disabled_reason (None | str): Why we turned it off (every delivery failing for a day); null when it is on, or
            was turned off by the tenant. Enabling it clears this.
        version (int): Moves by one with each change; send it back as `version` with a change to have a stale write
            refused (409).
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
    """

    object_: WebhookEndpointOutObject
    id: UUID
    tenant_id: UUID
    url: str
    event_types: list[EventType]
    description: None | str
    enabled: bool
    previous_secret_expires_at: datetime.datetime | None
    failing_since: datetime.datetime | None
    disabled_reason: None | str
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        tenant_id = str(self.tenant_id)

        url = self.url

        event_types = []
        for event_types_item_data in self.event_types:
            event_types_item: str = event_types_item_data
            event_types.append(event_types_item)

        description: None | str
        description = self.description

        enabled = self.enabled

        previous_secret_expires_at: None | str
        if isinstance(self.previous_secret_expires_at, datetime.datetime):
            previous_secret_expires_at = self.previous_secret_expires_at.isoformat()
        else:
            previous_secret_expires_at = self.previous_secret_expires_at

        failing_since: None | str
        if isinstance(self.failing_since, datetime.datetime):
            failing_since = self.failing_since.isoformat()
        else:
            failing_since = self.failing_since

        disabled_reason: None | str
        disabled_reason = self.disabled_reason

        version = self.version

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "tenant_id": tenant_id,
                "url": url,
                "event_types": event_types,
                "description": description,
                "enabled": enabled,
                "previous_secret_expires_at": previous_secret_expires_at,
                "failing_since": failing_since,
                "disabled_reason": disabled_reason,
                "version": version,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_webhook_endpoint_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        tenant_id = UUID(d.pop("tenant_id"))

        url = d.pop("url")

        event_types = []
        _event_types = d.pop("event_types")
        for event_types_item_data in _event_types:
            event_types_item = check_event_type(event_types_item_data)

            event_types.append(event_types_item)

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        enabled = d.pop("enabled")

        def _parse_previous_secret_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                previous_secret_expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return previous_secret_expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        previous_secret_expires_at = _parse_previous_secret_expires_at(d.pop("previous_secret_expires_at"))

        def _parse_failing_since(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                failing_since_type_0 = datetime.datetime.fromisoformat(data)

                return failing_since_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        failing_since = _parse_failing_since(d.pop("failing_since"))

        def _parse_disabled_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason"))

        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        webhook_endpoint_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            url=url,
            event_types=event_types,
            description=description,
            enabled=enabled,
            previous_secret_expires_at=previous_secret_expires_at,
            failing_since=failing_since,
            disabled_reason=disabled_reason,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )

        webhook_endpoint_out.additional_properties = d
        return webhook_endpoint_out

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

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.event_type import EventType, check_event_type
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateWebhookEndpointIn")


@_attrs_define
class CreateWebhookEndpointIn:
    """A new webhook endpoint of the tenant.

    Attributes:
        url (str): Where the events are POSTed: an http or https URL with no user or password. Hosts that resolve to
            loopback, private, link-local or metadata addresses are refused at delivery unless the platform allows them.
        event_types (list[EventType]): The event types the endpoint receives (at least one).
        description (None | str | Unset):
        enabled (bool | Unset): false: nothing is delivered to it until it is enabled again. Default: True.
    """

    url: str
    event_types: list[EventType]
    description: None | str | Unset = UNSET
    enabled: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        event_types = []
        for event_types_item_data in self.event_types:
            event_types_item: str = event_types_item_data
            event_types.append(event_types_item)

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        enabled = self.enabled

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
                "event_types": event_types,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        event_types = []
        _event_types = d.pop("event_types")
        for event_types_item_data in _event_types:
            event_types_item = check_event_type(event_types_item_data)

            event_types.append(event_types_item)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        enabled = d.pop("enabled", UNSET)

        create_webhook_endpoint_in = cls(
            url=url,
            event_types=event_types,
            description=description,
            enabled=enabled,
        )

        return create_webhook_endpoint_in

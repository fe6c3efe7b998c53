from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RecordingOut")


@_attrs_define
class RecordingOut:
    """Where the call's recording can be fetched (the provider's URLs, which may expire).

    Attributes:
        url (None | str): Both sides mixed in one channel.
        stereo_url (None | str): The agent and the other party on a channel each; null when the provider made none.
        assistant_url (None | str | Unset): The agent's side alone; null when the provider made none.
        customer_url (None | str | Unset): The other party's side alone; null when the provider made none.
    """

    url: None | str
    stereo_url: None | str
    assistant_url: None | str | Unset = UNSET
    customer_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url: None | str
        url = self.url

        stereo_url: None | str
        stereo_url = self.stereo_url

        assistant_url: None | str | Unset
        if isinstance(self.assistant_url, Unset):
            assistant_url = UNSET
        else:
            assistant_url = self.assistant_url

        customer_url: None | str | Unset
        if isinstance(self.customer_url, Unset):
            customer_url = UNSET
        else:
            customer_url = self.customer_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
                "stereo_url": stereo_url,
            }
        )
        if assistant_url is not UNSET:
            field_dict["assistant_url"] = assistant_url
        if customer_url is not UNSET:
            field_dict["customer_url"] = customer_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        url = _parse_url(d.pop("url"))

        def _parse_stereo_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        stereo_url = _parse_stereo_url(d.pop("stereo_url"))

        def _parse_assistant_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        assistant_url = _parse_assistant_url(d.pop("assistant_url", UNSET))

        def _parse_customer_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        customer_url = _parse_customer_url(d.pop("customer_url", UNSET))

        recording_out = cls(
            url=url,
            stereo_url=stereo_url,
            assistant_url=assistant_url,
            customer_url=customer_url,
        )

        recording_out.additional_properties = d
        return recording_out

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

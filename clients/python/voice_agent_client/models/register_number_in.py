from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.number_provider import NumberProvider, check_number_provider
from ..types import UNSET, Unset

T = TypeVar("T", bound="RegisterNumberIn")


@_attrs_define
class RegisterNumberIn:
    """A number for the tenant's inventory.

    Attributes:
        number (str): Any common format; without a leading + give `country`.
        country (None | str | Unset):
        provider (NumberProvider | Unset): Who provides the number's line.
        provider_number_id (None | str | Unset):
        label (None | str | Unset):
        inbound_agent_id (None | Unset | UUID):
    """

    number: str
    country: None | str | Unset = UNSET
    provider: NumberProvider | Unset = UNSET
    provider_number_id: None | str | Unset = UNSET
    label: None | str | Unset = UNSET
    inbound_agent_id: None | Unset | UUID = UNSET

    def to_dict(self) -> dict[str, Any]:
        number = self.number

        country: None | str | Unset
        if isinstance(self.country, Unset):
            country = UNSET
        else:
            country = self.country

        provider: str | Unset = UNSET
        if not isinstance(self.provider, Unset):
            provider = self.provider

        provider_number_id: None | str | Unset
        if isinstance(self.provider_number_id, Unset):
            provider_number_id = UNSET
        else:
            provider_number_id = self.provider_number_id

        label: None | str | Unset
        if isinstance(self.label, Unset):
            label = UNSET
        else:
            label = self.label

        inbound_agent_id: None | str | Unset
        if isinstance(self.inbound_agent_id, Unset):
            inbound_agent_id = UNSET
        elif isinstance(self.inbound_agent_id, UUID):
            inbound_agent_id = str(self.inbound_agent_id)
        else:
            inbound_agent_id = self.inbound_agent_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "number": number,
            }
        )
        if country is not UNSET:
            field_dict["country"] = country
        if provider is not UNSET:
            field_dict["provider"] = provider
        if provider_number_id is not UNSET:
            field_dict["provider_number_id"] = provider_number_id
        if label is not UNSET:
            field_dict["label"] = label
        if inbound_agent_id is not UNSET:
            field_dict["inbound_agent_id"] = inbound_agent_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        number = d.pop("number")

        def _parse_country(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        country = _parse_country(d.pop("country", UNSET))

        _provider = d.pop("provider", UNSET)
        provider: NumberProvider | Unset
        if isinstance(_provider, Unset):
            provider = UNSET
        else:
            provider = check_number_provider(_provider)

        def _parse_provider_number_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        provider_number_id = _parse_provider_number_id(d.pop("provider_number_id", UNSET))

        def _parse_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        label = _parse_label(d.pop("label", UNSET))

        def _parse_inbound_agent_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                inbound_agent_id_type_0 = UUID(data)

                return inbound_agent_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        inbound_agent_id = _parse_inbound_agent_id(d.pop("inbound_agent_id", UNSET))

        register_number_in = cls(
            number=number,
            country=country,
            provider=provider,
            provider_number_id=provider_number_id,
            label=label,
            inbound_agent_id=inbound_agent_id,
        )

        return register_number_in

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateNumberIn")


@_attrs_define
class UpdateNumberIn:
    """A change to a number; fields left out stay, null clears.

    Attributes:
        label (None | str | Unset):
        inbound_agent_id (None | Unset | UUID):
        version (int | None | Unset):
    """

    label: None | str | Unset = UNSET
    inbound_agent_id: None | Unset | UUID = UNSET
    version: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
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

        version: int | None | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if label is not UNSET:
            field_dict["label"] = label
        if inbound_agent_id is not UNSET:
            field_dict["inbound_agent_id"] = inbound_agent_id
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

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

        def _parse_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        update_number_in = cls(
            label=label,
            inbound_agent_id=inbound_agent_id,
            version=version,
        )

        return update_number_in

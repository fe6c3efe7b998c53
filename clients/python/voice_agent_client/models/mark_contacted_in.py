from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="MarkContactedIn")


@_attrs_define
class MarkContactedIn:
    """A contact made now, optionally by one of the lead's calls.

    Attributes:
        call_id (None | Unset | UUID):
    """

    call_id: None | Unset | UUID = UNSET

    def to_dict(self) -> dict[str, Any]:
        call_id: None | str | Unset
        if isinstance(self.call_id, Unset):
            call_id = UNSET
        elif isinstance(self.call_id, UUID):
            call_id = str(self.call_id)
        else:
            call_id = self.call_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if call_id is not UNSET:
            field_dict["call_id"] = call_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_call_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                call_id_type_0 = UUID(data)

                return call_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        call_id = _parse_call_id(d.pop("call_id", UNSET))

        mark_contacted_in = cls(
            call_id=call_id,
        )

        return mark_contacted_in

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SandboxCallIn")


@_attrs_define
class SandboxCallIn:
    """A call placed to one of the tenant's numbers, on the sandbox.

    Attributes:
        caller (str): Any common format; without a leading + give `country`.
        country (None | str | Unset):
    """

    caller: str
    country: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        caller = self.caller

        country: None | str | Unset
        if isinstance(self.country, Unset):
            country = UNSET
        else:
            country = self.country

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "caller": caller,
            }
        )
        if country is not UNSET:
            field_dict["country"] = country

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        caller = d.pop("caller")

        def _parse_country(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        country = _parse_country(d.pop("country", UNSET))

        sandbox_call_in = cls(
            caller=caller,
            country=country,
        )

        return sandbox_call_in

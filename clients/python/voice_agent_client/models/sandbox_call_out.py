from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SandboxCallOut")


@_attrs_define
class SandboxCallOut:
    """What the sandbox's call to the number came to.

    Attributes:
        provider_call_id (str): The sandbox's id of the call.
        answered (bool): Whether an agent took the call.
        call_id (None | UUID): The call's id here, when an agent took it.
        refusal (None | str): What the caller was told, when none did.
    """

    provider_call_id: str
    answered: bool
    call_id: None | UUID
    refusal: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        provider_call_id = self.provider_call_id

        answered = self.answered

        call_id: None | str
        if isinstance(self.call_id, UUID):
            call_id = str(self.call_id)
        else:
            call_id = self.call_id

        refusal: None | str
        refusal = self.refusal

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "provider_call_id": provider_call_id,
                "answered": answered,
                "call_id": call_id,
                "refusal": refusal,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider_call_id = d.pop("provider_call_id")

        answered = d.pop("answered")

        def _parse_call_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                call_id_type_0 = UUID(data)

                return call_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        call_id = _parse_call_id(d.pop("call_id"))

        def _parse_refusal(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        refusal = _parse_refusal(d.pop("refusal"))

        sandbox_call_out = cls(
            provider_call_id=provider_call_id,
            answered=answered,
            call_id=call_id,
            refusal=refusal,
        )

        sandbox_call_out.additional_properties = d
        return sandbox_call_out

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

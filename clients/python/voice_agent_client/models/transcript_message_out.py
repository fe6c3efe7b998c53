from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TranscriptMessageOut")


@_attrs_define
class TranscriptMessageOut:
    """One thing said (or done) on the call, in order.

    Attributes:
        role (str): Who: `assistant` (the agent), `user` (the person on the line), `system` (the agent's instructions),
            `tool` (a tool call or its result); any other role the provider adds is shown as it names it.
        text (str): What was said (a tool's result, for a tool); empty when nothing was.
        start_seconds (float | None): Seconds from the start of the call.
        end_seconds (float | None): Seconds from the start when it ended.
    """

    role: str
    text: str
    start_seconds: float | None
    end_seconds: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        role = self.role

        text = self.text

        start_seconds: float | None
        start_seconds = self.start_seconds

        end_seconds: float | None
        end_seconds = self.end_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "role": role,
                "text": text,
                "start_seconds": start_seconds,
                "end_seconds": end_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        role = d.pop("role")

        text = d.pop("text")

        def _parse_start_seconds(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        start_seconds = _parse_start_seconds(d.pop("start_seconds"))

        def _parse_end_seconds(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        end_seconds = _parse_end_seconds(d.pop("end_seconds"))

        transcript_message_out = cls(
            role=role,
            text=text,
            start_seconds=start_seconds,
            end_seconds=end_seconds,
        )

        transcript_message_out.additional_properties = d
        return transcript_message_out

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

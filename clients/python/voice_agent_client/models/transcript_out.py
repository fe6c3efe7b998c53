from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.transcript_message_out import TranscriptMessageOut


T = TypeVar("T", bound="TranscriptOut")


@_attrs_define
class TranscriptOut:
    """What was said on the call, from its end-of-call report.

    Attributes:
        text (None | str): The whole conversation as text; null when the report had none.
        messages (list[TranscriptMessageOut]): What was said, message by message, in order.
    """

    text: None | str
    messages: list[TranscriptMessageOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        text: None | str
        text = self.text

        messages = []
        for messages_item_data in self.messages:
            messages_item = messages_item_data.to_dict()
            messages.append(messages_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "text": text,
                "messages": messages,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transcript_message_out import TranscriptMessageOut  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_text(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        text = _parse_text(d.pop("text"))

        messages = []
        _messages = d.pop("messages")
        for messages_item_data in _messages:
            messages_item = TranscriptMessageOut.from_dict(messages_item_data)

            messages.append(messages_item)

        transcript_out = cls(
            text=text,
            messages=messages,
        )

        transcript_out.additional_properties = d
        return transcript_out

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

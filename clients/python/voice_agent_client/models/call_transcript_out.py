from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.call_status import CallStatus, check_call_status
from ..models.call_transcript_out_object import CallTranscriptOutObject, check_call_transcript_out_object

if TYPE_CHECKING:
    from ..models.recording_out import RecordingOut
    from ..models.transcript_message_out import TranscriptMessageOut


T = TypeVar("T", bound="CallTranscriptOut")


@_attrs_define
class CallTranscriptOut:
    """What was said on the call (the same `text` and `messages` as the call's
    `transcript`), with its recording and summary.

    Attributes:
        object_ (CallTranscriptOutObject):
        call_id (UUID): The call's id.
        status (CallStatus): Vapi's call statuses, plus ours: `failed` (the provider refused to place it) and
                `unknown` (its creation's outcome is not known yet; the reconciler finds out).
        available (bool): False until the end-of-call report arrives.
        text (None | str): The whole conversation as text; null when the report had none.
        messages (list[TranscriptMessageOut]): What was said, message by message, in order.
        recording (None | RecordingOut): The call's recording; null when none, and always for a call of a tenant whose
            plan has no `recordings` when it was placed (the provider is told not to record it, and no link to a recording
            is kept).
        summary (None | str): The provider's summary of the conversation; null until its report.
    """

    object_: CallTranscriptOutObject
    call_id: UUID
    status: CallStatus
    available: bool
    text: None | str
    messages: list[TranscriptMessageOut]
    recording: None | RecordingOut
    summary: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.recording_out import RecordingOut  # noqa: PLC0415

        object_: str = self.object_

        call_id = str(self.call_id)

        status: str = self.status

        available = self.available

        text: None | str
        text = self.text

        messages = []
        for messages_item_data in self.messages:
            messages_item = messages_item_data.to_dict()
            messages.append(messages_item)

        recording: dict[str, Any] | None
        if isinstance(self.recording, RecordingOut):
            recording = self.recording.to_dict()
        else:
            recording = self.recording

        summary: None | str
        summary = self.summary

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "call_id": call_id,
                "status": status,
                "available": available,
                "text": text,
                "messages": messages,
                "recording": recording,
                "summary": summary,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.recording_out import RecordingOut  # noqa: PLC0415
        from ..models.transcript_message_out import TranscriptMessageOut  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_call_transcript_out_object(d.pop("object"))

        call_id = UUID(d.pop("call_id"))

        status = check_call_status(d.pop("status"))

        available = d.pop("available")

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

        def _parse_recording(data: object) -> None | RecordingOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                recording_type_0 = RecordingOut.from_dict(data)

                return recording_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RecordingOut, data)

        recording = _parse_recording(d.pop("recording"))

        def _parse_summary(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        summary = _parse_summary(d.pop("summary"))

        call_transcript_out = cls(
            object_=object_,
            call_id=call_id,
            status=status,
            available=available,
            text=text,
            messages=messages,
            recording=recording,
            summary=summary,
        )

        call_transcript_out.additional_properties = d
        return call_transcript_out

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

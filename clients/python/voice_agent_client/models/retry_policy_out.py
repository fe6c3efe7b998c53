from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.backoff_out import BackoffOut


T = TypeVar("T", bound="RetryPolicyOut")


@_attrs_define
class RetryPolicyOut:
    """The waits before a lead is called again, by how its last try ended.

    Attributes:
        busy (BackoffOut): The waits before another try after one outcome: `delay_seconds` after the first try,
                then `factor` times longer after each further one, up to `max_delay_seconds`.
        no_answer (BackoffOut): The waits before another try after one outcome: `delay_seconds` after the first try,
                then `factor` times longer after each further one, up to `max_delay_seconds`.
        voicemail (BackoffOut): The waits before another try after one outcome: `delay_seconds` after the first try,
                then `factor` times longer after each further one, up to `max_delay_seconds`.
    """

    busy: BackoffOut
    no_answer: BackoffOut
    voicemail: BackoffOut
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        busy = self.busy.to_dict()

        no_answer = self.no_answer.to_dict()

        voicemail = self.voicemail.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "busy": busy,
                "no_answer": no_answer,
                "voicemail": voicemail,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.backoff_out import BackoffOut  # noqa: PLC0415

        d = dict(src_dict)
        busy = BackoffOut.from_dict(d.pop("busy"))

        no_answer = BackoffOut.from_dict(d.pop("no_answer"))

        voicemail = BackoffOut.from_dict(d.pop("voicemail"))

        retry_policy_out = cls(
            busy=busy,
            no_answer=no_answer,
            voicemail=voicemail,
        )

        retry_policy_out.additional_properties = d
        return retry_policy_out

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

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_replay_summary_out_object import (
    WebhookReplaySummaryOutObject,
    check_webhook_replay_summary_out_object,
)

T = TypeVar("T", bound="WebhookReplaySummaryOut")


@_attrs_define
class WebhookReplaySummaryOut:
    """What replaying the failed messages did.

    Attributes:
        object_ (WebhookReplaySummaryOutObject):
        replayed (int): Messages replayed.
        applied (int): Of those, applied and processed now.
        still_failing (int): Of those, still not applied (each says why).
    """

    object_: WebhookReplaySummaryOutObject
    replayed: int
    applied: int
    still_failing: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        replayed = self.replayed

        applied = self.applied

        still_failing = self.still_failing

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "replayed": replayed,
                "applied": applied,
                "still_failing": still_failing,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_webhook_replay_summary_out_object(d.pop("object"))

        replayed = d.pop("replayed")

        applied = d.pop("applied")

        still_failing = d.pop("still_failing")

        webhook_replay_summary_out = cls(
            object_=object_,
            replayed=replayed,
            applied=applied,
            still_failing=still_failing,
        )

        webhook_replay_summary_out.additional_properties = d
        return webhook_replay_summary_out

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

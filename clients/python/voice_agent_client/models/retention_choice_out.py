from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RetentionChoiceOut")


@_attrs_define
class RetentionChoiceOut:
    """What the tenant chose; null for each: as its plan allows.

    Attributes:
        transcripts_days (int | None): Days chosen; null: as the plan allows.
        recordings_days (int | None): Days chosen; null: as the plan allows.
        provider_record_days (int | None): Days chosen; null: as the plan allows.
        store_transcripts (bool | None): false: store no transcripts; null: as the plan allows.
    """

    transcripts_days: int | None
    recordings_days: int | None
    provider_record_days: int | None
    store_transcripts: bool | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        transcripts_days: int | None
        transcripts_days = self.transcripts_days

        recordings_days: int | None
        recordings_days = self.recordings_days

        provider_record_days: int | None
        provider_record_days = self.provider_record_days

        store_transcripts: bool | None
        store_transcripts = self.store_transcripts

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "transcripts_days": transcripts_days,
                "recordings_days": recordings_days,
                "provider_record_days": provider_record_days,
                "store_transcripts": store_transcripts,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_transcripts_days(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        transcripts_days = _parse_transcripts_days(d.pop("transcripts_days"))

        def _parse_recordings_days(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        recordings_days = _parse_recordings_days(d.pop("recordings_days"))

        def _parse_provider_record_days(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        provider_record_days = _parse_provider_record_days(d.pop("provider_record_days"))

        def _parse_store_transcripts(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        store_transcripts = _parse_store_transcripts(d.pop("store_transcripts"))

        retention_choice_out = cls(
            transcripts_days=transcripts_days,
            recordings_days=recordings_days,
            provider_record_days=provider_record_days,
            store_transcripts=store_transcripts,
        )

        retention_choice_out.additional_properties = d
        return retention_choice_out

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

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateRetentionIn")


@_attrs_define
class UpdateRetentionIn:
    """A change to the tenant's choices; fields left out stay as they are, null goes back to
    what the plan allows.

    Attributes:
        transcripts_days (int | None | Unset): Days chosen; null: as the plan allows.
        recordings_days (int | None | Unset): Days chosen; null: as the plan allows.
        provider_record_days (int | None | Unset): Days chosen; null: as the plan allows.
        store_transcripts (bool | None | Unset): false: store no transcripts; null: as the plan allows.
    """

    transcripts_days: int | None | Unset = UNSET
    recordings_days: int | None | Unset = UNSET
    provider_record_days: int | None | Unset = UNSET
    store_transcripts: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        transcripts_days: int | None | Unset
        if isinstance(self.transcripts_days, Unset):
            transcripts_days = UNSET
        else:
            transcripts_days = self.transcripts_days

        recordings_days: int | None | Unset
        if isinstance(self.recordings_days, Unset):
            recordings_days = UNSET
        else:
            recordings_days = self.recordings_days

        provider_record_days: int | None | Unset
        if isinstance(self.provider_record_days, Unset):
            provider_record_days = UNSET
        else:
            provider_record_days = self.provider_record_days

        store_transcripts: bool | None | Unset
        if isinstance(self.store_transcripts, Unset):
            store_transcripts = UNSET
        else:
            store_transcripts = self.store_transcripts

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if transcripts_days is not UNSET:
            field_dict["transcripts_days"] = transcripts_days
        if recordings_days is not UNSET:
            field_dict["recordings_days"] = recordings_days
        if provider_record_days is not UNSET:
            field_dict["provider_record_days"] = provider_record_days
        if store_transcripts is not UNSET:
            field_dict["store_transcripts"] = store_transcripts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_transcripts_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        transcripts_days = _parse_transcripts_days(d.pop("transcripts_days", UNSET))

        def _parse_recordings_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        recordings_days = _parse_recordings_days(d.pop("recordings_days", UNSET))

        def _parse_provider_record_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        provider_record_days = _parse_provider_record_days(d.pop("provider_record_days", UNSET))

        def _parse_store_transcripts(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        store_transcripts = _parse_store_transcripts(d.pop("store_transcripts", UNSET))

        update_retention_in = cls(
            transcripts_days=transcripts_days,
            recordings_days=recordings_days,
            provider_record_days=provider_record_days,
            store_transcripts=store_transcripts,
        )

        return update_retention_in

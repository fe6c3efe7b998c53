from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.usage_kind import UsageKind, check_usage_kind
from ..models.usage_out_object import UsageOutObject, check_usage_out_object

T = TypeVar("T", bound="UsageOut")


@_attrs_define
class UsageOut:
    """One cost item of a call's report: a provider's work and its price.

    Attributes:
        object_ (UsageOutObject):
        id (UUID): The usage row's id.
        kind (UsageKind): What an AI usage row paid for.
        item_type (str): The provider's own name for the cost item.
        provider (None | str): Who did the work.
        model (None | str): The model or voice used.
        prompt_tokens (int | None): LLM prompt tokens.
        completion_tokens (int | None): LLM completion tokens.
        characters (int | None): Characters spoken (text to speech).
        seconds (int | None): Seconds of line or audio billed, whole (`minutes` has them exactly).
        cost (str): US dollars: a decimal string with six decimal places or more.
        occurred_at (datetime.datetime): When the work was done (RFC 3339).
        cached_prompt_tokens (int | None): Prompt tokens served from the provider's cache (part of `prompt_tokens`).
        reasoning_tokens (int | None): LLM reasoning tokens.
        prompt_audio_tokens (int | None): Prompt tokens of audio (voicemail detection; `prompt_tokens` has its text
            tokens).
        completion_audio_tokens (int | None): Completion tokens of audio (voicemail detection; `completion_tokens` has
            its text tokens).
        minutes (None | str): Minutes of line or audio billed, exactly as the provider counted them (a decimal string).
    """

    object_: UsageOutObject
    id: UUID
    kind: UsageKind
    item_type: str
    provider: None | str
    model: None | str
    prompt_tokens: int | None
    completion_tokens: int | None
    characters: int | None
    seconds: int | None
    cost: str
    occurred_at: datetime.datetime
    cached_prompt_tokens: int | None
    reasoning_tokens: int | None
    prompt_audio_tokens: int | None
    completion_audio_tokens: int | None
    minutes: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        kind: str = self.kind

        item_type = self.item_type

        provider: None | str
        provider = self.provider

        model: None | str
        model = self.model

        prompt_tokens: int | None
        prompt_tokens = self.prompt_tokens

        completion_tokens: int | None
        completion_tokens = self.completion_tokens

        characters: int | None
        characters = self.characters

        seconds: int | None
        seconds = self.seconds

        cost = self.cost

        occurred_at = self.occurred_at.isoformat()

        cached_prompt_tokens: int | None
        cached_prompt_tokens = self.cached_prompt_tokens

        reasoning_tokens: int | None
        reasoning_tokens = self.reasoning_tokens

        prompt_audio_tokens: int | None
        prompt_audio_tokens = self.prompt_audio_tokens

        completion_audio_tokens: int | None
        completion_audio_tokens = self.completion_audio_tokens

        minutes: None | str
        minutes = self.minutes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "kind": kind,
                "item_type": item_type,
                "provider": provider,
                "model": model,
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "characters": characters,
                "seconds": seconds,
                "cost": cost,
                "occurred_at": occurred_at,
                "cached_prompt_tokens": cached_prompt_tokens,
                "reasoning_tokens": reasoning_tokens,
                "prompt_audio_tokens": prompt_audio_tokens,
                "completion_audio_tokens": completion_audio_tokens,
                "minutes": minutes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_usage_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        kind = check_usage_kind(d.pop("kind"))

        item_type = d.pop("item_type")

        def _parse_provider(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider = _parse_provider(d.pop("provider"))

        def _parse_model(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model = _parse_model(d.pop("model"))

        def _parse_prompt_tokens(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        prompt_tokens = _parse_prompt_tokens(d.pop("prompt_tokens"))

        def _parse_completion_tokens(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        completion_tokens = _parse_completion_tokens(d.pop("completion_tokens"))

        def _parse_characters(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        characters = _parse_characters(d.pop("characters"))

        def _parse_seconds(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        seconds = _parse_seconds(d.pop("seconds"))

        cost = d.pop("cost")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        def _parse_cached_prompt_tokens(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        cached_prompt_tokens = _parse_cached_prompt_tokens(d.pop("cached_prompt_tokens"))

        def _parse_reasoning_tokens(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        reasoning_tokens = _parse_reasoning_tokens(d.pop("reasoning_tokens"))

        def _parse_prompt_audio_tokens(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        prompt_audio_tokens = _parse_prompt_audio_tokens(d.pop("prompt_audio_tokens"))

        def _parse_completion_audio_tokens(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        completion_audio_tokens = _parse_completion_audio_tokens(d.pop("completion_audio_tokens"))

        def _parse_minutes(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        minutes = _parse_minutes(d.pop("minutes"))

        usage_out = cls(
            object_=object_,
            id=id,
            kind=kind,
            item_type=item_type,
            provider=provider,
            model=model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            characters=characters,
            seconds=seconds,
            cost=cost,
            occurred_at=occurred_at,
            cached_prompt_tokens=cached_prompt_tokens,
            reasoning_tokens=reasoning_tokens,
            prompt_audio_tokens=prompt_audio_tokens,
            completion_audio_tokens=completion_audio_tokens,
            minutes=minutes,
        )

        usage_out.additional_properties = d
        return usage_out

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

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.voice_provider import VoiceProvider, check_voice_provider
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_voice_in_settings import CreateVoiceInSettings


T = TypeVar("T", bound="CreateVoiceIn")


@_attrs_define
class CreateVoiceIn:
    """A new voice of the tenant.

    Attributes:
        name (str): The voice's name.
        provider (VoiceProvider): The voice providers Vapi speaks through (its `voice.provider`).
        provider_voice_id (str): The provider's id for the voice.
        language (None | str | Unset):
        settings (CreateVoiceInSettings | Unset): The provider's voice settings, passed to Vapi as they are.
    """

    name: str
    provider: VoiceProvider
    provider_voice_id: str
    language: None | str | Unset = UNSET
    settings: CreateVoiceInSettings | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        provider: str = self.provider

        provider_voice_id = self.provider_voice_id

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        settings: dict[str, Any] | Unset = UNSET
        if not isinstance(self.settings, Unset):
            settings = self.settings.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "provider": provider,
                "provider_voice_id": provider_voice_id,
            }
        )
        if language is not UNSET:
            field_dict["language"] = language
        if settings is not UNSET:
            field_dict["settings"] = settings

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_voice_in_settings import CreateVoiceInSettings  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        provider = check_voice_provider(d.pop("provider"))

        provider_voice_id = d.pop("provider_voice_id")

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        _settings = d.pop("settings", UNSET)
        settings: CreateVoiceInSettings | Unset
        if isinstance(_settings, Unset):
            settings = UNSET
        else:
            settings = CreateVoiceInSettings.from_dict(_settings)

        create_voice_in = cls(
            name=name,
            provider=provider,
            provider_voice_id=provider_voice_id,
            language=language,
            settings=settings,
        )

        return create_voice_in

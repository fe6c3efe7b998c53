from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.voice_provider import VoiceProvider, check_voice_provider
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.update_voice_in_settings import UpdateVoiceInSettings


T = TypeVar("T", bound="UpdateVoiceIn")


@_attrs_define
class UpdateVoiceIn:
    """A change to a voice; fields left out stay as they are.

    Attributes:
        name (str | Unset): The voice's name.
        provider (VoiceProvider | Unset): The voice providers Vapi speaks through (its `voice.provider`).
        provider_voice_id (str | Unset): The provider's id for the voice.
        language (None | str | Unset):
        settings (UpdateVoiceInSettings | Unset): The provider's voice settings, passed to Vapi as they are.
        is_active (bool | Unset): false: deactivated; agents keep it, new links to it are refused.
        version (int | None | Unset):
    """

    name: str | Unset = UNSET
    provider: VoiceProvider | Unset = UNSET
    provider_voice_id: str | Unset = UNSET
    language: None | str | Unset = UNSET
    settings: UpdateVoiceInSettings | Unset = UNSET
    is_active: bool | Unset = UNSET
    version: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        provider: str | Unset = UNSET
        if not isinstance(self.provider, Unset):
            provider = self.provider

        provider_voice_id = self.provider_voice_id

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        settings: dict[str, Any] | Unset = UNSET
        if not isinstance(self.settings, Unset):
            settings = self.settings.to_dict()

        is_active = self.is_active

        version: int | None | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if provider is not UNSET:
            field_dict["provider"] = provider
        if provider_voice_id is not UNSET:
            field_dict["provider_voice_id"] = provider_voice_id
        if language is not UNSET:
            field_dict["language"] = language
        if settings is not UNSET:
            field_dict["settings"] = settings
        if is_active is not UNSET:
            field_dict["is_active"] = is_active
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.update_voice_in_settings import UpdateVoiceInSettings  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name", UNSET)

        _provider = d.pop("provider", UNSET)
        provider: VoiceProvider | Unset
        if isinstance(_provider, Unset):
            provider = UNSET
        else:
            provider = check_voice_provider(_provider)

        provider_voice_id = d.pop("provider_voice_id", UNSET)

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        _settings = d.pop("settings", UNSET)
        settings: UpdateVoiceInSettings | Unset
        if isinstance(_settings, Unset):
            settings = UNSET
        else:
            settings = UpdateVoiceInSettings.from_dict(_settings)

        is_active = d.pop("is_active", UNSET)

        def _parse_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        update_voice_in = cls(
            name=name,
            provider=provider,
            provider_voice_id=provider_voice_id,
            language=language,
            settings=settings,
            is_active=is_active,
            version=version,
        )

        return update_voice_in

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.voice_out_object import VoiceOutObject, check_voice_out_object
from ..models.voice_provider import VoiceProvider, check_voice_provider

if TYPE_CHECKING:
    from ..models.voice_out_settings import VoiceOutSettings


T = TypeVar("T", bound="VoiceOut")


@_attrs_define
class VoiceOut:
    """A voice of the tenant: a provider's voice its agents speak with.

    Attributes:
        object_ (VoiceOutObject):
        id (UUID): The voice's id.
        tenant_id (UUID): The tenant it belongs to.
        name (str): The voice's name.
        provider (VoiceProvider): The voice providers Vapi speaks through (its `voice.provider`).
        provider_voice_id (str): The provider's id for the voice.
        language (None | str): A BCP 47 language tag.
        settings (VoiceOutSettings): The provider's voice settings, passed to Vapi as they are.
        is_active (bool): false: deactivated; agents keep it, new links to it are refused.
        version (int): Moves by one with each change; send it back as `version` with a change to have a stale write
            refused (409).
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
    """

    object_: VoiceOutObject
    id: UUID
    tenant_id: UUID
    name: str
    provider: VoiceProvider
    provider_voice_id: str
    language: None | str
    settings: VoiceOutSettings
    is_active: bool
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        tenant_id = str(self.tenant_id)

        name = self.name

        provider: str = self.provider

        provider_voice_id = self.provider_voice_id

        language: None | str
        language = self.language

        settings = self.settings.to_dict()

        is_active = self.is_active

        version = self.version

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "tenant_id": tenant_id,
                "name": name,
                "provider": provider,
                "provider_voice_id": provider_voice_id,
                "language": language,
                "settings": settings,
                "is_active": is_active,
                "version": version,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.voice_out_settings import VoiceOutSettings  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_voice_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        tenant_id = UUID(d.pop("tenant_id"))

        name = d.pop("name")

        provider = check_voice_provider(d.pop("provider"))

        provider_voice_id = d.pop("provider_voice_id")

        def _parse_language(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        language = _parse_language(d.pop("language"))

        settings = VoiceOutSettings.from_dict(d.pop("settings"))

        is_active = d.pop("is_active")

        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        voice_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            name=name,
            provider=provider,
            provider_voice_id=provider_voice_id,
            language=language,
            settings=settings,
            is_active=is_active,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )

        voice_out.additional_properties = d
        return voice_out

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

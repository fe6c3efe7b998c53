from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.agent_out_object import AgentOutObject, check_agent_out_object

if TYPE_CHECKING:
    from ..models.agent_out_config import AgentOutConfig


T = TypeVar("T", bound="AgentOut")


@_attrs_define
class AgentOut:
    """A voice agent of the tenant: who speaks on its calls, with which voice, number and
    prompts.

    Attributes:
        object_ (AgentOutObject):
        id (UUID): The agent's id.
        tenant_id (UUID): The tenant it belongs to.
        name (str): The agent's name.
        voice_id (None | UUID): The voice it speaks with.
        default_number_id (None | UUID): The number it calls from by default.
        created_by (None | UUID): The user who created it.
        agent_instructions (None | str):
        system_instructions (None | str):
        outbound_prompt (None | str):
        inbound_prompt (None | str):
        first_message (None | str):
        language (None | str):
        provider_assistant_id (None | str):
        config (AgentOutConfig): Settings; `model` holds Vapi model fields and `transcriber` Vapi transcriber fields for
            calls without a saved assistant (with none, an agent with a `language` is transcribed by Deepgram nova-2 in that
            language).
        is_active (bool): false: deactivated; it places and answers no calls.
        version (int): Moves by one with each change; send it back as `version` with a change to have a stale write
            refused (409).
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
    """

    object_: AgentOutObject
    id: UUID
    tenant_id: UUID
    name: str
    voice_id: None | UUID
    default_number_id: None | UUID
    created_by: None | UUID
    agent_instructions: None | str
    system_instructions: None | str
    outbound_prompt: None | str
    inbound_prompt: None | str
    first_message: None | str
    language: None | str
    provider_assistant_id: None | str
    config: AgentOutConfig
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

        voice_id: None | str
        if isinstance(self.voice_id, UUID):
            voice_id = str(self.voice_id)
        else:
            voice_id = self.voice_id

        default_number_id: None | str
        if isinstance(self.default_number_id, UUID):
            default_number_id = str(self.default_number_id)
        else:
            default_number_id = self.default_number_id

        created_by: None | str
        if isinstance(self.created_by, UUID):
            created_by = str(self.created_by)
        else:
            created_by = self.created_by

        agent_instructions: None | str
        agent_instructions = self.agent_instructions

        system_instructions: None | str
        system_instructions = self.system_instructions

        outbound_prompt: None | str
        outbound_prompt = self.outbound_prompt

        inbound_prompt: None | str
        inbound_prompt = self.inbound_prompt

        first_message: None | str
        first_message = self.first_message

        language: None | str
        language = self.language

        provider_assistant_id: None | str
        provider_assistant_id = self.provider_assistant_id

        config = self.config.to_dict()

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
                "voice_id": voice_id,
                "default_number_id": default_number_id,
                "created_by": created_by,
                "agent_instructions": agent_instructions,
                "system_instructions": system_instructions,
                "outbound_prompt": outbound_prompt,
                "inbound_prompt": inbound_prompt,
                "first_message": first_message,
                "language": language,
                "provider_assistant_id": provider_assistant_id,
                "config": config,
                "is_active": is_active,
                "version": version,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.agent_out_config import AgentOutConfig  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_agent_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        tenant_id = UUID(d.pop("tenant_id"))

        name = d.pop("name")

        def _parse_voice_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                voice_id_type_0 = UUID(data)

                return voice_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        voice_id = _parse_voice_id(d.pop("voice_id"))

        def _parse_default_number_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                default_number_id_type_0 = UUID(data)

                return default_number_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        default_number_id = _parse_default_number_id(d.pop("default_number_id"))

        def _parse_created_by(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_by_type_0 = UUID(data)

                return created_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        created_by = _parse_created_by(d.pop("created_by"))

        def _parse_agent_instructions(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        agent_instructions = _parse_agent_instructions(d.pop("agent_instructions"))

        def _parse_system_instructions(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        system_instructions = _parse_system_instructions(d.pop("system_instructions"))

        def _parse_outbound_prompt(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        outbound_prompt = _parse_outbound_prompt(d.pop("outbound_prompt"))

        def _parse_inbound_prompt(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        inbound_prompt = _parse_inbound_prompt(d.pop("inbound_prompt"))

        def _parse_first_message(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        first_message = _parse_first_message(d.pop("first_message"))

        def _parse_language(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        language = _parse_language(d.pop("language"))

        def _parse_provider_assistant_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_assistant_id = _parse_provider_assistant_id(d.pop("provider_assistant_id"))

        config = AgentOutConfig.from_dict(d.pop("config"))

        is_active = d.pop("is_active")

        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        agent_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            name=name,
            voice_id=voice_id,
            default_number_id=default_number_id,
            created_by=created_by,
            agent_instructions=agent_instructions,
            system_instructions=system_instructions,
            outbound_prompt=outbound_prompt,
            inbound_prompt=inbound_prompt,
            first_message=first_message,
            language=language,
            provider_assistant_id=provider_assistant_id,
            config=config,
            is_active=is_active,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )

        agent_out.additional_properties = d
        return agent_out

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

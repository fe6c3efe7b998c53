from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_agent_in_config import CreateAgentInConfig


T = TypeVar("T", bound="CreateAgentIn")


@_attrs_define
class CreateAgentIn:
    """A new voice agent of the tenant.

    Attributes:
        name (str): The agent's name.
        voice_id (None | Unset | UUID):
        default_number_id (None | Unset | UUID):
        agent_instructions (None | str | Unset):
        system_instructions (None | str | Unset):
        outbound_prompt (None | str | Unset):
        inbound_prompt (None | str | Unset):
        first_message (None | str | Unset):
        language (None | str | Unset):
        provider_assistant_id (None | str | Unset):
        config (CreateAgentInConfig | Unset): Settings; `model` holds Vapi model fields and `transcriber` Vapi
            transcriber fields for calls without a saved assistant (with none, an agent with a `language` is transcribed by
            Deepgram nova-2 in that language).
    """

    name: str
    voice_id: None | Unset | UUID = UNSET
    default_number_id: None | Unset | UUID = UNSET
    agent_instructions: None | str | Unset = UNSET
    system_instructions: None | str | Unset = UNSET
    outbound_prompt: None | str | Unset = UNSET
    inbound_prompt: None | str | Unset = UNSET
    first_message: None | str | Unset = UNSET
    language: None | str | Unset = UNSET
    provider_assistant_id: None | str | Unset = UNSET
    config: CreateAgentInConfig | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        voice_id: None | str | Unset
        if isinstance(self.voice_id, Unset):
            voice_id = UNSET
        elif isinstance(self.voice_id, UUID):
            voice_id = str(self.voice_id)
        else:
            voice_id = self.voice_id

        default_number_id: None | str | Unset
        if isinstance(self.default_number_id, Unset):
            default_number_id = UNSET
        elif isinstance(self.default_number_id, UUID):
            default_number_id = str(self.default_number_id)
        else:
            default_number_id = self.default_number_id

        agent_instructions: None | str | Unset
        if isinstance(self.agent_instructions, Unset):
            agent_instructions = UNSET
        else:
            agent_instructions = self.agent_instructions

        system_instructions: None | str | Unset
        if isinstance(self.system_instructions, Unset):
            system_instructions = UNSET
        else:
            system_instructions = self.system_instructions

        outbound_prompt: None | str | Unset
        if isinstance(self.outbound_prompt, Unset):
            outbound_prompt = UNSET
        else:
            outbound_prompt = self.outbound_prompt

        inbound_prompt: None | str | Unset
        if isinstance(self.inbound_prompt, Unset):
            inbound_prompt = UNSET
        else:
            inbound_prompt = self.inbound_prompt

        first_message: None | str | Unset
        if isinstance(self.first_message, Unset):
            first_message = UNSET
        else:
            first_message = self.first_message

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        provider_assistant_id: None | str | Unset
        if isinstance(self.provider_assistant_id, Unset):
            provider_assistant_id = UNSET
        else:
            provider_assistant_id = self.provider_assistant_id

        config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.config, Unset):
            config = self.config.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if voice_id is not UNSET:
            field_dict["voice_id"] = voice_id
        if default_number_id is not UNSET:
            field_dict["default_number_id"] = default_number_id
        if agent_instructions is not UNSET:
            field_dict["agent_instructions"] = agent_instructions
        if system_instructions is not UNSET:
            field_dict["system_instructions"] = system_instructions
        if outbound_prompt is not UNSET:
            field_dict["outbound_prompt"] = outbound_prompt
        if inbound_prompt is not UNSET:
            field_dict["inbound_prompt"] = inbound_prompt
        if first_message is not UNSET:
            field_dict["first_message"] = first_message
        if language is not UNSET:
            field_dict["language"] = language
        if provider_assistant_id is not UNSET:
            field_dict["provider_assistant_id"] = provider_assistant_id
        if config is not UNSET:
            field_dict["config"] = config

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_agent_in_config import CreateAgentInConfig  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        def _parse_voice_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                voice_id_type_0 = UUID(data)

                return voice_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        voice_id = _parse_voice_id(d.pop("voice_id", UNSET))

        def _parse_default_number_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                default_number_id_type_0 = UUID(data)

                return default_number_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        default_number_id = _parse_default_number_id(d.pop("default_number_id", UNSET))

        def _parse_agent_instructions(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        agent_instructions = _parse_agent_instructions(d.pop("agent_instructions", UNSET))

        def _parse_system_instructions(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        system_instructions = _parse_system_instructions(d.pop("system_instructions", UNSET))

        def _parse_outbound_prompt(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        outbound_prompt = _parse_outbound_prompt(d.pop("outbound_prompt", UNSET))

        def _parse_inbound_prompt(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        inbound_prompt = _parse_inbound_prompt(d.pop("inbound_prompt", UNSET))

        def _parse_first_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        first_message = _parse_first_message(d.pop("first_message", UNSET))

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        def _parse_provider_assistant_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        provider_assistant_id = _parse_provider_assistant_id(d.pop("provider_assistant_id", UNSET))

        _config = d.pop("config", UNSET)
        config: CreateAgentInConfig | Unset
        if isinstance(_config, Unset):
            config = UNSET
        else:
            config = CreateAgentInConfig.from_dict(_config)

        create_agent_in = cls(
            name=name,
            voice_id=voice_id,
            default_number_id=default_number_id,
            agent_instructions=agent_instructions,
            system_instructions=system_instructions,
            outbound_prompt=outbound_prompt,
            inbound_prompt=inbound_prompt,
            first_message=first_message,
            language=language,
            provider_assistant_id=provider_assistant_id,
            config=config,
        )

        return create_agent_in

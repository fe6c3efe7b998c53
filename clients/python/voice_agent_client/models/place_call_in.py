from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.place_call_in_metadata import PlaceCallInMetadata
    from ..models.place_call_in_variables import PlaceCallInVariables


T = TypeVar("T", bound="PlaceCallIn")


@_attrs_define
class PlaceCallIn:
    """The call to place: an agent, and a lead or a number to call.

    Attributes:
        agent_id (UUID): The agent that makes the call.
        lead_id (None | Unset | UUID): The lead to call (its number is dialled).
        to (None | str | Unset): The number to call when no lead is given (a lead with it is linked).
        country (None | str | Unset): Only to read `to` when written without +.
        from_number_id (None | Unset | UUID): Defaults to the agent's default number.
        variables (PlaceCallInVariables | Unset): Values for the assistant's {{placeholders}}.
        metadata (PlaceCallInMetadata | Unset): Your own data, kept with the call and shown in its `metadata`.
    """

    agent_id: UUID
    lead_id: None | Unset | UUID = UNSET
    to: None | str | Unset = UNSET
    country: None | str | Unset = UNSET
    from_number_id: None | Unset | UUID = UNSET
    variables: PlaceCallInVariables | Unset = UNSET
    metadata: PlaceCallInMetadata | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        agent_id = str(self.agent_id)

        lead_id: None | str | Unset
        if isinstance(self.lead_id, Unset):
            lead_id = UNSET
        elif isinstance(self.lead_id, UUID):
            lead_id = str(self.lead_id)
        else:
            lead_id = self.lead_id

        to: None | str | Unset
        if isinstance(self.to, Unset):
            to = UNSET
        else:
            to = self.to

        country: None | str | Unset
        if isinstance(self.country, Unset):
            country = UNSET
        else:
            country = self.country

        from_number_id: None | str | Unset
        if isinstance(self.from_number_id, Unset):
            from_number_id = UNSET
        elif isinstance(self.from_number_id, UUID):
            from_number_id = str(self.from_number_id)
        else:
            from_number_id = self.from_number_id

        variables: dict[str, Any] | Unset = UNSET
        if not isinstance(self.variables, Unset):
            variables = self.variables.to_dict()

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "agent_id": agent_id,
            }
        )
        if lead_id is not UNSET:
            field_dict["lead_id"] = lead_id
        if to is not UNSET:
            field_dict["to"] = to
        if country is not UNSET:
            field_dict["country"] = country
        if from_number_id is not UNSET:
            field_dict["from_number_id"] = from_number_id
        if variables is not UNSET:
            field_dict["variables"] = variables
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.place_call_in_metadata import PlaceCallInMetadata  # noqa: PLC0415
        from ..models.place_call_in_variables import PlaceCallInVariables  # noqa: PLC0415

        d = dict(src_dict)
        agent_id = UUID(d.pop("agent_id"))

        def _parse_lead_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                lead_id_type_0 = UUID(data)

                return lead_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        lead_id = _parse_lead_id(d.pop("lead_id", UNSET))

        def _parse_to(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        to = _parse_to(d.pop("to", UNSET))

        def _parse_country(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        country = _parse_country(d.pop("country", UNSET))

        def _parse_from_number_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                from_number_id_type_0 = UUID(data)

                return from_number_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        from_number_id = _parse_from_number_id(d.pop("from_number_id", UNSET))

        _variables = d.pop("variables", UNSET)
        variables: PlaceCallInVariables | Unset
        if isinstance(_variables, Unset):
            variables = UNSET
        else:
            variables = PlaceCallInVariables.from_dict(_variables)

        _metadata = d.pop("metadata", UNSET)
        metadata: PlaceCallInMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = PlaceCallInMetadata.from_dict(_metadata)

        place_call_in = cls(
            agent_id=agent_id,
            lead_id=lead_id,
            to=to,
            country=country,
            from_number_id=from_number_id,
            variables=variables,
            metadata=metadata,
        )

        return place_call_in

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.call_direction import CallDirection, check_call_direction
from ..models.call_status import CallStatus, check_call_status
from ..models.call_summary_out_object import CallSummaryOutObject, check_call_summary_out_object

T = TypeVar("T", bound="CallSummaryOut")


@_attrs_define
class CallSummaryOut:
    """A call as lists show it: the call without its transcript, recording, summary,
    analysis, cost breakdown, metadata and version (`GET …/calls/{id}` has them).

    Attributes:
        object_ (CallSummaryOutObject):
        id (UUID): The call's id.
        tenant_id (UUID): The tenant it belongs to.
        direction (CallDirection): Who called: `outbound`, placed by us; `inbound`, a caller to one of our numbers.
        status (CallStatus): Vapi's call statuses, plus ours: `failed` (the provider refused to place it) and
                `unknown` (its creation's outcome is not known yet; the reconciler finds out).
        agent_id (None | UUID): The agent that placed or answered the call.
        lead_id (None | UUID): The lead called, or who called in; null: nobody known.
        voice_id (None | UUID): The voice the agent spoke with.
        from_number_id (None | UUID): The tenant's number the call was made from (outbound) or to (inbound).
        to_number (str): The number called, E.164 (inbound: the tenant's own line); `erased` once the person called was
            erased (POST …/leads/{lead_id}/erase).
        caller_number (None | str): Inbound calls: who called, E.164 (null when the number was withheld); `?number=`
            finds calls by it.
        ended_reason (None | str): Why the call ended, as the provider says it, or ours: `provider-rejected`, `provider-
            unreachable`, `provider-has-no-record`, `sandbox-interrupted`.
        error (None | str): Why the provider did not take the call, why its outcome is not known yet, or why it ended
            without a report.
        vapi_call_id (None | str): The provider's (Vapi's) id of the call; null until it has one.
        cost (None | str): What the provider charged for the call, US dollars (a decimal string, six places or more);
            null until its report.
        call_duration (int | None): Seconds from answer to hang-up; null until known.
        batch_id (None | UUID): The batch that placed the call.
        started_at (datetime.datetime | None): When the call was answered (RFC 3339, UTC).
        ended_at (datetime.datetime | None): When the call ended (RFC 3339, UTC).
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
    """

    object_: CallSummaryOutObject
    id: UUID
    tenant_id: UUID
    direction: CallDirection
    status: CallStatus
    agent_id: None | UUID
    lead_id: None | UUID
    voice_id: None | UUID
    from_number_id: None | UUID
    to_number: str
    caller_number: None | str
    ended_reason: None | str
    error: None | str
    vapi_call_id: None | str
    cost: None | str
    call_duration: int | None
    batch_id: None | UUID
    started_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        tenant_id = str(self.tenant_id)

        direction: str = self.direction

        status: str = self.status

        agent_id: None | str
        if isinstance(self.agent_id, UUID):
            agent_id = str(self.agent_id)
        else:
            agent_id = self.agent_id

        lead_id: None | str
        if isinstance(self.lead_id, UUID):
            lead_id = str(self.lead_id)
        else:
            lead_id = self.lead_id

        voice_id: None | str
        if isinstance(self.voice_id, UUID):
            voice_id = str(self.voice_id)
        else:
            voice_id = self.voice_id

        from_number_id: None | str
        if isinstance(self.from_number_id, UUID):
            from_number_id = str(self.from_number_id)
        else:
            from_number_id = self.from_number_id

        to_number = self.to_number

        caller_number: None | str
        caller_number = self.caller_number

        ended_reason: None | str
        ended_reason = self.ended_reason

        error: None | str
        error = self.error

        vapi_call_id: None | str
        vapi_call_id = self.vapi_call_id

        cost: None | str
        cost = self.cost

        call_duration: int | None
        call_duration = self.call_duration

        batch_id: None | str
        if isinstance(self.batch_id, UUID):
            batch_id = str(self.batch_id)
        else:
            batch_id = self.batch_id

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        ended_at: None | str
        if isinstance(self.ended_at, datetime.datetime):
            ended_at = self.ended_at.isoformat()
        else:
            ended_at = self.ended_at

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "tenant_id": tenant_id,
                "direction": direction,
                "status": status,
                "agent_id": agent_id,
                "lead_id": lead_id,
                "voice_id": voice_id,
                "from_number_id": from_number_id,
                "to_number": to_number,
                "caller_number": caller_number,
                "ended_reason": ended_reason,
                "error": error,
                "vapi_call_id": vapi_call_id,
                "cost": cost,
                "call_duration": call_duration,
                "batch_id": batch_id,
                "started_at": started_at,
                "ended_at": ended_at,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_call_summary_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        tenant_id = UUID(d.pop("tenant_id"))

        direction = check_call_direction(d.pop("direction"))

        status = check_call_status(d.pop("status"))

        def _parse_agent_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                agent_id_type_0 = UUID(data)

                return agent_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        agent_id = _parse_agent_id(d.pop("agent_id"))

        def _parse_lead_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                lead_id_type_0 = UUID(data)

                return lead_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        lead_id = _parse_lead_id(d.pop("lead_id"))

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

        def _parse_from_number_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                from_number_id_type_0 = UUID(data)

                return from_number_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        from_number_id = _parse_from_number_id(d.pop("from_number_id"))

        to_number = d.pop("to_number")

        def _parse_caller_number(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        caller_number = _parse_caller_number(d.pop("caller_number"))

        def _parse_ended_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ended_reason = _parse_ended_reason(d.pop("ended_reason"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_vapi_call_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        vapi_call_id = _parse_vapi_call_id(d.pop("vapi_call_id"))

        def _parse_cost(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        cost = _parse_cost(d.pop("cost"))

        def _parse_call_duration(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        call_duration = _parse_call_duration(d.pop("call_duration"))

        def _parse_batch_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                batch_id_type_0 = UUID(data)

                return batch_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        batch_id = _parse_batch_id(d.pop("batch_id"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        def _parse_ended_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ended_at_type_0 = datetime.datetime.fromisoformat(data)

                return ended_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        ended_at = _parse_ended_at(d.pop("ended_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        call_summary_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            direction=direction,
            status=status,
            agent_id=agent_id,
            lead_id=lead_id,
            voice_id=voice_id,
            from_number_id=from_number_id,
            to_number=to_number,
            caller_number=caller_number,
            ended_reason=ended_reason,
            error=error,
            vapi_call_id=vapi_call_id,
            cost=cost,
            call_duration=call_duration,
            batch_id=batch_id,
            started_at=started_at,
            ended_at=ended_at,
            created_at=created_at,
            updated_at=updated_at,
        )

        call_summary_out.additional_properties = d
        return call_summary_out

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

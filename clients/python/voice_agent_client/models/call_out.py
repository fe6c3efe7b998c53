from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.call_direction import CallDirection, check_call_direction
from ..models.call_out_object import CallOutObject, check_call_out_object
from ..models.call_out_purged_content_item import CallOutPurgedContentItem, check_call_out_purged_content_item
from ..models.call_status import CallStatus, check_call_status

if TYPE_CHECKING:
    from ..models.call_out_analysis_type_0 import CallOutAnalysisType0
    from ..models.call_out_cost_breakdown_type_0 import CallOutCostBreakdownType0
    from ..models.call_out_metadata import CallOutMetadata
    from ..models.call_out_structured_outputs_type_0 import CallOutStructuredOutputsType0
    from ..models.call_out_transfers_item import CallOutTransfersItem
    from ..models.recording_out import RecordingOut
    from ..models.transcript_out import TranscriptOut


T = TypeVar("T", bound="CallOut")


@_attrs_define
class CallOut:
    """A call: where it stands, and once it has ended what was said, its recording, the
    provider's summary and analysis, and what it cost.

    Attributes:
        object_ (CallOutObject):
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
        version (int): Goes up by one with every change to the call.
        transcript (None | TranscriptOut): What was said; null until the end-of-call report.
        recording (None | RecordingOut): The call's recording; null when none, and always for a call of a tenant whose
            plan has no `recordings` when it was placed (the provider is told not to record it, and no link to a recording
            is kept).
        summary (None | str): The provider's summary of the conversation; null until its report.
        analysis (CallOutAnalysisType0 | None): The provider's analysis of the call: `summary`, `structured_data` (what
            the agent was asked to extract, as extracted: your data, keys as you named them), `success_evaluation`, and any
            other part the provider adds, named in snake_case. null until the report.
        cost_breakdown (CallOutCostBreakdownType0 | None): How the cost breaks down, as the provider reports it, in
            snake_case: amounts (`transport`, `stt`, `llm`, `tts`, `vapi`, `total`, ...) are US dollars as decimal strings
            with six places or more; counts (`*_tokens`, `*_characters`) are numbers; `analysis_cost_breakdown` breaks down
            the analysis the same way. null until the report.
        metadata (CallOutMetadata): The metadata given when the call was placed (inbound calls answered before
            `caller_number` was a field of its own also hold it here).
        structured_outputs (CallOutStructuredOutputsType0 | None): The provider's structured outputs of the call (what
            it was asked to extract), by output id, as the provider sent them; null when none.
        transfers (list[CallOutTransfersItem]): The call's transfer attempts (warm and blind) as the provider sent them:
            destination, mode, status; empty when none.
        log_url (None | str): The provider's log of the call (may expire); null when none.
        content_purged_at (datetime.datetime | None): When content of the call (`purged_content`) was last deleted; null
            while all of it is kept.
        purged_content (list[CallOutPurgedContentItem]): What was deleted, by age (the tenant's retention), on demand,
            or as it came when the tenant stores no transcripts: `transcript` (with the summary, analysis and other
            artifacts), `recording` (every link to the audio), `provider_record`. Outcome, cost, duration and usage always
            stay.
        content_stored (bool): Whether the call keeps what was said (false when its tenant stores no transcripts: the
            provider kept nothing either).
    """

    object_: CallOutObject
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
    version: int
    transcript: None | TranscriptOut
    recording: None | RecordingOut
    summary: None | str
    analysis: CallOutAnalysisType0 | None
    cost_breakdown: CallOutCostBreakdownType0 | None
    metadata: CallOutMetadata
    structured_outputs: CallOutStructuredOutputsType0 | None
    transfers: list[CallOutTransfersItem]
    log_url: None | str
    content_purged_at: datetime.datetime | None
    purged_content: list[CallOutPurgedContentItem]
    content_stored: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.call_out_analysis_type_0 import CallOutAnalysisType0  # noqa: PLC0415
        from ..models.call_out_cost_breakdown_type_0 import CallOutCostBreakdownType0  # noqa: PLC0415
        from ..models.call_out_structured_outputs_type_0 import CallOutStructuredOutputsType0  # noqa: PLC0415
        from ..models.recording_out import RecordingOut  # noqa: PLC0415
        from ..models.transcript_out import TranscriptOut  # noqa: PLC0415

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

        version = self.version

        transcript: dict[str, Any] | None
        if isinstance(self.transcript, TranscriptOut):
            transcript = self.transcript.to_dict()
        else:
            transcript = self.transcript

        recording: dict[str, Any] | None
        if isinstance(self.recording, RecordingOut):
            recording = self.recording.to_dict()
        else:
            recording = self.recording

        summary: None | str
        summary = self.summary

        analysis: dict[str, Any] | None
        if isinstance(self.analysis, CallOutAnalysisType0):
            analysis = self.analysis.to_dict()
        else:
            analysis = self.analysis

        cost_breakdown: dict[str, Any] | None
        if isinstance(self.cost_breakdown, CallOutCostBreakdownType0):
            cost_breakdown = self.cost_breakdown.to_dict()
        else:
            cost_breakdown = self.cost_breakdown

        metadata = self.metadata.to_dict()

        structured_outputs: dict[str, Any] | None
        if isinstance(self.structured_outputs, CallOutStructuredOutputsType0):
            structured_outputs = self.structured_outputs.to_dict()
        else:
            structured_outputs = self.structured_outputs

        transfers = []
        for transfers_item_data in self.transfers:
            transfers_item = transfers_item_data.to_dict()
            transfers.append(transfers_item)

        log_url: None | str
        log_url = self.log_url

        content_purged_at: None | str
        if isinstance(self.content_purged_at, datetime.datetime):
            content_purged_at = self.content_purged_at.isoformat()
        else:
            content_purged_at = self.content_purged_at

        purged_content = []
        for purged_content_item_data in self.purged_content:
            purged_content_item: str = purged_content_item_data
            purged_content.append(purged_content_item)

        content_stored = self.content_stored

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
                "version": version,
                "transcript": transcript,
                "recording": recording,
                "summary": summary,
                "analysis": analysis,
                "cost_breakdown": cost_breakdown,
                "metadata": metadata,
                "structured_outputs": structured_outputs,
                "transfers": transfers,
                "log_url": log_url,
                "content_purged_at": content_purged_at,
                "purged_content": purged_content,
                "content_stored": content_stored,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.call_out_analysis_type_0 import CallOutAnalysisType0  # noqa: PLC0415
        from ..models.call_out_cost_breakdown_type_0 import CallOutCostBreakdownType0  # noqa: PLC0415
        from ..models.call_out_metadata import CallOutMetadata  # noqa: PLC0415
        from ..models.call_out_structured_outputs_type_0 import CallOutStructuredOutputsType0  # noqa: PLC0415
        from ..models.call_out_transfers_item import CallOutTransfersItem  # noqa: PLC0415
        from ..models.recording_out import RecordingOut  # noqa: PLC0415
        from ..models.transcript_out import TranscriptOut  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_call_out_object(d.pop("object"))

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

        version = d.pop("version")

        def _parse_transcript(data: object) -> None | TranscriptOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                transcript_type_0 = TranscriptOut.from_dict(data)

                return transcript_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TranscriptOut, data)

        transcript = _parse_transcript(d.pop("transcript"))

        def _parse_recording(data: object) -> None | RecordingOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                recording_type_0 = RecordingOut.from_dict(data)

                return recording_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RecordingOut, data)

        recording = _parse_recording(d.pop("recording"))

        def _parse_summary(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        summary = _parse_summary(d.pop("summary"))

        def _parse_analysis(data: object) -> CallOutAnalysisType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                analysis_type_0 = CallOutAnalysisType0.from_dict(data)

                return analysis_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CallOutAnalysisType0 | None, data)

        analysis = _parse_analysis(d.pop("analysis"))

        def _parse_cost_breakdown(data: object) -> CallOutCostBreakdownType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                cost_breakdown_type_0 = CallOutCostBreakdownType0.from_dict(data)

                return cost_breakdown_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CallOutCostBreakdownType0 | None, data)

        cost_breakdown = _parse_cost_breakdown(d.pop("cost_breakdown"))

        metadata = CallOutMetadata.from_dict(d.pop("metadata"))

        def _parse_structured_outputs(data: object) -> CallOutStructuredOutputsType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                structured_outputs_type_0 = CallOutStructuredOutputsType0.from_dict(data)

                return structured_outputs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CallOutStructuredOutputsType0 | None, data)

        structured_outputs = _parse_structured_outputs(d.pop("structured_outputs"))

        transfers = []
        _transfers = d.pop("transfers")
        for transfers_item_data in _transfers:
            transfers_item = CallOutTransfersItem.from_dict(transfers_item_data)

            transfers.append(transfers_item)

        def _parse_log_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        log_url = _parse_log_url(d.pop("log_url"))

        def _parse_content_purged_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                content_purged_at_type_0 = datetime.datetime.fromisoformat(data)

                return content_purged_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        content_purged_at = _parse_content_purged_at(d.pop("content_purged_at"))

        purged_content = []
        _purged_content = d.pop("purged_content")
        for purged_content_item_data in _purged_content:
            purged_content_item = check_call_out_purged_content_item(purged_content_item_data)

            purged_content.append(purged_content_item)

        content_stored = d.pop("content_stored")

        call_out = cls(
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
            version=version,
            transcript=transcript,
            recording=recording,
            summary=summary,
            analysis=analysis,
            cost_breakdown=cost_breakdown,
            metadata=metadata,
            structured_outputs=structured_outputs,
            transfers=transfers,
            log_url=log_url,
            content_purged_at=content_purged_at,
            purged_content=purged_content,
            content_stored=content_stored,
        )

        call_out.additional_properties = d
        return call_out

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

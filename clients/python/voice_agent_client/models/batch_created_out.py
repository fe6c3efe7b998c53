from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.batch_created_out_object import BatchCreatedOutObject, check_batch_created_out_object
from ..models.batch_status import BatchStatus, check_batch_status
from ..models.pause_reason import PauseReason, check_pause_reason

if TYPE_CHECKING:
    from ..models.calling_window_out import CallingWindowOut
    from ..models.preflight_report import PreflightReport
    from ..models.progress_out import ProgressOut
    from ..models.retry_policy_out import RetryPolicyOut


T = TypeVar("T", bound="BatchCreatedOut")


@_attrs_define
class BatchCreatedOut:
    """A new batch, in draft, with its preflight: what would happen if it started now.

    Attributes:
        object_ (BatchCreatedOutObject):
        id (UUID): The batch's id.
        tenant_id (UUID): The tenant it belongs to.
        name (str): The batch's name.
        agent_id (UUID): The agent that makes the calls.
        from_number_id (UUID): The number it calls from.
        status (BatchStatus): draft → running → paused ↔ running → completed; cancelled from any but the ends.
        pause_reason (None | PauseReason): Why it is paused; null unless it is.
        concurrency (int): How many of its calls may be on the line at once (the tenant's `calls.concurrent.max` and its
            share of the provider's lines may allow fewer).
        max_attempts (int): How many times a lead is dialled at most (busy, no answer and voicemail are tried again
            while tries are left).
        calling_window (CallingWindowOut): The local hours leads are called in, on each lead's own clock (its zone, else
            its
                number's, else the batch's).
        timezone (None | str):
        retry_policy (RetryPolicyOut): The waits before a lead is called again, by how its last try ended.
        progress (ProgressOut): Where the batch's leads stand, and what its calls cost so far.
        created_by (None | UUID): The user who created it; null: the system.
        started_at (datetime.datetime | None): When it was started.
        ended_at (datetime.datetime | None): When it completed or was cancelled.
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
        version (int): Moves by one with each change; send it back as `version` with a change to have a stale write
            refused (409).
        preflight (PreflightReport): What would happen if the batch ran now, one try per lead; nothing is dialled to
            find
                out.
    """

    object_: BatchCreatedOutObject
    id: UUID
    tenant_id: UUID
    name: str
    agent_id: UUID
    from_number_id: UUID
    status: BatchStatus
    pause_reason: None | PauseReason
    concurrency: int
    max_attempts: int
    calling_window: CallingWindowOut
    timezone: None | str
    retry_policy: RetryPolicyOut
    progress: ProgressOut
    created_by: None | UUID
    started_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int
    preflight: PreflightReport
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        tenant_id = str(self.tenant_id)

        name = self.name

        agent_id = str(self.agent_id)

        from_number_id = str(self.from_number_id)

        status: str = self.status

        pause_reason: None | str
        if isinstance(self.pause_reason, str):
            pause_reason = self.pause_reason
        else:
            pause_reason = self.pause_reason

        concurrency = self.concurrency

        max_attempts = self.max_attempts

        calling_window = self.calling_window.to_dict()

        timezone: None | str
        timezone = self.timezone

        retry_policy = self.retry_policy.to_dict()

        progress = self.progress.to_dict()

        created_by: None | str
        if isinstance(self.created_by, UUID):
            created_by = str(self.created_by)
        else:
            created_by = self.created_by

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

        preflight = self.preflight.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "tenant_id": tenant_id,
                "name": name,
                "agent_id": agent_id,
                "from_number_id": from_number_id,
                "status": status,
                "pause_reason": pause_reason,
                "concurrency": concurrency,
                "max_attempts": max_attempts,
                "calling_window": calling_window,
                "timezone": timezone,
                "retry_policy": retry_policy,
                "progress": progress,
                "created_by": created_by,
                "started_at": started_at,
                "ended_at": ended_at,
                "created_at": created_at,
                "updated_at": updated_at,
                "version": version,
                "preflight": preflight,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.calling_window_out import CallingWindowOut  # noqa: PLC0415
        from ..models.preflight_report import PreflightReport  # noqa: PLC0415
        from ..models.progress_out import ProgressOut  # noqa: PLC0415
        from ..models.retry_policy_out import RetryPolicyOut  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_batch_created_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        tenant_id = UUID(d.pop("tenant_id"))

        name = d.pop("name")

        agent_id = UUID(d.pop("agent_id"))

        from_number_id = UUID(d.pop("from_number_id"))

        status = check_batch_status(d.pop("status"))

        def _parse_pause_reason(data: object) -> None | PauseReason:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                pause_reason_type_0 = check_pause_reason(data)

                return pause_reason_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PauseReason, data)

        pause_reason = _parse_pause_reason(d.pop("pause_reason"))

        concurrency = d.pop("concurrency")

        max_attempts = d.pop("max_attempts")

        calling_window = CallingWindowOut.from_dict(d.pop("calling_window"))

        def _parse_timezone(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        timezone = _parse_timezone(d.pop("timezone"))

        retry_policy = RetryPolicyOut.from_dict(d.pop("retry_policy"))

        progress = ProgressOut.from_dict(d.pop("progress"))

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

        preflight = PreflightReport.from_dict(d.pop("preflight"))

        batch_created_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            name=name,
            agent_id=agent_id,
            from_number_id=from_number_id,
            status=status,
            pause_reason=pause_reason,
            concurrency=concurrency,
            max_attempts=max_attempts,
            calling_window=calling_window,
            timezone=timezone,
            retry_policy=retry_policy,
            progress=progress,
            created_by=created_by,
            started_at=started_at,
            ended_at=ended_at,
            created_at=created_at,
            updated_at=updated_at,
            version=version,
            preflight=preflight,
        )

        batch_created_out.additional_properties = d
        return batch_created_out

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

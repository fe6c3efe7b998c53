from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ready_out_status import ReadyOutStatus, check_ready_out_status
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.worker_out import WorkerOut


T = TypeVar("T", bound="ReadyOut")


@_attrs_define
class ReadyOut:
    """The process can serve: its database is reachable and migrated.

    Attributes:
        status (ReadyOutStatus): Always ok.
        worker (None | Unset | WorkerOut): Absent when this process runs no worker (VOICE_AGENT_WORKER=false).
    """

    status: ReadyOutStatus
    worker: None | Unset | WorkerOut = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.worker_out import WorkerOut  # noqa: PLC0415

        status: str = self.status

        worker: dict[str, Any] | None | Unset
        if isinstance(self.worker, Unset):
            worker = UNSET
        elif isinstance(self.worker, WorkerOut):
            worker = self.worker.to_dict()
        else:
            worker = self.worker

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
            }
        )
        if worker is not UNSET:
            field_dict["worker"] = worker

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.worker_out import WorkerOut  # noqa: PLC0415

        d = dict(src_dict)
        status = check_ready_out_status(d.pop("status"))

        def _parse_worker(data: object) -> None | Unset | WorkerOut:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                worker_type_0 = WorkerOut.from_dict(data)

                return worker_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | WorkerOut, data)

        worker = _parse_worker(d.pop("worker", UNSET))

        ready_out = cls(
            status=status,
            worker=worker,
        )

        ready_out.additional_properties = d
        return ready_out

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

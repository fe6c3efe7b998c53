from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.worker_out_state import WorkerOutState, check_worker_out_state

T = TypeVar("T", bound="WorkerOut")


@_attrs_define
class WorkerOut:
    """The job worker running inside this process (the call reconciler).

    Attributes:
        state (WorkerOutState): restarting: it stopped (e.g. the database went away) and is about to be started again;
            the log says why.
        restarts (int): Times it stopped and was started again.
        last_sweep_at (datetime.datetime | None): When its reconciler last finished a sweep (null: not yet).
        last_stopped_at (datetime.datetime | None): When it last stopped (null: never).
    """

    state: WorkerOutState
    restarts: int
    last_sweep_at: datetime.datetime | None
    last_stopped_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        state: str = self.state

        restarts = self.restarts

        last_sweep_at: None | str
        if isinstance(self.last_sweep_at, datetime.datetime):
            last_sweep_at = self.last_sweep_at.isoformat()
        else:
            last_sweep_at = self.last_sweep_at

        last_stopped_at: None | str
        if isinstance(self.last_stopped_at, datetime.datetime):
            last_stopped_at = self.last_stopped_at.isoformat()
        else:
            last_stopped_at = self.last_stopped_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "state": state,
                "restarts": restarts,
                "last_sweep_at": last_sweep_at,
                "last_stopped_at": last_stopped_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        state = check_worker_out_state(d.pop("state"))

        restarts = d.pop("restarts")

        def _parse_last_sweep_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_sweep_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_sweep_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_sweep_at = _parse_last_sweep_at(d.pop("last_sweep_at"))

        def _parse_last_stopped_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_stopped_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_stopped_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_stopped_at = _parse_last_stopped_at(d.pop("last_stopped_at"))

        worker_out = cls(
            state=state,
            restarts=restarts,
            last_sweep_at=last_sweep_at,
            last_stopped_at=last_stopped_at,
        )

        worker_out.additional_properties = d
        return worker_out

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

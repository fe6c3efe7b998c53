from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.lead_status import LeadStatus, check_lead_status
from ..types import UNSET, Unset

T = TypeVar("T", bound="LeadFilterIn")


@_attrs_define
class LeadFilterIn:
    """Every lead of the tenant that matches (each condition left out matches any).

    Attributes:
        status (LeadStatus | None | Unset): Only leads in this status.
        source (None | str | Unset): Only leads from this source (exact).
        created_from (datetime.datetime | None | Unset): Only leads created at or after.
        created_before (datetime.datetime | None | Unset): Only leads created before.
        never_contacted (bool | Unset): true: only leads no call has reached yet. Default: False.
    """

    status: LeadStatus | None | Unset = UNSET
    source: None | str | Unset = UNSET
    created_from: datetime.datetime | None | Unset = UNSET
    created_before: datetime.datetime | None | Unset = UNSET
    never_contacted: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, str):
            status = self.status
        else:
            status = self.status

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        created_from: None | str | Unset
        if isinstance(self.created_from, Unset):
            created_from = UNSET
        elif isinstance(self.created_from, datetime.datetime):
            created_from = self.created_from.isoformat()
        else:
            created_from = self.created_from

        created_before: None | str | Unset
        if isinstance(self.created_before, Unset):
            created_before = UNSET
        elif isinstance(self.created_before, datetime.datetime):
            created_before = self.created_before.isoformat()
        else:
            created_before = self.created_before

        never_contacted = self.never_contacted

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if status is not UNSET:
            field_dict["status"] = status
        if source is not UNSET:
            field_dict["source"] = source
        if created_from is not UNSET:
            field_dict["created_from"] = created_from
        if created_before is not UNSET:
            field_dict["created_before"] = created_before
        if never_contacted is not UNSET:
            field_dict["never_contacted"] = never_contacted

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_status(data: object) -> LeadStatus | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = check_lead_status(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LeadStatus | None | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        def _parse_created_from(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_from_type_0 = datetime.datetime.fromisoformat(data)

                return created_from_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        created_from = _parse_created_from(d.pop("created_from", UNSET))

        def _parse_created_before(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_before_type_0 = datetime.datetime.fromisoformat(data)

                return created_before_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        created_before = _parse_created_before(d.pop("created_before", UNSET))

        never_contacted = d.pop("never_contacted", UNSET)

        lead_filter_in = cls(
            status=status,
            source=source,
            created_from=created_from,
            created_before=created_before,
            never_contacted=never_contacted,
        )

        return lead_filter_in

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.lead_filter_in import LeadFilterIn


T = TypeVar("T", bound="LeadsIn")


@_attrs_define
class LeadsIn:
    """Which leads the batch calls: exactly one of `ids` and `filter`. Do-not-call leads are
    taken too: the preflight counts them and they are skipped when their turn comes.

    Attributes:
        ids (list[UUID] | None | Unset): The tenant's leads, 1 to 10000 (a lead named twice is called once, and counted
            in the preflight's `duplicate_leads`); null when `filter` is given.
        filter_ (LeadFilterIn | None | Unset): The leads that match; null when `ids` are given.
    """

    ids: list[UUID] | None | Unset = UNSET
    filter_: LeadFilterIn | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.lead_filter_in import LeadFilterIn  # noqa: PLC0415

        ids: list[str] | None | Unset
        if isinstance(self.ids, Unset):
            ids = UNSET
        elif isinstance(self.ids, list):
            ids = []
            for ids_type_0_item_data in self.ids:
                ids_type_0_item = str(ids_type_0_item_data)
                ids.append(ids_type_0_item)

        else:
            ids = self.ids

        filter_: dict[str, Any] | None | Unset
        if isinstance(self.filter_, Unset):
            filter_ = UNSET
        elif isinstance(self.filter_, LeadFilterIn):
            filter_ = self.filter_.to_dict()
        else:
            filter_ = self.filter_

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if ids is not UNSET:
            field_dict["ids"] = ids
        if filter_ is not UNSET:
            field_dict["filter"] = filter_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.lead_filter_in import LeadFilterIn  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_ids(data: object) -> list[UUID] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                ids_type_0 = []
                _ids_type_0 = data
                for ids_type_0_item_data in _ids_type_0:
                    ids_type_0_item = UUID(ids_type_0_item_data)

                    ids_type_0.append(ids_type_0_item)

                return ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[UUID] | None | Unset, data)

        ids = _parse_ids(d.pop("ids", UNSET))

        def _parse_filter_(data: object) -> LeadFilterIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                filter_type_0 = LeadFilterIn.from_dict(data)

                return filter_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LeadFilterIn | None | Unset, data)

        filter_ = _parse_filter_(d.pop("filter", UNSET))

        leads_in = cls(
            ids=ids,
            filter_=filter_,
        )

        return leads_in

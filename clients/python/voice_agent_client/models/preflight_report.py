from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PreflightReport")


@_attrs_define
class PreflightReport:
    """What would happen if the batch ran now, one try per lead; nothing is dialled to find
    out.

    Attributes:
        leads (int): Leads still waiting for a try.
        callable_now (int): Of those, the ones that would be dialled at once: not do-not-call, zone known, inside the
            calling window now.
        do_not_call (int): Do-not-call leads (skipped).
        unknown_time_zone (int): Leads whose local time is not known: no zone of their own, none from their number, and
            the batch has none (skipped).
        outside_window_now (int): Leads outside the calling window now (called later).
        invalid_number (int): Leads whose number cannot be dialled (skipped).
        duplicate_leads (int): Lead ids named more than once at creation (each lead is called once); 0 in a later
            preflight.
        concurrency (int): The concurrency the batch will run at: at most the tenant's `calls.concurrent.max` and its
            share of the provider's lines.
        estimated_seconds (int): About how long the callable leads take at that concurrency, one try each, at 90 seconds
            a call.
        problems (list[str]): What stops the batch from starting or running to its end (the plan, its limits); empty
            when nothing does.
    """

    leads: int
    callable_now: int
    do_not_call: int
    unknown_time_zone: int
    outside_window_now: int
    invalid_number: int
    duplicate_leads: int
    concurrency: int
    estimated_seconds: int
    problems: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        leads = self.leads

        callable_now = self.callable_now

        do_not_call = self.do_not_call

        unknown_time_zone = self.unknown_time_zone

        outside_window_now = self.outside_window_now

        invalid_number = self.invalid_number

        duplicate_leads = self.duplicate_leads

        concurrency = self.concurrency

        estimated_seconds = self.estimated_seconds

        problems = self.problems

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "leads": leads,
                "callable_now": callable_now,
                "do_not_call": do_not_call,
                "unknown_time_zone": unknown_time_zone,
                "outside_window_now": outside_window_now,
                "invalid_number": invalid_number,
                "duplicate_leads": duplicate_leads,
                "concurrency": concurrency,
                "estimated_seconds": estimated_seconds,
                "problems": problems,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        leads = d.pop("leads")

        callable_now = d.pop("callable_now")

        do_not_call = d.pop("do_not_call")

        unknown_time_zone = d.pop("unknown_time_zone")

        outside_window_now = d.pop("outside_window_now")

        invalid_number = d.pop("invalid_number")

        duplicate_leads = d.pop("duplicate_leads")

        concurrency = d.pop("concurrency")

        estimated_seconds = d.pop("estimated_seconds")

        problems = cast(list[str], d.pop("problems"))

        preflight_report = cls(
            leads=leads,
            callable_now=callable_now,
            do_not_call=do_not_call,
            unknown_time_zone=unknown_time_zone,
            outside_window_now=outside_window_now,
            invalid_number=invalid_number,
            duplicate_leads=duplicate_leads,
            concurrency=concurrency,
            estimated_seconds=estimated_seconds,
            problems=problems,
        )

        preflight_report.additional_properties = d
        return preflight_report

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

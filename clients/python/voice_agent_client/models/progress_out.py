from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.progress_out_ended_by_outcome import ProgressOutEndedByOutcome
    from ..models.progress_out_skipped_by_reason import ProgressOutSkippedByReason


T = TypeVar("T", bound="ProgressOut")


@_attrs_define
class ProgressOut:
    """Where the batch's leads stand, and what its calls cost so far.

    Attributes:
        total (int): Leads in the batch.
        pending (int): Waiting for their next try.
        dialling (int): Being dialled now.
        live (int): On the line (or may be).
        completed (int): Reached: a call took place.
        failed (int): Tries used up or not worth another (see ended_by_outcome).
        skipped (int): Not called (see skipped_by_reason).
        cancelled (int): Not called: the batch was cancelled.
        ended_by_outcome (ProgressOutEndedByOutcome): Completed and failed leads by how their last try ended: completed,
            busy, no-answer, voicemail, failed. Outcomes with none are left out.
        skipped_by_reason (ProgressOutSkippedByReason): Skipped leads by reason: do_not_call, unknown_time_zone,
            invalid_number, duplicate_number. Reasons with none are left out.
        cost (str): What the batch's calls cost so far, US dollars (a decimal string, six places or more): each call's
            cost counts once its report arrives.
    """

    total: int
    pending: int
    dialling: int
    live: int
    completed: int
    failed: int
    skipped: int
    cancelled: int
    ended_by_outcome: ProgressOutEndedByOutcome
    skipped_by_reason: ProgressOutSkippedByReason
    cost: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total = self.total

        pending = self.pending

        dialling = self.dialling

        live = self.live

        completed = self.completed

        failed = self.failed

        skipped = self.skipped

        cancelled = self.cancelled

        ended_by_outcome = self.ended_by_outcome.to_dict()

        skipped_by_reason = self.skipped_by_reason.to_dict()

        cost = self.cost

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "total": total,
                "pending": pending,
                "dialling": dialling,
                "live": live,
                "completed": completed,
                "failed": failed,
                "skipped": skipped,
                "cancelled": cancelled,
                "ended_by_outcome": ended_by_outcome,
                "skipped_by_reason": skipped_by_reason,
                "cost": cost,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.progress_out_ended_by_outcome import ProgressOutEndedByOutcome  # noqa: PLC0415
        from ..models.progress_out_skipped_by_reason import ProgressOutSkippedByReason  # noqa: PLC0415

        d = dict(src_dict)
        total = d.pop("total")

        pending = d.pop("pending")

        dialling = d.pop("dialling")

        live = d.pop("live")

        completed = d.pop("completed")

        failed = d.pop("failed")

        skipped = d.pop("skipped")

        cancelled = d.pop("cancelled")

        ended_by_outcome = ProgressOutEndedByOutcome.from_dict(d.pop("ended_by_outcome"))

        skipped_by_reason = ProgressOutSkippedByReason.from_dict(d.pop("skipped_by_reason"))

        cost = d.pop("cost")

        progress_out = cls(
            total=total,
            pending=pending,
            dialling=dialling,
            live=live,
            completed=completed,
            failed=failed,
            skipped=skipped,
            cancelled=cancelled,
            ended_by_outcome=ended_by_outcome,
            skipped_by_reason=skipped_by_reason,
            cost=cost,
        )

        progress_out.additional_properties = d
        return progress_out

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

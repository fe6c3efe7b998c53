from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.backoff_in import BackoffIn


T = TypeVar("T", bound="RetryPolicyIn")


@_attrs_define
class RetryPolicyIn:
    """How long to wait before calling a lead again after each outcome worth another try;
    an outcome left out keeps its default (busy 10 minutes, no answer 1 hour, voicemail 4
    hours, the same delay every time).

    Attributes:
        busy (BackoffIn | None | Unset):
        no_answer (BackoffIn | None | Unset):
        voicemail (BackoffIn | None | Unset):
    """

    busy: BackoffIn | None | Unset = UNSET
    no_answer: BackoffIn | None | Unset = UNSET
    voicemail: BackoffIn | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.backoff_in import BackoffIn  # noqa: PLC0415

        busy: dict[str, Any] | None | Unset
        if isinstance(self.busy, Unset):
            busy = UNSET
        elif isinstance(self.busy, BackoffIn):
            busy = self.busy.to_dict()
        else:
            busy = self.busy

        no_answer: dict[str, Any] | None | Unset
        if isinstance(self.no_answer, Unset):
            no_answer = UNSET
        elif isinstance(self.no_answer, BackoffIn):
            no_answer = self.no_answer.to_dict()
        else:
            no_answer = self.no_answer

        voicemail: dict[str, Any] | None | Unset
        if isinstance(self.voicemail, Unset):
            voicemail = UNSET
        elif isinstance(self.voicemail, BackoffIn):
            voicemail = self.voicemail.to_dict()
        else:
            voicemail = self.voicemail

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if busy is not UNSET:
            field_dict["busy"] = busy
        if no_answer is not UNSET:
            field_dict["no_answer"] = no_answer
        if voicemail is not UNSET:
            field_dict["voicemail"] = voicemail

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.backoff_in import BackoffIn  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_busy(data: object) -> BackoffIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                busy_type_0 = BackoffIn.from_dict(data)

                return busy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BackoffIn | None | Unset, data)

        busy = _parse_busy(d.pop("busy", UNSET))

        def _parse_no_answer(data: object) -> BackoffIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                no_answer_type_0 = BackoffIn.from_dict(data)

                return no_answer_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BackoffIn | None | Unset, data)

        no_answer = _parse_no_answer(d.pop("no_answer", UNSET))

        def _parse_voicemail(data: object) -> BackoffIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                voicemail_type_0 = BackoffIn.from_dict(data)

                return voicemail_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BackoffIn | None | Unset, data)

        voicemail = _parse_voicemail(d.pop("voicemail", UNSET))

        retry_policy_in = cls(
            busy=busy,
            no_answer=no_answer,
            voicemail=voicemail,
        )

        return retry_policy_in

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.calling_window_in import CallingWindowIn
    from ..models.leads_in import LeadsIn
    from ..models.retry_policy_in import RetryPolicyIn


T = TypeVar("T", bound="CreateBatchIn")


@_attrs_define
class CreateBatchIn:
    """A new batch: an agent, the leads it calls, when and how often.

    Attributes:
        name (str): The batch's name.
        agent_id (UUID): The agent that makes the calls.
        calling_window (CallingWindowIn): The local hours leads may be called in, read on each lead's own clock.
        leads (LeadsIn): Which leads the batch calls: exactly one of `ids` and `filter`. Do-not-call leads are
                taken too: the preflight counts them and they are skipped when their turn comes.
        from_number_id (None | Unset | UUID): The number to call from; default: the agent's.
        concurrency (int | Unset): How many of its calls may be on the line at once (the tenant's `calls.concurrent.max`
            and its share of the provider's lines may allow fewer). Default: 1.
        max_attempts (int | Unset): How many times a lead is dialled at most (busy, no answer and voicemail are tried
            again while tries are left). Default: 3.
        timezone (None | str | Unset):
        retry_policy (None | RetryPolicyIn | Unset):
    """

    name: str
    agent_id: UUID
    calling_window: CallingWindowIn
    leads: LeadsIn
    from_number_id: None | Unset | UUID = UNSET
    concurrency: int | Unset = 1
    max_attempts: int | Unset = 3
    timezone: None | str | Unset = UNSET
    retry_policy: None | RetryPolicyIn | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.retry_policy_in import RetryPolicyIn  # noqa: PLC0415

        name = self.name

        agent_id = str(self.agent_id)

        calling_window = self.calling_window.to_dict()

        leads = self.leads.to_dict()

        from_number_id: None | str | Unset
        if isinstance(self.from_number_id, Unset):
            from_number_id = UNSET
        elif isinstance(self.from_number_id, UUID):
            from_number_id = str(self.from_number_id)
        else:
            from_number_id = self.from_number_id

        concurrency = self.concurrency

        max_attempts = self.max_attempts

        timezone: None | str | Unset
        if isinstance(self.timezone, Unset):
            timezone = UNSET
        else:
            timezone = self.timezone

        retry_policy: dict[str, Any] | None | Unset
        if isinstance(self.retry_policy, Unset):
            retry_policy = UNSET
        elif isinstance(self.retry_policy, RetryPolicyIn):
            retry_policy = self.retry_policy.to_dict()
        else:
            retry_policy = self.retry_policy

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "agent_id": agent_id,
                "calling_window": calling_window,
                "leads": leads,
            }
        )
        if from_number_id is not UNSET:
            field_dict["from_number_id"] = from_number_id
        if concurrency is not UNSET:
            field_dict["concurrency"] = concurrency
        if max_attempts is not UNSET:
            field_dict["max_attempts"] = max_attempts
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if retry_policy is not UNSET:
            field_dict["retry_policy"] = retry_policy

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.calling_window_in import CallingWindowIn  # noqa: PLC0415
        from ..models.leads_in import LeadsIn  # noqa: PLC0415
        from ..models.retry_policy_in import RetryPolicyIn  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        agent_id = UUID(d.pop("agent_id"))

        calling_window = CallingWindowIn.from_dict(d.pop("calling_window"))

        leads = LeadsIn.from_dict(d.pop("leads"))

        def _parse_from_number_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                from_number_id_type_0 = UUID(data)

                return from_number_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        from_number_id = _parse_from_number_id(d.pop("from_number_id", UNSET))

        concurrency = d.pop("concurrency", UNSET)

        max_attempts = d.pop("max_attempts", UNSET)

        def _parse_timezone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timezone = _parse_timezone(d.pop("timezone", UNSET))

        def _parse_retry_policy(data: object) -> None | RetryPolicyIn | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                retry_policy_type_0 = RetryPolicyIn.from_dict(data)

                return retry_policy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RetryPolicyIn | Unset, data)

        retry_policy = _parse_retry_policy(d.pop("retry_policy", UNSET))

        create_batch_in = cls(
            name=name,
            agent_id=agent_id,
            calling_window=calling_window,
            leads=leads,
            from_number_id=from_number_id,
            concurrency=concurrency,
            max_attempts=max_attempts,
            timezone=timezone,
            retry_policy=retry_policy,
        )

        return create_batch_in

"""How long a tenant keeps what was said and recorded on its calls.

The plan sets the most a tenant may keep (catalogue features `retention.*`); the tenant
chooses within it. A number of days is counted from the call's end; None keeps for as long
as the tenant has its calls. Cost, duration, outcome and usage are kept whatever is chosen,
so reports stay exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta

import attrs

from domain.calls import ContentKind
from domain.errors import InvalidValue
from domain.plans import Entitlement

MAX_DAYS = 36_500
"""A hundred years: more is no period at all (choose null to keep for as long as allowed)."""

DAYS_FIELDS = {
    ContentKind.TRANSCRIPT: "transcripts_days",
    ContentKind.RECORDING: "recordings_days",
    ContentKind.PROVIDER_RECORD: "provider_record_days",
}

PLAN_FEATURES = {
    ContentKind.TRANSCRIPT: "retention.transcripts.days",
    ContentKind.RECORDING: "retention.recordings.days",
    ContentKind.PROVIDER_RECORD: "retention.provider_record.days",
}
STORE_FEATURE = "retention.store_transcripts"


def _days(field: str) -> Callable[[object, object, int | None], None]:
    def check(_instance: object, _attribute: object, days: int | None) -> None:
        if days is None:
            return
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS:
            raise InvalidValue(
                f"{field} takes a whole number of days from 0 to {MAX_DAYS}, or null", field=field
            )

    return check


@attrs.frozen
class RetentionChoice:
    """What a tenant chose; None for each: as its plan says."""

    transcripts_days: int | None = attrs.field(default=None, validator=_days("transcripts_days"))
    recordings_days: int | None = attrs.field(default=None, validator=_days("recordings_days"))
    provider_record_days: int | None = attrs.field(
        default=None, validator=_days("provider_record_days")
    )
    store_transcripts: bool | None = None

    def days(self, kind: ContentKind) -> int | None:
        days: int | None = getattr(self, DAYS_FIELDS[kind])
        return days


@attrs.frozen
class RetentionPolicy:
    """What is kept, and for how long (None: no end)."""

    transcripts_days: int | None = None
    recordings_days: int | None = None
    provider_record_days: int | None = None
    store_transcripts: bool = True

    def days(self, kind: ContentKind) -> int | None:
        days: int | None = getattr(self, DAYS_FIELDS[kind])
        return days

    def expiring(self, now: datetime) -> Iterator[tuple[ContentKind, datetime]]:
        """Each kind of content with an end, and the end time before which calls that
        ended lose it. A tenant that stores no transcripts keeps none of any kind."""
        for kind in ContentKind:
            days = 0 if not self.store_transcripts else self.days(kind)
            if days is not None:
                yield kind, now - timedelta(days=days)

    @classmethod
    def of_plan(cls, features: Mapping[str, Entitlement]) -> RetentionPolicy:
        """The plan's (or an override's) most, from the tenant's entitlements; a feature
        missing from the catalogue limits nothing."""

        def limit(kind: ContentKind) -> int | None:
            found = features.get(PLAN_FEATURES[kind])
            return found.limit if found is not None else None

        store = features.get(STORE_FEATURE)
        return cls(
            limit(ContentKind.TRANSCRIPT),
            limit(ContentKind.RECORDING),
            limit(ContentKind.PROVIDER_RECORD),
            store_transcripts=store is None or store.enabled,
        )


def _shorter(chosen: int | None, most: int | None) -> int | None:
    if chosen is None:
        return most
    return chosen if most is None else min(chosen, most)


def effective(choice: RetentionChoice, plan: RetentionPolicy) -> RetentionPolicy:
    """The tenant's choice within its plan: the shorter of each period; transcripts stored
    only when both allow it (a plan changed since the choice can only shorten it)."""
    return RetentionPolicy(
        _shorter(choice.transcripts_days, plan.transcripts_days),
        _shorter(choice.recordings_days, plan.recordings_days),
        _shorter(choice.provider_record_days, plan.provider_record_days),
        store_transcripts=plan.store_transcripts and choice.store_transcripts is not False,
    )


def check_within(choice: RetentionChoice, plan: RetentionPolicy) -> None:
    """InvalidValue naming the first setting that asks for more than the plan allows."""
    for kind in ContentKind:
        chosen, most = choice.days(kind), plan.days(kind)
        if chosen is not None and most is not None and chosen > most:
            raise InvalidValue(
                f"your plan keeps this content at most {most} days", field=DAYS_FIELDS[kind]
            )
    if choice.store_transcripts and not plan.store_transcripts:
        raise InvalidValue(
            "your plan does not store transcripts of calls", field="store_transcripts"
        )


def tenant_policy(choice: RetentionChoice, features: Mapping[str, Entitlement]) -> RetentionPolicy:
    """What a tenant keeps: its `choice` within what its entitlements allow."""
    return effective(choice, RetentionPolicy.of_plan(features))

"""An entry a process keeps is renewed by one caller at a time, before it expires, and is
never answered once expired (application.renewal)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from application.renewal import Kept, keep, kept

LOADED_AT, UNTIL = 0.0, 10.0

# Callers asking at some moments (sorted), each with or without a transaction behind it.
lookups = st.lists(
    st.tuples(st.floats(min_value=0.0, max_value=20.0), st.booleans()), max_size=30
).map(sorted)


def kept_once() -> dict[str, Kept[str, float]]:
    entries: dict[str, Kept[str, float]] = {}
    keep(entries, "key", "value", LOADED_AT, UNTIL)
    return entries


@given(lookups)
def test_an_expired_entry_is_never_answered(asked: list[tuple[float, bool]]) -> None:
    entries = kept_once()

    answers = [kept(entries, "key", at, while_renewed=w) for at, w in asked]

    assert all(a is None for (at, _), a in zip(asked, answers, strict=True) if at >= UNTIL)


@given(lookups)
def test_at_most_one_caller_without_a_transaction_is_sent_to_load(
    asked: list[tuple[float, bool]],
) -> None:
    entries = kept_once()
    renew_at = entries["key"].renew_at

    answers = [kept(entries, "key", at, while_renewed=w) for at, w in asked]

    live = [(at, w, a) for (at, w), a in zip(asked, answers, strict=True) if at < UNTIL]
    assert all(a == "value" for at, _, a in live if at < renew_at)
    assert len([at for at, w, a in live if w and a is None]) <= 1


@given(st.floats(min_value=0.0, max_value=UNTIL, exclude_max=True), st.integers(1, 20))
def test_callers_are_answered_from_the_entry_while_one_renews_it(at: float, callers: int) -> None:
    entries = kept_once()
    due = at >= entries["key"].renew_at

    answers = [kept(entries, "key", at) for _ in range(callers)]

    assert answers == ([None] if due else ["value"]) + ["value"] * (callers - 1)


def test_an_entry_is_due_for_renewal_before_it_expires() -> None:
    entries = kept_once()

    assert kept(entries, "key", UNTIL / 2) == "value"
    assert kept(entries, "key", UNTIL * 0.9) is None, "due: this caller renews it"
    assert kept(entries, "key", UNTIL * 0.9) == "value", "being renewed: answered meanwhile"
    assert kept(entries, "key", UNTIL * 0.9, while_renewed=False) is None


def test_a_renewed_entry_lives_from_its_renewal() -> None:
    entries = kept_once()
    assert kept(entries, "key", UNTIL * 0.9) is None

    keep(entries, "key", "renewed", UNTIL * 0.9, UNTIL * 1.9)

    assert kept(entries, "key", UNTIL * 1.5) == "renewed"

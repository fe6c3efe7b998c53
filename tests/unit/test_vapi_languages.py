"""The language tables are Vapi's own lists, and what is picked from them is always listed."""

from __future__ import annotations

import importlib
import typing
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adapters.vapi.languages import (
    _NAMES,
    TRANSCRIBER_LANGUAGES,
    VOICE_LANGUAGES,
    transcriber_language,
    voice_language,
)


def _literals(annotation: Any) -> list[str]:
    found: list[str] = []

    def walk(value: Any) -> None:
        if typing.get_origin(value) is typing.Literal:
            found.extend(typing.get_args(value))
        else:
            for inner in typing.get_args(value):
                walk(inner)

    walk(annotation)
    return found


def _sdk_languages(module: str) -> dict[str, frozenset[str]]:
    """Each provider's listed languages in the SDK's union of assistant parts."""
    types = importlib.import_module(f"vapi.types.{module}")
    tables: dict[str, frozenset[str]] = {}
    for name in dir(types):
        model = getattr(types, name)
        fields = getattr(model, "model_fields", None)
        if not name.startswith("Assistant") or not fields or "provider" not in fields:
            continue
        listed = _literals(fields["language"].annotation) if "language" in fields else []
        if listed:
            [provider] = _literals(fields["provider"].annotation)
            tables[provider] = frozenset(listed)
    return tables


def test_the_tables_are_vapis_lists() -> None:
    assert _sdk_languages("assistant_transcriber") == TRANSCRIBER_LANGUAGES
    assert _sdk_languages("assistant_voice") == VOICE_LANGUAGES


def test_languages_named_in_words_are_named_as_their_providers_list_them() -> None:
    for provider in ("google", "playht"):
        table = TRANSCRIBER_LANGUAGES.get(provider) or VOICE_LANGUAGES[provider]
        listed = {name.lower() for name in table}
        named = [code for code, name in _NAMES.items() if name in listed]
        # Every name either provider lists that we have a code for resolves to it.
        for code in named:
            picked = (
                transcriber_language(provider, code)
                if provider == "google"
                else voice_language(provider, code)
            )
            assert picked in table


TAGS = st.one_of(
    st.sampled_from(["es-ES", "es", "pt-BR", "zh-CN", "en-GB", "fil", "cy-GB", "sr-Latn-RS"]),
    st.from_regex(r"[a-z]{2,3}(-[A-Z]{2})?", fullmatch=True),
)


@given(tag=TAGS, provider=st.sampled_from(sorted(TRANSCRIBER_LANGUAGES)))
def test_a_transcriber_is_only_ever_sent_a_language_it_lists(tag: str, provider: str) -> None:
    picked = transcriber_language(provider, tag)
    assert picked is None or picked in TRANSCRIBER_LANGUAGES[provider]


@given(tag=TAGS, provider=st.sampled_from(sorted(VOICE_LANGUAGES)))
def test_a_voice_is_only_ever_sent_a_language_it_lists(tag: str, provider: str) -> None:
    picked = voice_language(provider, tag)
    assert picked is None or picked in VOICE_LANGUAGES[provider]

"""Vapi's own models (the official SDK, `vapi-server-sdk`) as a test oracle for our wire format.

The SDK's pydantic models are generated from Vapi's OpenAPI document but are lenient: they
keep unknown keys, populate fields from snake_case keys, and check no lengths. Vapi itself
refuses all three with 400. So `check_create_body` validates with the SDK and also requires
every key, at every level the SDK describes, to be one Vapi documents (by its wire name), and
the short texts to fit in 40 characters.

Loading the SDK's models and building their validators takes seconds (about ten on a busy
machine): nothing is loaded on import; make one `VapiOracle` per test session (it loads the
models) and call `warm()` once.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

MAX_SHORT_TEXT = 40


def wire_names(model: type[BaseModel]) -> frozenset[str]:
    """The JSON property names of a model: each field's alias, else its name."""
    return frozenset(field.alias or name for name, field in model.model_fields.items())


def unknown_keys(model: BaseModel, raw: Any, path: str = "") -> list[str]:
    """The keys of `raw` (the JSON `model` was validated from) that are not wire names of
    the model, or of the nested models they were validated into."""
    if not isinstance(raw, Mapping):
        return []
    fields = type(model).model_fields
    by_wire_name = {field.alias or name: name for name, field in fields.items()}
    found = []
    for key, value in raw.items():
        if key not in by_wire_name:
            found.append(f"{path}{key}")
            continue
        found += _unknown_in(getattr(model, by_wire_name[key]), value, f"{path}{key}.")
    return found


def _unknown_in(child: Any, raw: Any, path: str) -> list[str]:
    from pydantic import BaseModel

    if isinstance(child, BaseModel):
        return unknown_keys(child, raw, path)
    if isinstance(child, list | tuple) and isinstance(raw, list):
        found = []
        for index, (item, raw_item) in enumerate(zip(child, raw, strict=False)):
            found += _unknown_in(item, raw_item, f"{path}{index}.")
        return found
    return []


def too_long_texts(body: Mapping[str, Any]) -> list[str]:
    """The short texts of a `POST /call` body Vapi limits to 40 characters, when longer."""
    customer = body.get("customer") or {}
    assistant = body.get("assistant") or {}
    texts = {
        "name": body.get("name"),
        "customer.name": customer.get("name"),
        "customer.email": customer.get("email"),
        "customer.externalId": customer.get("externalId"),
        "assistant.name": assistant.get("name"),
    }
    return [
        f"{path} has {len(text)} characters"
        for path, text in texts.items()
        if isinstance(text, str) and len(text) > MAX_SHORT_TEXT
    ]


class VapiOracle:
    """Checks our payloads against Vapi's published models."""

    def __init__(self) -> None:
        self.sdk: ModuleType = importlib.import_module("vapi")
        """The SDK's package: `oracle.sdk.CreateOutboundCallDto`, `oracle.sdk.Call`, …"""
        self.create_call_fields = wire_names(self.sdk.CreateOutboundCallDto)
        self.customer_fields = wire_names(self.sdk.CreateCustomerDto)

    def warm(self) -> None:
        """Build the SDK's validators now (seconds), not in the middle of a test."""
        self.check_create_body(
            {
                "name": "warm-up",
                "phoneNumberId": "pn",
                "customer": {"number": "+14155550123"},
                "assistant": {
                    "model": {"provider": "openai", "model": "gpt-4o-mini"},
                    "voice": {"provider": "vapi", "voiceId": "Elliot"},
                },
                "assistantOverrides": {"metadata": {}},
            }
        )
        self.check_call(
            {
                "id": "warm-up",
                "orgId": "org",
                "createdAt": "2026-01-01T12:00:00.000Z",
                "updatedAt": "2026-01-01T12:00:00.000Z",
            }
        )

    def check_create_body(self, body: Any) -> Any:
        """The body as Vapi's `CreateOutboundCallDto`; AssertionError when Vapi would refuse it."""
        assert isinstance(body, dict), f"a POST /call body must be an object: {body!r}"
        model = self.sdk.CreateOutboundCallDto.model_validate(body)
        unknown = unknown_keys(model, body)
        assert not unknown, f"properties Vapi does not document: {unknown}"
        too_long = too_long_texts(body)
        assert not too_long, f"texts longer than Vapi allows: {too_long}"
        return model

    def check_number_create_body(self, body: Any) -> Any:
        """The body as the SDK's Create*PhoneNumberDto of its provider (the union of
        `POST /phone-number`, discriminated by `provider`); AssertionError when Vapi would
        refuse it."""
        assert isinstance(body, dict), f"a POST /phone-number body must be an object: {body!r}"
        models = {
            "vapi": self.sdk.CreateVapiPhoneNumberDto,
            "twilio": self.sdk.CreateTwilioPhoneNumberDto,
            "vonage": self.sdk.CreateVonagePhoneNumberDto,
            "telnyx": self.sdk.CreateTelnyxPhoneNumberDto,
            "byo-phone-number": self.sdk.CreateByoPhoneNumberDto,
        }
        provider = body.get("provider")
        assert provider in models, f"provider {provider!r} is not one Vapi documents"
        rest = {k: v for k, v in body.items() if k != "provider"}
        model = models[provider].model_validate(rest)
        unknown = unknown_keys(model, rest)
        assert not unknown, f"properties Vapi does not document: {unknown}"
        name = body.get("name")
        assert not (isinstance(name, str) and len(name) > MAX_SHORT_TEXT), f"name too long: {name}"
        return model

    def check_call(self, data: Any) -> Any:
        """A Call object (from a fake or a fixture) as Vapi's `Call` model reads it."""
        assert isinstance(data, dict), f"a Call must be an object: {data!r}"
        return self.sdk.Call.model_validate(data)

from typing import Literal

NumberProvider = Literal["byo-phone-number", "telnyx", "twilio", "vapi", "vonage"]

NUMBER_PROVIDER_VALUES: set[NumberProvider] = {
    "byo-phone-number",
    "telnyx",
    "twilio",
    "vapi",
    "vonage",
}


def check_number_provider(value: str) -> NumberProvider:
    if value in NUMBER_PROVIDER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NUMBER_PROVIDER_VALUES!r}")

from typing import Literal

NumberSource = Literal["attach", "byo-phone-number", "telnyx", "twilio", "vapi", "vonage"]

NUMBER_SOURCE_VALUES: set[NumberSource] = {
    "attach",
    "byo-phone-number",
    "telnyx",
    "twilio",
    "vapi",
    "vonage",
}


def check_number_source(value: str) -> NumberSource:
    if value in NUMBER_SOURCE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NUMBER_SOURCE_VALUES!r}")

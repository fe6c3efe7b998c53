from typing import Literal

NumberOwnership = Literal["attached", "confirmed", "provisioned", "unconfirmed"]

NUMBER_OWNERSHIP_VALUES: set[NumberOwnership] = {
    "attached",
    "confirmed",
    "provisioned",
    "unconfirmed",
}


def check_number_ownership(value: str) -> NumberOwnership:
    if value in NUMBER_OWNERSHIP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NUMBER_OWNERSHIP_VALUES!r}")

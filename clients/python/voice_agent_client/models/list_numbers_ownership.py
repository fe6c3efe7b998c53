from typing import Literal

ListNumbersOwnership = Literal["attached", "confirmed", "provisioned", "unconfirmed"]

LIST_NUMBERS_OWNERSHIP_VALUES: set[ListNumbersOwnership] = {
    "attached",
    "confirmed",
    "provisioned",
    "unconfirmed",
}


def check_list_numbers_ownership(value: str) -> ListNumbersOwnership:
    if value in LIST_NUMBERS_OWNERSHIP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LIST_NUMBERS_OWNERSHIP_VALUES!r}")

from typing import Literal

ListLeadsStatus = Literal["contacted", "converted", "lost", "new", "qualified"]

LIST_LEADS_STATUS_VALUES: set[ListLeadsStatus] = {
    "contacted",
    "converted",
    "lost",
    "new",
    "qualified",
}


def check_list_leads_status(value: str) -> ListLeadsStatus:
    if value in LIST_LEADS_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LIST_LEADS_STATUS_VALUES!r}")

from typing import Literal

LeadStatus = Literal["contacted", "converted", "lost", "new", "qualified"]

LEAD_STATUS_VALUES: set[LeadStatus] = {
    "contacted",
    "converted",
    "lost",
    "new",
    "qualified",
}


def check_lead_status(value: str) -> LeadStatus:
    if value in LEAD_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LEAD_STATUS_VALUES!r}")

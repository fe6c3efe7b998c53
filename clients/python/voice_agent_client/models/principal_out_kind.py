from typing import Literal

PrincipalOutKind = Literal["api_key", "user"]

PRINCIPAL_OUT_KIND_VALUES: set[PrincipalOutKind] = {
    "api_key",
    "user",
}


def check_principal_out_kind(value: str) -> PrincipalOutKind:
    if value in PRINCIPAL_OUT_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PRINCIPAL_OUT_KIND_VALUES!r}")

from typing import Literal

PrincipalOutObject = Literal["principal"]

PRINCIPAL_OUT_OBJECT_VALUES: set[PrincipalOutObject] = {
    "principal",
}


def check_principal_out_object(value: str) -> PrincipalOutObject:
    if value in PRINCIPAL_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PRINCIPAL_OUT_OBJECT_VALUES!r}")

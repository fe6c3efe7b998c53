from typing import Literal

PrincipalOutRoleType0 = Literal["admin", "member", "owner", "viewer"]

PRINCIPAL_OUT_ROLE_TYPE_0_VALUES: set[PrincipalOutRoleType0] = {
    "admin",
    "member",
    "owner",
    "viewer",
}


def check_principal_out_role_type_0(value: str) -> PrincipalOutRoleType0:
    if value in PRINCIPAL_OUT_ROLE_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PRINCIPAL_OUT_ROLE_TYPE_0_VALUES!r}")

from typing import Literal

MemberOutObject = Literal["member"]

MEMBER_OUT_OBJECT_VALUES: set[MemberOutObject] = {
    "member",
}


def check_member_out_object(value: str) -> MemberOutObject:
    if value in MEMBER_OUT_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {MEMBER_OUT_OBJECT_VALUES!r}")

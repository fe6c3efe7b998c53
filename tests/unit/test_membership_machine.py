"""Random sequences of membership changes keep a tenant's membership rules.

A small model of the tenant (user -> role) predicts whether each step may succeed; the
service must agree, and after every step the stored members must match the model.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from application.access import Principal
from application.errors import AlreadyExists, NotFound, PermissionDenied
from application.pagination import PageRequest
from application.tenancy import AddMember, ChangeRole
from domain.errors import InvalidStateTransition, LastOwnerRequired, OwnerRoleReserved
from domain.ids import UserId
from domain.tenancy import Role
from tests.support import PLATFORM
from tests.unit.helpers import fresh

T = TypeVar("T")

EXPECTED_ERRORS = (
    PermissionDenied,
    NotFound,
    OwnerRoleReserved,
    LastOwnerRequired,
    AlreadyExists,
    InvalidStateTransition,
)
POOL = 4
PLATFORM_ADMIN = POOL  # actor index of the platform admin, who is never a member

roles = st.sampled_from(list(Role))


class MembershipMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.env = fresh()
        self.svc = self.env.svc
        self.users = [self.run(self.env.world.user(f"user{i}@pool.example")) for i in range(POOL)]
        self.tenant = self.run(self.env.world.tenant(self.users[0], "Pool"))
        self.model: dict[UserId, Role] = {self.users[0].id: Role.OWNER}
        self.admin_touched_owners: list[str] = []
        self.audit_rows = len(self.env.db.tables["audit"])

    def teardown(self) -> None:
        self.loop.close()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    # --- the model's view ---------------------------------------------------------------

    def members(self) -> list[int]:
        return [i for i, user in enumerate(self.users) if user.id in self.model]

    def draw_actor(self, data: st.DataObject) -> int:
        """Mostly an owner or admin, else any member, else anyone (the platform admin too)."""
        managers = self.holders(Role.OWNER) + self.holders(Role.ADMIN)
        choices = [st.sampled_from(c) for c in (managers, self.members()) if c]
        return data.draw(st.one_of(*choices, st.integers(0, POOL)), label="actor")

    def draw_subject(self, data: st.DataObject, *, joining: bool = False) -> int:
        """Often an owner, or a member (for `joining`: a non-member), else anyone."""
        likely = [i for i in range(POOL) if (self.users[i].id in self.model) != joining]
        owners = [] if joining else self.holders(Role.OWNER)
        choices = [st.sampled_from(c) for c in (likely, owners) if c]
        return data.draw(st.one_of(*choices, st.integers(0, POOL - 1)), label="subject")

    def principal(self, actor: int) -> Principal:
        return PLATFORM if actor == PLATFORM_ADMIN else Principal.user(self.users[actor].id)

    def role_of(self, actor: int) -> Role | None:
        return None if actor == PLATFORM_ADMIN else self.model.get(self.users[actor].id)

    def is_owner_or_platform(self, actor: int) -> bool:
        return actor == PLATFORM_ADMIN or self.role_of(actor) is Role.OWNER

    def manages(self, actor: int) -> bool:
        return actor == PLATFORM_ADMIN or self.role_of(actor) in (Role.OWNER, Role.ADMIN)

    def owners(self) -> set[UserId]:
        return {u for u, r in self.model.items() if r is Role.OWNER}

    def holders(self, role: Role) -> list[int]:
        return [i for i in self.members() if self.model[self.users[i].id] is role]

    def attempt(
        self, label: str, actor: int, allowed: bool, call: Coroutine[Any, Any, object]
    ) -> bool:
        """Run one use case; it must succeed exactly when the model allows it."""
        acting_role = self.role_of(actor)
        owners_before = self.stored_owners()
        refusal: Exception | None = None
        try:
            self.run(call)
        except EXPECTED_ERRORS as error:
            refusal = error
        if refusal is not None:
            assert not allowed, f"{label} by actor {actor} was refused: {refusal!r}"
            assert len(self.env.db.tables["audit"]) == self.audit_rows, "a refusal was audited"
            return False
        assert allowed, f"{label} by actor {actor} ({acting_role}) succeeded against the rules"
        if acting_role is Role.ADMIN and self.stored_owners() != owners_before:
            self.admin_touched_owners.append(label)
        self.audit_rows = len(self.env.db.tables["audit"])
        return True

    def stored(self) -> dict[UserId, Role]:
        page = self.run(self.svc.members.list_members(PLATFORM, self.tenant.id, PageRequest(200)))
        assert page.next_cursor is None
        return {m.user.id: m.membership.role for m in page.items}

    def stored_owners(self) -> set[UserId]:
        return {u for u, r in self.stored().items() if r is Role.OWNER}

    # --- rules --------------------------------------------------------------------------

    @initialize(
        seed=st.permutations([Role.OWNER, Role.ADMIN, None])
        | st.lists(st.sampled_from([*Role, None]), min_size=POOL - 1, max_size=POOL - 1)
    )
    def start_with_some_members(self, seed: list[Role | None]) -> None:
        """The platform adds some of the others, so that runs start from varied teams,
        half of them with a second owner, an admin and an outsider."""
        for user, role in zip(self.users[1:], seed, strict=True):
            if role is not None:
                self.run(
                    self.svc.members.add_member(
                        PLATFORM, AddMember(self.tenant.id, role, user_id=user.id)
                    )
                )
                self.model[user.id] = role
        self.audit_rows = len(self.env.db.tables["audit"])

    @rule(data=st.data(), role=roles)
    def add_member(self, data: st.DataObject, role: Role) -> None:
        actor, subject = self.draw_actor(data), self.draw_subject(data, joining=True)
        self.do_add(actor, subject, role)

    @rule(data=st.data(), role=roles)
    def change_role(self, data: st.DataObject, role: Role) -> None:
        self.do_change_role(self.draw_actor(data), self.draw_subject(data), role)

    @rule(data=st.data())
    def remove_member(self, data: st.DataObject) -> None:
        self.do_remove(self.draw_actor(data), self.draw_subject(data))

    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        actor = self.draw_actor(data)
        principal = self.principal(actor)
        assert principal.user_id is not None
        current = self.role_of(actor)
        allowed = current is not None and (current is not Role.OWNER or len(self.owners()) > 1)
        call = self.svc.members.remove_member(principal, self.tenant.id, principal.user_id)
        if self.attempt(f"{actor} leaves", actor, allowed, call):
            del self.model[principal.user_id]

    @rule(data=st.data())
    def transfer_ownership(self, data: st.DataObject) -> None:
        self.do_transfer(self.draw_actor(data), self.draw_subject(data))

    @precondition(lambda self: self.holders(Role.ADMIN))
    @rule(
        data=st.data(),
        role=roles,
        action=st.sampled_from(["add owner", "change", "remove", "transfer"]),
    )
    def an_admin_takes_on_an_owner(self, data: st.DataObject, role: Role, action: str) -> None:
        """The same use cases, aimed where admins are most likely to overreach."""
        actor = data.draw(st.sampled_from(self.holders(Role.ADMIN)), label="admin")
        if action == "add owner":
            self.do_add(actor, data.draw(st.integers(0, POOL - 1), label="subject"), Role.OWNER)
            return
        subject = data.draw(st.sampled_from(self.holders(Role.OWNER)), label="owner")
        if action == "change":
            self.do_change_role(actor, subject, role)
        elif action == "remove":
            self.do_remove(actor, subject)
        else:
            self.do_transfer(actor, subject)

    # --- the use cases, with what the model expects of them -------------------------------

    def do_add(self, actor: int, subject: int, role: Role) -> None:
        """Only the platform adds an existing user directly; people join by invitation."""
        user = self.users[subject]
        allowed = actor == PLATFORM_ADMIN and user.id not in self.model
        cmd = AddMember(self.tenant.id, role, user_id=user.id)
        call = self.svc.members.add_member(self.principal(actor), cmd)
        if self.attempt(f"add {subject} as {role}", actor, allowed, call):
            self.model[user.id] = role

    def do_change_role(self, actor: int, subject: int, role: Role) -> None:
        user = self.users[subject]
        current = self.model.get(user.id)
        touches_owner = Role.OWNER in (role, current)
        allowed = (
            self.manages(actor)
            and current is not None
            and (
                role is current
                or (
                    (not touches_owner or self.is_owner_or_platform(actor))
                    and (current is not Role.OWNER or len(self.owners()) > 1)
                )
            )
        )
        call = self.svc.members.change_role(
            self.principal(actor), ChangeRole(self.tenant.id, user.id, role)
        )
        if self.attempt(f"make {subject} {role}", actor, allowed, call):
            self.model[user.id] = role

    def do_remove(self, actor: int, subject: int) -> None:
        user = self.users[subject]
        current = self.model.get(user.id)
        if actor == subject:  # removing oneself is leaving
            allowed = current is not None and (current is not Role.OWNER or len(self.owners()) > 1)
        else:
            allowed = (
                self.manages(actor)
                and current is not None
                and (
                    current is not Role.OWNER
                    or (self.is_owner_or_platform(actor) and len(self.owners()) > 1)
                )
            )
        call = self.svc.members.remove_member(self.principal(actor), self.tenant.id, user.id)
        if self.attempt(f"remove {subject}", actor, allowed, call):
            del self.model[user.id]

    def do_transfer(self, actor: int, subject: int) -> None:
        user = self.users[subject]
        allowed = self.is_owner_or_platform(actor) and user.id in self.model
        call = self.svc.members.transfer_ownership(self.principal(actor), self.tenant.id, user.id)
        if self.attempt(f"transfer to {subject}", actor, allowed, call):
            self.model[user.id] = Role.OWNER
            if actor != PLATFORM_ADMIN and actor != subject:
                self.model[self.users[actor].id] = Role.ADMIN

    # --- invariants ---------------------------------------------------------------------

    @invariant()
    def the_store_agrees_with_the_model(self) -> None:
        page = self.run(self.svc.members.list_members(PLATFORM, self.tenant.id, PageRequest(200)))
        user_ids = [m.user.id for m in page.items]
        assert len(user_ids) == len(set(user_ids)), "a user has two memberships"
        assert all(m.membership.user_id == m.user.id for m in page.items)
        assert {m.user.id: m.membership.role for m in page.items} == self.model

    @invariant()
    def there_is_always_an_owner(self) -> None:
        assert any(role is Role.OWNER for role in self.stored().values())

    @invariant()
    def no_admin_made_or_unmade_an_owner(self) -> None:
        assert self.admin_touched_owners == []


MembershipMachine.TestCase.settings = settings(
    max_examples=50, stateful_step_count=30, deadline=None
)
TestMembershipMachine = MembershipMachine.TestCase

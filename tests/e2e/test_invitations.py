"""Invitations end to end on PostgreSQL, their email through a real SMTP server on loopback:
invite, the email, accept with a password, work in the tenant with the invited role; the
same answer for an address with an account or not; another tenant can do nothing with the
invitation."""

from __future__ import annotations

from typing import Any

import pytest
from dependency_injector import providers

from entrypoints.container import Container
from tests.e2e.helpers import Builder, expect, invitation_token
from tests.smtp import SmtpInbox
from tests.support import Api

PASSWORD = "a long enough secret"
NOT_COMPARED = {"id", "created_at", "updated_at", "expires_at", "sent_at", "email"}


@pytest.fixture(autouse=True)
def mailbox(pg_container: Container, smtp_inbox: SmtpInbox) -> SmtpInbox:
    """The messages the app sends, as a real SMTP server on loopback received them."""
    pg_container.mailer.override(providers.Object(smtp_inbox.mailer()))
    return smtp_inbox


async def test_invite_email_accept_with_a_password_and_work_with_the_invited_role(
    build: Builder, api: Api, mailbox: SmtpInbox
) -> None:
    owner = await build.person()
    tenant_id = await build.tenant(owner, "Acme")
    path = f"/v1/tenants/{tenant_id}"

    invited = expect(
        await owner.api.post(f"{path}/invitations", {"email": "Nia@Example.com", "role": "member"}),
        201,
    )
    assert (invited["status"], invited["role"], invited["invited_by"]) == (
        "pending",
        "member",
        owner.id,
    )
    assert invited["sent_at"] is not None
    [message] = mailbox.to("nia@example.com")
    assert "Acme" in message.body
    token = invitation_token(message.body)

    preview = expect(await api.post("/v1/invitations/lookup", {"token": token}), 200)
    assert (preview["tenant_name"], preview["role"], preview["status"]) == (
        "Acme",
        "member",
        "pending",
    )
    accepted = expect(
        await api.post(
            "/v1/invitations/accept", {"token": token, "password": PASSWORD, "first_name": "Nia"}
        ),
        200,
    )
    assert accepted["member"]["role"] == "member"
    nia = api.as_(accepted["token"]["secret"])
    assert accepted["token"]["expires_at"] is not None

    # Works in the tenant with the invited role: a member writes leads, manages no one.
    expect(await nia.post(f"{path}/leads", {"phone": "+12127365000", "name": "Lee"}), 201)
    expect(await nia.post(f"{path}/invitations", {"email": "x@example.com"}), 403)
    # The invitation is spent, and says so to the tenant.
    expect(await api.post("/v1/invitations/accept", {"token": token, "password": PASSWORD}), 409)
    shown = expect(await owner.api.get(f"{path}/invitations/{invited['id']}"), 200)
    assert (shown["status"], shown["accepted_by"]) == ("accepted", accepted["member"]["user"]["id"])
    # The password chosen at acceptance signs in.
    signed = await api.post("/v1/auth/sign-in", {"email": "nia@example.com", "password": PASSWORD})
    assert signed[0] in (200, 201), signed


async def test_the_answer_is_the_same_for_an_address_with_an_account_and_one_without(
    build: Builder,
) -> None:
    await build.user("known@example.com", first_name="Kim")
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    answers: list[tuple[int, dict[str, Any]]] = []
    for address in ("known@example.com", "unknown@example.com"):
        answers.append(
            await owner.api.post(
                f"/v1/tenants/{tenant_id}/invitations", {"email": address, "role": "viewer"}
            )
        )
    (s1, known), (s2, unknown) = answers
    assert s1 == s2 == 201
    assert set(known) == set(unknown)
    assert {k: v for k, v in known.items() if k not in NOT_COMPARED} == {
        k: v for k, v in unknown.items() if k not in NOT_COMPARED
    }


async def test_an_account_holder_signs_in_to_accept_and_must_be_the_invited_address(
    build: Builder, api: Api, mailbox: SmtpInbox
) -> None:
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    kim = await build.person("kim@example.com")
    other = await build.person("other@example.com")
    expect(
        await owner.api.post(f"/v1/tenants/{tenant_id}/invitations", {"email": "KIM@example.com"}),
        201,
    )
    token = invitation_token(mailbox.to("kim@example.com")[-1].body)
    refused = expect(
        await api.post("/v1/invitations/accept", {"token": token, "password": PASSWORD}), 409
    )
    assert refused["code"] == "sign-in-to-accept"
    expect(await other.api.post("/v1/invitations/accept", {"token": token}), 403)
    joined = expect(await kim.api.post("/v1/invitations/accept", {"token": token}), 200)
    assert joined["token"] is None
    assert joined["member"]["user"]["id"] == kim.id


async def test_another_tenant_cannot_see_revoke_resend_or_use_the_invitation(
    build: Builder, api: Api, mailbox: SmtpInbox
) -> None:
    a_owner, b_owner = await build.person(), await build.person()
    a, b = await build.tenant(a_owner, "A"), await build.tenant(b_owner, "B")
    invited = expect(
        await a_owner.api.post(f"/v1/tenants/{a}/invitations", {"email": "z@example.com"}), 201
    )
    token = invitation_token(mailbox.to("z@example.com")[-1].body)
    for method, suffix in (("GET", ""), ("DELETE", ""), ("POST", "/resend")):
        for tenant in (a, b):
            status, problem = await b_owner.api.call(
                method, f"/v1/tenants/{tenant}/invitations/{invited['id']}{suffix}"
            )
            assert status == 404, (method, tenant, suffix, problem)
    listed = expect(await b_owner.api.get(f"/v1/tenants/{b}/invitations"), 200)
    assert listed["items"] == []
    # A token naming tenant B with A's secret finds nothing: tokens are looked up in the
    # tenant they name, and only there.
    forged = token.replace(a.replace("-", ""), b.replace("-", ""))
    expect(await api.post("/v1/invitations/lookup", {"token": forged}), 404)
    expect(await api.post("/v1/invitations/accept", {"token": forged, "password": PASSWORD}), 404)
    still = expect(await a_owner.api.get(f"/v1/tenants/{a}/invitations/{invited['id']}"), 200)
    assert still["status"] == "pending"


async def test_revoke_resend_decline_and_the_status_filter(
    build: Builder, api: Api, mailbox: SmtpInbox
) -> None:
    owner = await build.person()
    tenant_id = await build.tenant(owner)
    path = f"/v1/tenants/{tenant_id}/invitations"
    one = expect(await owner.api.post(path, {"email": "one@example.com"}), 201)
    two = expect(await owner.api.post(path, {"email": "two@example.com"}), 201)
    three = expect(await owner.api.post(path, {"email": "three@example.com"}), 201)
    again = expect(await owner.api.post(path, {"email": "ONE@example.com"}), 409)
    assert again["existing_id"] == one["id"]

    old = invitation_token(mailbox.to("one@example.com")[-1].body)
    expect(await owner.api.post(f"{path}/{one['id']}/resend"), 200)
    new = invitation_token(mailbox.to("one@example.com")[-1].body)
    assert new != old
    expect(await api.post("/v1/invitations/lookup", {"token": old}), 404)
    expect(await api.post("/v1/invitations/lookup", {"token": new}), 200)

    revoked = expect(await owner.api.delete(f"{path}/{two['id']}"), 200)
    assert revoked["status"] == "revoked"
    expect(await owner.api.delete(f"{path}/{two['id']}"), 409)
    three_token = invitation_token(mailbox.to("three@example.com")[-1].body)
    declined = expect(await api.post("/v1/invitations/decline", {"token": three_token}), 200)
    assert declined["status"] == "declined"

    for status, wanted in (
        ("pending", {one["id"]}),
        ("revoked", {two["id"]}),
        ("declined", {three["id"]}),
    ):
        page = expect(await owner.api.get(f"{path}?status={status}"), 200)
        assert {i["id"] for i in page["items"]} == wanted, status

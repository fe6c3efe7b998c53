"""Password sign-in end to end on PostgreSQL: tokens, the lockout, resets through the mail."""

from __future__ import annotations

import re

import pytest
from dependency_injector import providers

from entrypoints.container import Container
from entrypoints.http.app import create_app
from tests.e2e.conftest import AiohttpClient
from tests.e2e.helpers import Builder, Person, assert_problem, comparable, expect, send
from tests.smtp import SmtpInbox
from tests.support import Api

pytestmark = pytest.mark.postgres

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new password"
RESET_TOKEN = re.compile(r"vpr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


@pytest.fixture
def mailbox(pg_container: Container, smtp_inbox: SmtpInbox) -> SmtpInbox:
    """The messages the app sends, as a real SMTP server on loopback received them."""
    pg_container.mailer.override(providers.Object(smtp_inbox.mailer()))
    return smtp_inbox


def kinds(mailbox: SmtpInbox, address: str) -> list[str]:
    return [str(m.message["X-Voice-Agent-Kind"]) for m in mailbox.to(address)]


@pytest.fixture
async def api(pg_container: Container, mailbox: SmtpInbox, aiohttp_client: AiohttpClient) -> Api:
    """The app, sending its mail to the loopback SMTP server."""
    client = await aiohttp_client(create_app(pg_container.use_cases(), max_body_bytes=64 * 1024))
    return Api(client, None)


@pytest.fixture
async def ada(build: Builder) -> Person:
    """A user whose first password is set with the token a platform admin gave them."""
    person = await build.person("ada@example.com")
    reply = await send(person.api, "PUT", "/v1/me/password", json_body={"new_password": PASSWORD})
    assert reply.status == 204, reply.body
    return person


async def sign_in(api: Api, email: str, password: str) -> tuple[int, dict]:
    return await api.as_(None).post("/v1/auth/sign-in", {"email": email, "password": password})


async def test_a_signed_in_token_works_until_sign_out(ada: Person, api: Api):
    signed_in = expect(await sign_in(api, "Ada@Example.com", PASSWORD), 200)

    assert signed_in["object"] == "sign_in"
    assert signed_in["user"]["id"] == ada.id
    assert signed_in["expires_at"]
    session = api.as_(signed_in["token"])
    assert expect(await session.get("/v1/me"), 200)["user"]["id"] == ada.id
    tokens = expect(await ada.api.get(f"/v1/users/{ada.id}/tokens"), 200)["items"]
    assert {"sign-in"} <= {t["name"] for t in tokens}

    out = await send(session, "POST", "/v1/auth/sign-out")
    assert (out.status, out.body) == (204, None)
    assert_problem(await send(session, "GET", "/v1/me"), 401, code="unauthenticated")
    assert expect(await ada.api.get("/v1/me"), 200)["user"]["id"] == ada.id


async def test_unknown_and_wrong_answer_alike_and_the_fifth_failure_is_429(ada: Person, api: Api):
    unknown = await send(
        api, "POST", "/v1/auth/sign-in", json_body={"email": "nobody@example.com", "password": "x"}
    )
    wrong = await send(
        api, "POST", "/v1/auth/sign-in", json_body={"email": "ada@example.com", "password": "x"}
    )
    assert unknown.status == wrong.status == 401
    assert comparable(unknown.body) == comparable(wrong.body)
    assert unknown.headers["WWW-Authenticate"] == wrong.headers["WWW-Authenticate"]

    for _ in range(3):  # the 2nd to 4th failures
        assert_problem(
            await send(
                api,
                "POST",
                "/v1/auth/sign-in",
                json_body={"email": "ada@example.com", "password": "still wrong"},
            ),
            401,
        )
    fifth = await send(
        api,
        "POST",
        "/v1/auth/sign-in",
        json_body={"email": "ada@example.com", "password": "still wrong"},
    )
    assert_problem(fifth, 429, code="rate-limited")
    assert fifth.headers["Retry-After"] == "900"
    blocked = await send(
        api,
        "POST",
        "/v1/auth/sign-in",
        json_body={"email": "ada@example.com", "password": PASSWORD},
    )
    problem = assert_problem(blocked, 429, code="rate-limited")
    assert blocked.headers["Retry-After"] == "900"
    assert "900 seconds" in problem["detail"]


async def test_a_reset_through_the_mail_sets_a_password_and_the_old_one_stops_working(
    ada: Person, api: Api, pg_container: Container, mailbox: SmtpInbox
):
    session = api.as_(expect(await sign_in(api, "ada@example.com", PASSWORD), 200)["token"])
    known = await send(api, "POST", "/v1/auth/password-resets", json_body={"email": ada.email})
    unknown = await send(
        api, "POST", "/v1/auth/password-resets", json_body={"email": "nobody@example.com"}
    )
    assert known.status == unknown.status == 202
    assert known.body == unknown.body
    await pg_container.sign_in().drain()

    [message] = [m for m in mailbox.to("ada@example.com") if "vpr_" in m.body]
    assert mailbox.to("nobody@example.com") == []
    found = RESET_TOKEN.search(message.body)
    assert found is not None
    confirm = {"token": found[0], "new_password": NEW_PASSWORD}
    done = await send(api, "POST", "/v1/auth/password-resets/confirm", json_body=confirm)
    assert done.status == 204, done.body
    await pg_container.sign_in().drain()

    assert_problem(
        await send(api, "POST", "/v1/auth/password-resets/confirm", json_body=confirm),
        400,
        code="reset-token-invalid",
    )
    assert_problem(await send(session, "GET", "/v1/me"), 401)
    assert_problem(await send(ada.api, "GET", "/v1/me"), 401)  # every personal token
    assert (await sign_in(api, "ada@example.com", PASSWORD))[0] == 401
    assert expect(await sign_in(api, "ada@example.com", NEW_PASSWORD), 200)["user"]["id"] == ada.id
    # The first password (set by the fixture), the reset's link, the reset's notice.
    assert kinds(mailbox, "ada@example.com") == [
        "password_changed",
        "password_reset",
        "password_changed",
    ]


async def test_changing_a_password_revokes_the_other_tokens_and_sends_a_notice(
    ada: Person, api: Api, pg_container: Container, mailbox: SmtpInbox
):
    other = api.as_(expect(await sign_in(api, "ada@example.com", PASSWORD), 200)["token"])
    wrong = await send(
        ada.api,
        "PUT",
        "/v1/me/password",
        json_body={"new_password": NEW_PASSWORD, "current_password": "nope"},
    )
    assert assert_problem(wrong, 422)["field"] == "current_password"

    changed = await send(
        ada.api,
        "PUT",
        "/v1/me/password",
        json_body={"new_password": NEW_PASSWORD, "current_password": PASSWORD},
    )
    assert changed.status == 204, changed.body
    await pg_container.sign_in().drain()

    assert expect(await ada.api.get("/v1/me"), 200)["user"]["id"] == ada.id
    assert_problem(await send(other, "GET", "/v1/me"), 401)
    assert kinds(mailbox, "ada@example.com")[-1] == "password_changed"

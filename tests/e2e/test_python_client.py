"""The README's walk-through, through the generated Python client (clients/python) against the
app on a real port, on PostgreSQL, with calls played by the sandbox (quickly).

Every answer is read by the client's own models and then held to them strictly: the status
is the one the document gives (any other raises), each field has the type the document
declares (the models' parsers let some mismatches through), and no resource carries a field
the document does not name. So this fails when the document and the server disagree.
"""

from __future__ import annotations

import asyncio
import io
import sys
import types
import typing
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import attrs
import pytest
from dependency_injector import providers
from voice_agent_client import AuthenticatedClient, Client, models
from voice_agent_client.api.agents import create_agent, list_agents
from voice_agent_client.api.api_keys import create_api_key
from voice_agent_client.api.audit import audit_log
from voice_agent_client.api.auth import sign_in
from voice_agent_client.api.calls import (
    call_cost,
    call_transcript,
    call_usage,
    get_call,
    place_call,
    provider_record,
    usage_report,
)
from voice_agent_client.api.invitations import accept_invitation, invite
from voice_agent_client.api.leads import call_history, create_lead, import_leads, lookup_lead
from voice_agent_client.api.me import me
from voice_agent_client.api.members import list_members
from voice_agent_client.api.phone_numbers import provision_number
from voice_agent_client.api.tenants import create_tenant
from voice_agent_client.api.voices import create_voice
from voice_agent_client.types import File, Response

from adapters.memory.email import RecordingMailer
from adapters.sandbox import SandboxScript, SandboxTelephonyProvider
from application.catalogue import sync_catalogue
from entrypoints.container import Container, connect_sandbox
from entrypoints.http.app import create_app
from tests.e2e.helpers import invitation_token

pytestmark = pytest.mark.postgres

T = TypeVar("T")
CALL_SECONDS = 10  # longest wait for the sandbox's call (it talks for 0.6 s)


@pytest.fixture
async def base_url(pg_container: Container, aiohttp_client: Any) -> AsyncIterator[str]:
    """The app on a real port of 127.0.0.1, calling through the sandbox: it rings for no time
    and talks for just over half a second (VOICE_AGENT_SANDBOX_RING_SECONDS and
    _TALK_SECONDS do the same for `serve`)."""
    assert await sync_catalogue(pg_container.deps()) > 0  # new tenants get the free plan
    sandbox = SandboxTelephonyProvider(SandboxScript(ring_seconds=0, talk_seconds=0.6))
    pg_container.telephony.override(providers.Object(sandbox))
    connect_sandbox(pg_container)
    server = (await aiohttp_client(create_app(pg_container.use_cases()))).server
    try:
        yield f"http://{server.host}:{server.port}"
    finally:
        await sandbox.close()


Connect = Callable[[str], AuthenticatedClient]


@pytest.fixture
async def connect(base_url: str) -> AsyncIterator[Connect]:
    """A client of the app with a token (closed at the end); a status the document does not
    give for an operation raises UnexpectedStatus."""
    made: list[AuthenticatedClient] = []

    def client(token: str) -> AuthenticatedClient:
        made.append(AuthenticatedClient(base_url, token, raise_on_unexpected_status=True))
        return made[-1]

    yield client
    for each in made:
        each.get_httpx_client().close()
        await each.get_async_httpx_client().aclose()


@pytest.fixture
async def anonymous(base_url: str) -> AsyncIterator[Client]:
    """A client of the app without a token, closed at the end: left open, its connection
    would be collected during some later test, and fail it with an unclosed transport."""
    client = Client(base_url, raise_on_unexpected_status=True)
    yield client
    await client.get_async_httpx_client().aclose()


async def answer(request: Awaitable[Response[Any]], status: int, kind: type[T]) -> T:
    """What `request` answered: `status`, and a `kind` that holds to the document."""
    response = await request
    assert response.status_code == status, response.content
    assert isinstance(response.parsed, kind), response.content
    conforms(response.parsed, kind.__name__)
    return response.parsed


async def created(request: Awaitable[Response[Any]], kind: type[T], location: str) -> T:
    """A create's answer: 201, the resource, and the path to read it at in Location."""
    response = await request
    assert response.status_code == 201, response.content
    assert isinstance(response.parsed, kind), response.content
    conforms(response.parsed, kind.__name__)
    resource: Any = response.parsed
    assert response.headers["Location"] == location.format(id=resource.id)
    return response.parsed


# --- holding a parsed answer to the document ------------------------------------------------


def conforms(model: Any, where: str) -> None:
    """Every field of `model` (recursively) has the type the document declares; a model with
    declared properties has no others (what the document does not name)."""
    cls = type(model)
    hints = typing.get_type_hints(
        cls, globalns=vars(sys.modules[cls.__module__]), localns=vars(models)
    )
    declared = [f.name for f in attrs.fields(cls) if f.name != "additional_properties"]
    for name in declared:
        _check(getattr(model, name), hints[name], f"{where}.{name}")
    extra = model.additional_properties
    if declared:
        assert extra == {}, f"{where}: fields the document does not declare: {sorted(extra)}"
    else:  # a map (metadata, variables): its values are of the declared type
        value_type = get_args(hints["additional_properties"])[1]
        for key, value in extra.items():
            _check(value, value_type, f"{where}[{key!r}]")


def _check(value: Any, hint: Any, where: str) -> None:
    origin = get_origin(hint)
    if hint is Any:
        return
    if origin in (Union, types.UnionType):
        for option in get_args(hint):
            try:
                _check(value, option, where)
            except AssertionError:
                continue
            return
        raise AssertionError(f"{where}: {value!r} is none of {hint}")
    if origin is Literal:
        assert value in get_args(hint), f"{where}: {value!r} is not one of {get_args(hint)}"
    elif origin is list:
        assert isinstance(value, list), f"{where}: {value!r} is not a list"
        for i, item in enumerate(value):
            _check(item, get_args(hint)[0], f"{where}[{i}]")
    elif hint is type(None):
        assert value is None, f"{where}: {value!r} is not null"
    elif attrs.has(hint):
        assert isinstance(value, hint), f"{where}: {value!r} is not a {hint.__name__}"
        conforms(value, where)
    elif hint is int:
        assert type(value) is int, f"{where}: {value!r} is not an integer"
    elif hint is float:
        assert type(value) in (int, float), f"{where}: {value!r} is not a number"
    else:
        assert isinstance(value, hint), f"{where}: {value!r} is not a {hint}"


# --- the walk-through ---------------------------------------------------------------------


async def test_the_readme_walk_through_runs_through_the_python_client(
    connect, anonymous, admin_token, pg_container, base_url
):
    # The token a platform admin was given (`voice-agent admin create-platform-admin`, or the
    # demo token of a first start).
    admin = connect(admin_token)
    who = await answer(me.asyncio_detailed(client=admin), 200, models.PrincipalOut)
    assert (who.kind, who.is_platform_admin) == ("user", True)

    # A tenant: its creator becomes its owner.
    tenant = await created(
        create_tenant.asyncio_detailed(
            client=admin, body=models.CreateTenantIn(name="Acme Dental")
        ),
        models.TenantOut,
        "/v1/tenants/{id}",
    )
    t = f"/v1/tenants/{tenant.id}"
    # Dana is invited as an admin; the token her email carries lets her accept, creating her
    # account with a password, and she signs in with it.
    invitation = await created(
        invite.asyncio_detailed(
            tenant.id, client=admin, body=models.InviteIn(email="dana@acme.example", role="admin")
        ),
        models.InvitationOut,
        f"{t}/invitations/{{id}}",
    )
    assert (invitation.status, invitation.role) == ("pending", "admin")
    mailer = pg_container.mailer()
    assert isinstance(mailer, RecordingMailer)
    [message] = mailer.to("dana@acme.example")
    accepted = await answer(
        accept_invitation.asyncio_detailed(
            client=anonymous,
            body=models.AcceptInvitationIn(
                token=invitation_token(message.body),
                password="correct horse battery",
                first_name="Dana",
                last_name="Ito",
            ),
        ),
        200,
        models.AcceptedOut,
    )
    assert accepted.member.role == "admin"
    signed_in = await answer(
        sign_in.asyncio_detailed(
            client=anonymous,
            body=models.SignInIn(email="dana@acme.example", password="correct horse battery"),
        ),
        200,
        models.SignedInOut,
    )
    dana = signed_in.user
    assert dana.id == accepted.member.user.id
    members = await answer(
        list_members.asyncio_detailed(tenant.id, client=admin, limit=10), 200, models.MemberPage
    )
    assert sorted(m.role for m in members.items) == ["admin", "owner"]
    assert members.next_cursor is None

    # An API key for a CI job (its secret shown once): the calls below are placed with it.
    key = await created(
        create_api_key.asyncio_detailed(
            tenant.id, client=admin, body=models.CreateApiKeyIn(name="ci", role="member")
        ),
        models.ApiKeyCreatedOut,
        t + "/api-keys/{id}",
    )
    ci = connect(key.secret)
    log = await answer(audit_log.asyncio_detailed(tenant.id, client=admin), 200, models.AuditPage)
    assert "api_key.created" in {entry.action for entry in log.items}

    # A voice, a number and an agent using both.
    voice = await created(
        create_voice.asyncio_detailed(
            tenant.id,
            client=admin,
            body=models.CreateVoiceIn(
                name="Rachel", provider="11labs", provider_voice_id="21m00Tcm4TlvDq8ikWAM"
            ),
        ),
        models.VoiceOut,
        t + "/voices/{id}",
    )
    number = await created(
        provision_number.asyncio_detailed(
            tenant.id,
            client=admin,
            body=models.ProvisionNumberIn(source="vapi", area_code="415"),
        ),
        models.PhoneNumberOut,
        t + "/phone-numbers/{id}",
    )
    assert isinstance(number.number, str)
    assert number.number.startswith("+1415555")
    assert number.status == "active"
    agent = await created(
        create_agent.asyncio_detailed(
            tenant.id,
            client=admin,
            body=models.CreateAgentIn(
                name="Reception",
                voice_id=voice.id,
                default_number_id=number.id,
                first_message="Hello!",
            ),
        ),
        models.AgentOut,
        t + "/agents/{id}",
    )

    # A lead, found again by the same number written another way.
    lead = await created(
        create_lead.asyncio_detailed(
            tenant.id,
            client=admin,
            body=models.CreateLeadIn(phone="(415) 555-0123", country="US", name="Ada"),
        ),
        models.LeadOut,
        t + "/leads/{id}",
    )
    found = await answer(
        lookup_lead.asyncio_detailed(tenant.id, client=admin, phone="+1 415-555-0123"),
        200,
        models.LeadOut,
    )
    assert (found.id, found.phone) == (lead.id, "+14155550123")

    # A CSV import with a bad row, as the file itself (text/csv), then as a form's file. The
    # file itself goes by the blocking client (here in a thread): httpx's AsyncClient sends
    # a body read from a file object only if it is an asynchronous one.
    csv = b"name,phone,email\nBob,415-555-0124,bob@example.com\nBad,12,\n"
    report = await answer(
        asyncio.to_thread(
            import_leads.sync_detailed,
            tenant.id,
            client=admin,
            body=File(io.BytesIO(csv), "leads.csv", "text/csv"),
            country="US",
        ),
        200,
        models.ImportReportOut,
    )
    assert (report.rows, report.created, report.failed) == (2, 1, 1)
    assert [(e.row, e.field) for e in report.errors] == [(3, "phone")]
    again = await answer(
        import_leads.asyncio_detailed(
            tenant.id,
            client=admin,
            body=models.ImportLeadsFilesBody(file=File(io.BytesIO(csv), "leads.csv", "text/csv")),
            country="US",
        ),
        200,
        models.ImportReportOut,
    )
    assert (again.rows, again.created, again.unchanged, again.failed) == (2, 0, 1, 1)

    # Call the lead, with an Idempotency-Key: a retry answers the same call, dialled once.
    agents = await answer(list_agents.asyncio_detailed(tenant.id, client=ci), 200, models.AgentPage)
    assert [a.id for a in agents.items] == [agent.id]
    body = models.PlaceCallIn(agent_id=agent.id, lead_id=lead.id)
    call = await created(
        place_call.asyncio_detailed(tenant.id, client=ci, body=body, idempotency_key="first-call"),
        models.CallOut,
        t + "/calls/{id}",
    )
    assert (call.agent_id, call.lead_id, call.from_number_id) == (agent.id, lead.id, number.id)
    retry = await created(
        place_call.asyncio_detailed(tenant.id, client=ci, body=body, idempotency_key="first-call"),
        models.CallOut,
        t + "/calls/{id}",
    )
    assert (retry.id, retry.vapi_call_id) == (call.id, call.vapi_call_id)

    # Follow it until it is over.
    seen: list[str] = []
    async with asyncio.timeout(CALL_SECONDS):
        while not seen or seen[-1] not in ("ended", "failed"):
            now = await answer(
                get_call.asyncio_detailed(tenant.id, call.id, client=ci), 200, models.CallOut
            )
            seen.append(now.status)
            await asyncio.sleep(0.1)
    assert seen[-1] == "ended", seen
    await pg_container.telephony().idle()  # the end-of-call report, sent just after "ended"

    ended = await answer(
        get_call.asyncio_detailed(tenant.id, call.id, client=ci), 200, models.CallOut
    )
    assert ended.ended_reason == "customer-ended-call"
    assert isinstance(ended.call_duration, int)
    assert isinstance(ended.transcript, models.TranscriptOut)
    assert ended.transcript.messages
    # The tenant is on the free plan, which keeps no recordings.
    assert ended.recording is None
    assert isinstance(ended.cost, str)
    assert ended.cost_breakdown is not None

    transcript = await answer(
        call_transcript.asyncio_detailed(tenant.id, call.id, client=ci),
        200,
        models.CallTranscriptOut,
    )
    assert (transcript.available, transcript.text) == (True, ended.transcript.text)
    cost = await answer(
        call_cost.asyncio_detailed(tenant.id, call.id, client=ci), 200, models.CallCostOut
    )
    assert cost.cost == ended.cost
    usage = await answer(
        call_usage.asyncio_detailed(tenant.id, call.id, client=ci), 200, models.CallUsageOut
    )
    assert usage.items
    assert usage.total_cost == cost.usage_cost
    record = await answer(
        provider_record.asyncio_detailed(tenant.id, call.id, client=admin),
        200,
        models.CallProviderRecordOut,
    )
    assert record.record is not None
    assert record.record["id"] == ended.vapi_call_id
    history = await answer(
        call_history.asyncio_detailed(tenant.id, lead.id, client=ci), 200, models.CallPage
    )
    assert [c.id for c in history.items] == [call.id]

    # Calls, minutes and cost by day and agent.
    report_by_agent = await answer(
        usage_report.asyncio_detailed(tenant.id, client=ci, by="agent"),
        200,
        models.UsageReportOut,
    )
    assert report_by_agent.calls == 1
    assert [(row.agent_id, row.calls) for row in report_by_agent.rows] == [(agent.id, 1)]
    assert report_by_agent.cost == usage.total_cost


def test_strictness_catches_what_the_document_does_not_say():
    """The check itself: an undeclared field, a wrong type, an unknown enumeration value."""
    lead: dict[str, Any] = {
        "object": "lead",
        "id": str(uuid.uuid4()),
        "tenant_id": str(uuid.uuid4()),
        "name": None,
        "phone": "+14155550123",
        "email": None,
        "source": None,
        "status": "new",
        "timezone": None,
        "do_not_call": False,
        "metadata": {"k": "v"},
        "last_contacted_at": None,
        "last_call_id": None,
        "version": 0,
        "created_at": datetime.now().isoformat(),
        "updated_at": datetime.now().isoformat(),
    }
    conforms(models.LeadOut.from_dict(lead), "LeadOut")
    for change in ({"surprise": 1}, {"last_call_id": "not-a-uuid"}, {"version": "0"}):
        with pytest.raises(AssertionError):
            conforms(models.LeadOut.from_dict(lead | change), "LeadOut")
    with pytest.raises(TypeError):  # the models' own check of enumerations
        models.LeadOut.from_dict(lead | {"status": "surprise"})

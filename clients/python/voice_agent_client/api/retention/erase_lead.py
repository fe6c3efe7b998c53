from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.lead_erasure_out import LeadErasureOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    lead_id: UUID,
    *,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tenants/{tenant_id}/leads/{lead_id}/erase".format(
            tenant_id=quote(str(tenant_id), safe=""),
            lead_id=quote(str(lead_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> LeadErasureOut | Problem | None:
    if response.status_code == 200:
        response_200 = LeadErasureOut.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[LeadErasureOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    tenant_id: UUID,
    lead_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[LeadErasureOut | Problem]:
    """Erase a lead and everything held about them (admins)

     A data subject's erasure (owners and admins): the lead is deleted; its calls, and the
    tenant's calls to or from its number, lose their transcripts, recordings, analyses,
    provider records, metadata and every trace of the person, keeping outcome, cost, duration
    and usage (the usage report is unchanged); the provider's messages about them go; audit
    entries about them keep who did what and when, without details; the tenant's finished
    exports, which held the person, are deleted. A call of theirs still in progress is a 409:
    erase once it has ended. Audited (`lead.erased`, counts only).

    Args:
        tenant_id (UUID):
        lead_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LeadErasureOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        lead_id=lead_id,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    tenant_id: UUID,
    lead_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> LeadErasureOut | Problem | None:
    """Erase a lead and everything held about them (admins)

     A data subject's erasure (owners and admins): the lead is deleted; its calls, and the
    tenant's calls to or from its number, lose their transcripts, recordings, analyses,
    provider records, metadata and every trace of the person, keeping outcome, cost, duration
    and usage (the usage report is unchanged); the provider's messages about them go; audit
    entries about them keep who did what and when, without details; the tenant's finished
    exports, which held the person, are deleted. A call of theirs still in progress is a 409:
    erase once it has ended. Audited (`lead.erased`, counts only).

    Args:
        tenant_id (UUID):
        lead_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LeadErasureOut | Problem
    """

    return sync_detailed(
        tenant_id=tenant_id,
        lead_id=lead_id,
        client=client,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    tenant_id: UUID,
    lead_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[LeadErasureOut | Problem]:
    """Erase a lead and everything held about them (admins)

     A data subject's erasure (owners and admins): the lead is deleted; its calls, and the
    tenant's calls to or from its number, lose their transcripts, recordings, analyses,
    provider records, metadata and every trace of the person, keeping outcome, cost, duration
    and usage (the usage report is unchanged); the provider's messages about them go; audit
    entries about them keep who did what and when, without details; the tenant's finished
    exports, which held the person, are deleted. A call of theirs still in progress is a 409:
    erase once it has ended. Audited (`lead.erased`, counts only).

    Args:
        tenant_id (UUID):
        lead_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LeadErasureOut | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        lead_id=lead_id,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant_id: UUID,
    lead_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> LeadErasureOut | Problem | None:
    """Erase a lead and everything held about them (admins)

     A data subject's erasure (owners and admins): the lead is deleted; its calls, and the
    tenant's calls to or from its number, lose their transcripts, recordings, analyses,
    provider records, metadata and every trace of the person, keeping outcome, cost, duration
    and usage (the usage report is unchanged); the provider's messages about them go; audit
    entries about them keep who did what and when, without details; the tenant's finished
    exports, which held the person, are deleted. A call of theirs still in progress is a 409:
    erase once it has ended. Audited (`lead.erased`, counts only).

    Args:
        tenant_id (UUID):
        lead_id (UUID):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LeadErasureOut | Problem
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            lead_id=lead_id,
            client=client,
            x_request_id=x_request_id,
        )
    ).parsed

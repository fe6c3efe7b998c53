import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.usage_report_by import UsageReportBy
from ...models.usage_report_out import UsageReportOut
from ...models.usage_report_period import UsageReportPeriod
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    *,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    period: UsageReportPeriod | Unset = UNSET,
    by: UsageReportBy | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    params: dict[str, Any] = {}

    json_from_: str | Unset = UNSET
    if not isinstance(from_, Unset):
        json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to: str | Unset = UNSET
    if not isinstance(to, Unset):
        json_to = to.isoformat()
    params["to"] = json_to

    json_period: str | Unset = UNSET
    if not isinstance(period, Unset):
        json_period = period

    params["period"] = json_period

    json_by: str | Unset = UNSET
    if not isinstance(by, Unset):
        json_by = by

    params["by"] = json_by

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/tenants/{tenant_id}/usage".format(
            tenant_id=quote(str(tenant_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | UsageReportOut | None:
    if response.status_code == 200:
        response_200 = UsageReportOut.from_dict(response.json())

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
) -> Response[Problem | UsageReportOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    period: UsageReportPeriod | Unset = UNSET,
    by: UsageReportBy | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | UsageReportOut]:
    """Cost, minutes and calls by period (and agent or batch), from the AI usage rows

     Cost, minutes and calls by day or month (UTC), optionally by agent or batch, over a
    window of at most 366 days (default: the last 30 days), from the calls' AI usage (any role).

    Args:
        tenant_id (UUID):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        period (UsageReportPeriod | Unset):
        by (UsageReportBy | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UsageReportOut]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        from_=from_,
        to=to,
        period=period,
        by=by,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    period: UsageReportPeriod | Unset = UNSET,
    by: UsageReportBy | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | UsageReportOut | None:
    """Cost, minutes and calls by period (and agent or batch), from the AI usage rows

     Cost, minutes and calls by day or month (UTC), optionally by agent or batch, over a
    window of at most 366 days (default: the last 30 days), from the calls' AI usage (any role).

    Args:
        tenant_id (UUID):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        period (UsageReportPeriod | Unset):
        by (UsageReportBy | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UsageReportOut
    """

    return sync_detailed(
        tenant_id=tenant_id,
        client=client,
        from_=from_,
        to=to,
        period=period,
        by=by,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    period: UsageReportPeriod | Unset = UNSET,
    by: UsageReportBy | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | UsageReportOut]:
    """Cost, minutes and calls by period (and agent or batch), from the AI usage rows

     Cost, minutes and calls by day or month (UTC), optionally by agent or batch, over a
    window of at most 366 days (default: the last 30 days), from the calls' AI usage (any role).

    Args:
        tenant_id (UUID):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        period (UsageReportPeriod | Unset):
        by (UsageReportBy | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UsageReportOut]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        from_=from_,
        to=to,
        period=period,
        by=by,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    period: UsageReportPeriod | Unset = UNSET,
    by: UsageReportBy | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | UsageReportOut | None:
    """Cost, minutes and calls by period (and agent or batch), from the AI usage rows

     Cost, minutes and calls by day or month (UTC), optionally by agent or batch, over a
    window of at most 366 days (default: the last 30 days), from the calls' AI usage (any role).

    Args:
        tenant_id (UUID):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        period (UsageReportPeriod | Unset):
        by (UsageReportBy | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UsageReportOut
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            client=client,
            from_=from_,
            to=to,
            period=period,
            by=by,
            x_request_id=x_request_id,
        )
    ).parsed

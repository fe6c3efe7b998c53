"""DELETE /v1/me and DELETE /v1/users/{user_id}: deleting an account."""

from __future__ import annotations

from aiohttp import web

from entrypoints.http.requests import principal, user_id
from entrypoints.http.routing import Endpoint, reply, use_cases


async def delete_me(request: web.Request) -> web.Response:
    """Delete your own account, with a personal token (an API key gets 403). Refused (409,
    `last-owner`, the tenants' ids in `tenant_ids`) while you are the only owner of a tenant
    that is not closed: transfer ownership or close it first. Otherwise, at once and
    together: the API keys you created are revoked, you leave every tenant (audited in each),
    and your account and personal tokens are deleted (`user.deleted` in the platform's audit
    log). What you made in tenants (agents, batches, keys) stays, no longer naming you."""
    who = principal(request)
    await use_cases(request).account_deletion.delete_account(who, who.acting_user())
    return reply(None, 204)


async def delete_user(request: web.Request) -> web.Response:
    """Delete a user: yourself, or anyone for platform admins (to anyone else, an API key
    included, the user is a 404, as one that does not exist). As `DELETE /v1/me`: refused
    (409) while they are the only owner of a tenant that is not closed."""
    await use_cases(request).account_deletion.delete_account(principal(request), user_id(request))
    return reply(None, 204)


ROUTES = [
    Endpoint(
        "DELETE",
        "/v1/me",
        delete_me,
        "Delete my account (personal token only)",
        "me",
        status=204,
        errors=(403, 409),
    ),
    Endpoint(
        "DELETE",
        "/v1/users/{user_id}",
        delete_user,
        "Delete a user (yourself, or anyone for platform admins)",
        "users",
        status=204,
        errors=(403, 404, 409),
    ),
]

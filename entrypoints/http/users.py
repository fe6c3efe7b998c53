"""/v1/me and /v1/users: identities and personal tokens."""

from __future__ import annotations

from aiohttp import web

from application.credentials import IssueUserToken
from application.users import CreateUser, UpdateUser
from domain.ids import UserTokenId
from domain.values import Email
from entrypoints.http.requests import body, page_request, path_id, principal, user_id
from entrypoints.http.routing import PAGE_PARAMS, Endpoint, QueryParam, created, reply, use_cases
from entrypoints.http.schemas import (
    CreateUserIn,
    CreateUserTokenIn,
    PrincipalOut,
    UpdateUserIn,
    UserOut,
    UserPage,
    UserTenantOut,
    UserTenantPage,
    UserTokenCreatedOut,
    UserTokenOut,
    UserTokenPage,
)


async def me(request: web.Request) -> web.Response:
    """The caller: with a personal token, the user (and whether a platform admin); with an API
    key, the key's id, its tenant and its role."""
    who = principal(request)
    if who.is_api_key:
        return reply(
            PrincipalOut(
                "api_key",
                None,
                who.api_key_id,
                who.api_key_tenant_id,
                who.api_key_role.value if who.api_key_role else None,
                False,
            )
        )
    user = await use_cases(request).users.me(who)
    return reply(PrincipalOut("user", UserOut.of(user), None, None, None, user.is_platform_admin))


async def my_tenants(request: web.Request) -> web.Response:
    """The tenants the calling user belongs to, each with their role and membership, a page at a
    time."""
    who = principal(request)
    page = await use_cases(request).tenants.tenants_of_user(
        who, who.acting_user(), page_request(request)
    )
    return reply(UserTenantPage([UserTenantOut.of(t) for t in page.items], page.next_cursor))


async def create_user(request: web.Request) -> web.Response:
    """Create a user (platform admins). An email another user has is a 409. The user has no
    token until one is issued."""
    data = await body(request, CreateUserIn)
    user = await use_cases(request).users.create_user(
        principal(request),
        CreateUser(
            Email.parse(data.email), data.first_name, data.last_name, data.is_platform_admin
        ),
    )
    return created(UserOut.of(user), f"/v1/users/{user.id}")


async def list_users(request: web.Request) -> web.Response:
    """Every user, a page at a time (platform admins). With `email`, the one user with that
    address, in any letter case (404 when there is none)."""
    users = use_cases(request).users
    email = request.query.get("email")
    if email is not None:
        user = await users.get_user_by_email(principal(request), Email.parse(email))
        return reply(UserPage([UserOut.of(user)], None))
    page = await users.list_users(principal(request), page_request(request))
    return reply(UserPage([UserOut.of(u) for u in page.items], page.next_cursor))


async def get_user(request: web.Request) -> web.Response:
    """A user: yourself, or anyone for platform admins. Any other user is a 404, as one that
    does not exist."""
    user = await use_cases(request).users.get_user(principal(request), user_id(request))
    return reply(UserOut.of(user))


async def update_user(request: web.Request) -> web.Response:
    """Change a user's email or names (yourself, or anyone for platform admins). `is_active` and
    `is_platform_admin` are for platform admins: deactivating a user, or taking platform admin
    away, revokes their API keys that lose standing in the same change. Send the `version` you
    read to be refused (409) if someone changed the user since."""
    data = await body(request, UpdateUserIn)
    user = await use_cases(request).users.update_user(
        principal(request),
        UpdateUser(
            user_id(request),
            email=Email.parse(data.email) if data.email is not None else None,
            first_name=data.first_name,
            last_name=data.last_name,
            is_active=data.is_active,
            is_platform_admin=data.is_platform_admin,
            version=data.version,
        ),
    )
    return reply(UserOut.of(user))


async def user_tenants(request: web.Request) -> web.Response:
    """A user's tenants with their role in each, a page at a time: yours, or anyone's for
    platform admins."""
    page = await use_cases(request).tenants.tenants_of_user(
        principal(request), user_id(request), page_request(request)
    )
    return reply(UserTenantPage([UserTenantOut.of(t) for t in page.items], page.next_cursor))


async def create_user_token(request: web.Request) -> web.Response:
    """Issue a personal access token for a user (yourself, or anyone for platform admins). The
    answer is the token with its `secret`, shown this once; only its hash is stored. Optionally
    expiring at `expires_at`."""
    data = await body(request, CreateUserTokenIn)
    issued = await use_cases(request).credentials.issue_user_token(
        principal(request), IssueUserToken(user_id(request), data.name, data.expires_at)
    )
    token = issued.credential
    return created(
        UserTokenCreatedOut.of(token, issued.token), f"/v1/users/{token.user_id}/tokens/{token.id}"
    )


async def list_user_tokens(request: web.Request) -> web.Response:
    """A user's personal tokens, without secrets, a page at a time: yours, or anyone's for
    platform admins."""
    page = await use_cases(request).credentials.list_user_tokens(
        principal(request), user_id(request), page_request(request)
    )
    return reply(UserTokenPage([UserTokenOut.of(t) for t in page.items], page.next_cursor))


async def get_user_token(request: web.Request) -> web.Response:
    """One of a user's personal tokens, without its secret: yours, or anyone's for platform
    admins."""
    """One of a user's personal tokens, without its secret: yours, or anyone's for platform
    admins."""
    token = await use_cases(request).credentials.get_user_token(
        principal(request), user_id(request), _token_id(request)
    )
    return reply(UserTokenOut.of(token))


async def revoke_user_token(request: web.Request) -> web.Response:
    """Revoke a personal token at once: it authenticates nothing more. Revoking one already
    revoked is a 409."""
    token = await use_cases(request).credentials.revoke_user_token(
        principal(request), user_id(request), _token_id(request)
    )
    return reply(UserTokenOut.of(token))


def _token_id(request: web.Request) -> UserTokenId:
    return UserTokenId(path_id(request, "token_id"))


USER = "/v1/users/{user_id}"

ROUTES = [
    Endpoint(
        "GET",
        "/v1/me",
        me,
        "Who am I: the user, or the API key and its tenant",
        "me",
        response=PrincipalOut,
    ),
    Endpoint(
        "GET",
        "/v1/me/tenants",
        my_tenants,
        "My tenants and my role in each",
        "me",
        response=UserTenantPage,
        query=PAGE_PARAMS,
        errors=(403, 422),
    ),
    Endpoint(
        "POST",
        "/v1/users",
        create_user,
        "Create a user (platform admins)",
        "users",
        body=CreateUserIn,
        response=UserOut,
        status=201,
        errors=(400, 403, 409, 422),
    ),
    Endpoint(
        "GET",
        "/v1/users",
        list_users,
        "List users, or look one up by email (platform admins)",
        "users",
        response=UserPage,
        query=(QueryParam("email", "Exact address, any letter case."), *PAGE_PARAMS),
        errors=(403, 404, 422),
    ),
    Endpoint(
        "GET",
        USER,
        get_user,
        "Get a user (yourself, or anyone for platform admins)",
        "users",
        response=UserOut,
        errors=(404,),
    ),
    Endpoint(
        "PATCH",
        USER,
        update_user,
        "Update a user; is_active and is_platform_admin are for platform admins",
        "users",
        body=UpdateUserIn,
        response=UserOut,
        errors=(400, 403, 404, 409, 422),
    ),
    Endpoint(
        "GET",
        USER + "/tenants",
        user_tenants,
        "A user's tenants and role in each",
        "users",
        response=UserTenantPage,
        query=PAGE_PARAMS,
        errors=(404, 422),
    ),
    Endpoint(
        "POST",
        USER + "/tokens",
        create_user_token,
        "Issue a personal access token: the token with its secret, shown once",
        "users",
        body=CreateUserTokenIn,
        response=UserTokenCreatedOut,
        status=201,
        errors=(400, 404, 422),
    ),
    Endpoint(
        "GET",
        USER + "/tokens",
        list_user_tokens,
        "List a user's tokens (no secrets)",
        "users",
        response=UserTokenPage,
        query=PAGE_PARAMS,
        errors=(404, 422),
    ),
    Endpoint(
        "GET",
        USER + "/tokens/{token_id}",
        get_user_token,
        "Get a personal token (no secret)",
        "users",
        response=UserTokenOut,
        errors=(404,),
    ),
    Endpoint(
        "DELETE",
        USER + "/tokens/{token_id}",
        revoke_user_token,
        "Revoke a personal token",
        "users",
        response=UserTokenOut,
        errors=(404, 409),
    ),
]

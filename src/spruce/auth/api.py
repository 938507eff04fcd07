"""The auth JSON endpoints, for single-page and mobile apps, mounted under ``/auth/api``.

| method and path | body | answer |
|---|---|---|
| ``POST /register`` | ``{"username", "password", "email"?}`` | 201 ``{"user": ...}`` |
| ``POST /login`` | ``{"username", "password", "token_name"?}`` | 200 ``{"token", "token_type", "expires_at", "user"}`` |
| ``POST /logout`` | | 204: the token used is revoked (or the session ended) |
| ``GET /me`` | | 200 ``{"user": ...}`` |
| ``POST /password/change`` | ``{"old_password", "new_password"}`` | 204; the user's other tokens are revoked |
| ``POST /password/reset`` | ``{"email"}`` | 202, the same answer whether or not an account matched |
| ``POST /password/reset/confirm`` | ``{"token", "new_password"}`` | 204; every token of the user is revoked |

Failures: 401 (not logged in, or wrong credentials: one message for both), 422 (invalid input,
weak password, name taken), 429 (throttled, with ``Retry-After``). The rules are the pages':
the same throttling, password rules and enumeration-safe answers.

A client without cookies (a mobile app, a script) sends ``Authorization: Bearer <token>`` and
needs no CSRF token. A browser app that calls these endpoints with cookies must send the
``X-CSRF-Token`` header, like any other request with cookies (the security battery checks it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, SecretStr
from sqlalchemy.exc import IntegrityError

from ..exceptions import BadRequest, FieldError, RequestValidationError, Unauthorized
from ..forms import Email
from ..requests import Request  # at run time: handler annotations are read
from ..responses import JSONResponse, Response
from ..routing.router import Router
from ..security.ratelimit import client_address, limiter_for
from .afterwards import respond_then
from .authentication import (
    LOGIN_FAILED,
    authenticate,
    check_password,
    check_throttle,
    record_failure,
)
from .loading import AUTH_METHOD_KEY, TOKEN_KEY
from .resets import (
    INVALID_RESET_LINK,
    RESET_SENT,
    require_password_reset,
    reset_mail_jobs,
    send_reset_mails,
    user_for_reset_token,
)
from .sessionauth import logout, refresh_session
from .tokens import issue_token, revoke_token, revoke_user_tokens
from .users import (
    create_user,
    normalize_username,
    record_login,
    set_password,
    username_problem,
    username_taken,
)

if TYPE_CHECKING:
    from .battery import Auth

__all__ = [
    "Credentials",
    "NewAccount",
    "PasswordChange",
    "PasswordResetConfirm",
    "PasswordResetRequest",
    "api_router",
    "user_json",
]

PASSWORD_LIMIT = 4096


class Credentials(BaseModel):
    """``POST /login``."""

    username: str = Field(max_length=150)
    password: SecretStr = Field(max_length=PASSWORD_LIMIT)
    token_name: str = Field("", max_length=100, description="A label for the token (device).")


class NewAccount(BaseModel):
    """``POST /register``."""

    username: str = Field(max_length=150)
    password: SecretStr = Field(max_length=PASSWORD_LIMIT)
    email: Email | None = None


class PasswordChange(BaseModel):
    """``POST /password/change``."""

    old_password: SecretStr = Field(max_length=PASSWORD_LIMIT)
    new_password: SecretStr = Field(max_length=PASSWORD_LIMIT)


class PasswordResetRequest(BaseModel):
    """``POST /password/reset``."""

    email: Email


class PasswordResetConfirm(BaseModel):
    """``POST /password/reset/confirm``."""

    token: str = Field(max_length=300)
    new_password: SecretStr = Field(max_length=PASSWORD_LIMIT)


def user_json(user: Any) -> dict[str, Any]:
    """What the API shows of a user (never the password hash)."""
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "date_joined": user.date_joined.isoformat() if user.date_joined else None,
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


def _invalid(field: str, messages: list[str], kind: str) -> RequestValidationError:
    errors: list[FieldError] = [
        {"location": "body", "field": field, "message": message, "type": kind}
        for message in messages
    ]
    return RequestValidationError(errors)


def api_router(auth: Auth) -> Router:
    """The auth API of one app."""
    router = Router(name="auth_api")
    config = auth.config

    async def register(request: Request, data: NewAccount) -> Response:
        await limiter_for(request.app).enforce(
            config.registrations_per_address, "spruce.auth.register", client_address(request)
        )
        username = normalize_username(data.username)
        problem = username_problem(username)
        if problem:
            raise _invalid("username", [problem], "invalid_username")
        email = str(data.email) if data.email else None
        password = data.password.get_secret_value()
        problems = auth.password_problems(password, username=username, email=email)
        if problems:
            raise _invalid("password", problems, "weak_password")
        taken = _invalid("username", ["This user name is taken."], "username_taken")
        try:
            async with auth.database.session() as db:
                if await username_taken(db, auth.user_model, username):
                    raise taken
                user = await create_user(db, request.app, username, password, email=email)
        except IntegrityError:
            raise taken from None
        return JSONResponse({"user": user_json(user)}, 201)

    async def login(request: Request, data: Credentials) -> dict[str, Any]:
        user = await authenticate(request, data.username, data.password.get_secret_value())
        if user is None:
            raise Unauthorized(LOGIN_FAILED, {"WWW-Authenticate": "Bearer"})
        await record_login(request.app, user)
        async with auth.database.session() as db:
            issued = await issue_token(db, request.app, user, name=data.token_name)
        expires = issued.expires_at
        return {
            "token": issued.token,
            "token_type": "Bearer",
            "expires_at": expires.isoformat() if expires is not None else None,
            "user": user_json(user),
        }

    async def logout_endpoint(request: Request) -> Response:
        token = request.scope.get(TOKEN_KEY)
        if token is not None:
            async with auth.database.session() as db:
                await revoke_token(db, request.app, token)
        else:
            await logout(request)
        return Response(None, 204)

    async def me(request: Request) -> dict[str, Any]:
        return {"user": user_json(request.user)}

    async def change_password(request: Request, data: PasswordChange) -> Response:
        user = request.user
        await check_throttle(auth, request, user.username)
        if not await check_password(auth, user, data.old_password.get_secret_value()):
            await record_failure(auth, request, user.username)
            raise _invalid(
                "old_password", ["Your current password is not this one."], "wrong_password"
            )
        new = data.new_password.get_secret_value()
        problems = auth.password_problems(new, username=user.username, email=user.email)
        if problems:
            raise _invalid("new_password", problems, "weak_password")
        current_token = request.scope.get(TOKEN_KEY)
        async with auth.database.session() as db:
            stored = await db.get(type(user), user.pk)
            assert stored is not None
            await set_password(request.app, stored, new)
            await revoke_user_tokens(db, request.app, stored, keep=current_token)
        user.password = stored.password
        if request.scope.get(AUTH_METHOD_KEY) == "session":
            await refresh_session(request, user)
        return Response(None, 204)

    async def reset_request(request: Request, data: PasswordResetRequest) -> Response:
        require_password_reset(auth)
        users = await reset_mail_jobs(auth, request, str(data.email))
        answer = JSONResponse({"detail": RESET_SENT}, 202)
        if not users:
            return answer
        return respond_then(answer, lambda: send_reset_mails(auth, request, users))

    async def reset_confirm(request: Request, data: PasswordResetConfirm) -> Response:
        require_password_reset(auth)
        user = await user_for_reset_token(request.app, data.token)
        if user is None:
            raise BadRequest(INVALID_RESET_LINK)
        new = data.new_password.get_secret_value()
        problems = auth.password_problems(new, username=user.username, email=user.email)
        if problems:
            raise _invalid("new_password", problems, "weak_password")
        async with auth.database.session() as db:
            stored = await db.get(type(user), user.pk)
            assert stored is not None
            await set_password(request.app, stored, new)
            await revoke_user_tokens(db, request.app, stored)
        return Response(None, 204)

    api = {"api": True}
    signed_in = {"api": True, "login_required": True}
    if config.registration:
        router.add_route("/register", register, ("POST",), name="register", **api)
    router.add_route("/login", login, ("POST",), name="login", **api)
    router.add_route("/logout", logout_endpoint, ("POST",), name="logout", **signed_in)
    router.add_route("/me", me, ("GET",), name="me", **signed_in)
    router.add_route(
        "/password/change", change_password, ("POST",), name="password_change", **signed_in
    )
    router.add_route("/password/reset", reset_request, ("POST",), name="password_reset", **api)
    router.add_route(
        "/password/reset/confirm", reset_confirm, ("POST",), name="password_reset_confirm", **api
    )
    return router

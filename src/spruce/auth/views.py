"""The auth pages (HTML), mounted under ``/auth`` (the ``prefix`` setting).

| route name | path | |
|---|---|---|
| ``auth.login`` | ``/login`` | GET the form, POST user name and password |
| ``auth.logout`` | ``/logout`` | GET asks, POST logs out |
| ``auth.register`` | ``/register`` | a new account (``registration`` setting) |
| ``auth.password_change`` | ``/password/change`` | for a logged-in user |
| ``auth.password_reset`` | ``/password/reset`` | ask for a reset link (mail battery) |
| ``auth.password_reset_sent`` | ``/password/reset/sent`` | "if an account uses that address..." |
| ``auth.password_reset_confirm`` | ``/password/reset/{token}`` | the link in the mail |
| ``auth.password_reset_set`` | ``/password/reset/new`` | choose the new password |

Each page renders ``spruce/auth/<page>.html``; put a file of the same name in your app's
``templates/spruce/auth/`` to replace it, or just ``layout.html`` to give them your site's look.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from ..flash import flash
from ..forms import Form
from ..forms.reading import read_form
from ..requests import Request  # at run time: handler annotations are read
from ..responses import RedirectResponse, Response
from ..routing.router import Router
from ..security.exceptions import RateLimitExceeded
from ..security.ratelimit import client_address, limiter_for
from ..templating import render
from .afterwards import respond_then
from .authentication import (
    LOGIN_FAILED,
    authenticate,
    check_password,
    check_throttle,
    record_failure,
)
from .forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from .redirects import safe_next
from .resets import (
    INVALID_RESET_LINK,
    RESET_SENT,
    require_password_reset,
    reset_mail_jobs,
    send_reset_mails,
    user_for_reset_token,
)
from .sessionauth import login, logout, refresh_session
from .tokens import revoke_user_tokens
from .users import create_user, normalize_username, set_password, username_problem, username_taken

if TYPE_CHECKING:
    from .battery import Auth

__all__ = ["RESET_TOKEN_SESSION_KEY", "TOO_MANY_ATTEMPTS", "pages_router"]

TOO_MANY_ATTEMPTS = "Too many attempts. Wait a few minutes, then try again."
RESET_TOKEN_SESSION_KEY = "_auth_reset_token"


def _page(name: str, form: Form | None, status: int = 200, **context: Any) -> Response:
    headers = context.pop("headers", None)
    return render(
        f"spruce/auth/{name}.html", form=form, status_code=status, headers=headers, **context
    )


def _status(form: Form) -> int:
    return 400 if form.is_bound and not form.is_valid else 200


def _throttled(name: str, form: Form, exc: RateLimitExceeded, **context: Any) -> Response:
    form.add_error(None, TOO_MANY_ATTEMPTS, code="throttled")
    return _page(name, form, 429, headers={"Retry-After": str(exc.retry_after)}, **context)


def pages_router(auth: Auth) -> Router:
    """The auth pages of one app (their forms come from ``auth``)."""
    router = Router(name="auth")
    config = auth.config
    login_form, registration_form = auth.login_form, auth.registration_form

    async def login_page(request: Request) -> Response:
        form: Any = await read_form(login_form, request)
        if not form.is_bound:
            form = login_form.blank(next=request.query_params.get("next", ""))
        context = {
            "registration": config.registration,
            "password_reset": auth.password_reset_enabled,
        }
        if form.is_valid:
            try:
                user = await authenticate(request, form.username, form.password.get_secret_value())
            except RateLimitExceeded as exc:
                return _throttled("login", form, exc, **context)
            if user is not None:
                await login(request, user)
                wanted = form.next or request.query_params.get("next")
                return RedirectResponse(safe_next(request, wanted, config.login_redirect), 303)
            form.add_error(None, LOGIN_FAILED, code="login_failed")
        return _page("login", form, _status(form), **context)

    async def logout_page(request: Request) -> Response:
        if request.method == "POST":
            await logout(request)
            wanted = request.query_params.get("next")
            return RedirectResponse(safe_next(request, wanted, config.logout_redirect), 303)
        return _page("logout", None)

    async def register_page(request: Request) -> Response:
        form: Any = await read_form(registration_form, request)
        if form.is_valid:
            try:
                await limiter_for(request.app).enforce(
                    config.registrations_per_address,
                    "spruce.auth.register",
                    client_address(request),
                )
            except RateLimitExceeded as exc:
                return _throttled("register", form, exc)
            user = await _register(auth, request, form)
            if user is not None:
                flash(request, "Your account was created. You can log in now.", "success")
                return RedirectResponse(request.url_for("auth.login"), 303)
        return _page("register", form, _status(form))

    async def password_change_page(request: Request) -> Response:
        form: Any = await read_form(PasswordChangeForm, request)
        user = request.user
        if form.is_valid:
            try:
                await check_throttle(auth, request, user.username)
            except RateLimitExceeded as exc:
                return _throttled("password_change", form, exc)
            if not await check_password(auth, user, form.old_password.get_secret_value()):
                await record_failure(auth, request, user.username)
                form.add_error(
                    "old_password", "Your current password is not this one.", code="wrong_password"
                )
            new = form.new_password.get_secret_value()
            for problem in auth.password_problems(new, username=user.username, email=user.email):
                form.add_error("new_password", problem, code="weak_password")
            if form.is_valid:
                await _save_password(auth, request, user, new)
                await refresh_session(request, user)
                flash(request, "Your password was changed.", "success")
                return RedirectResponse(safe_next(request, None, config.login_redirect), 303)
        return _page("password_change", form, _status(form))

    async def password_reset_page(request: Request) -> Response:
        require_password_reset(auth)
        form: Any = await read_form(PasswordResetForm, request)
        if form.is_valid:
            try:
                users = await reset_mail_jobs(auth, request, form.email)
            except RateLimitExceeded as exc:
                return _throttled("password_reset", form, exc)
            sent = RedirectResponse(request.url_for("auth.password_reset_sent"), 303)
            if not users:
                return sent
            return respond_then(sent, lambda: send_reset_mails(auth, request, users))
        return _page("password_reset", form, _status(form))

    async def password_reset_sent_page(request: Request) -> Response:
        require_password_reset(auth)
        return _page("password_reset_sent", None, message=RESET_SENT)

    async def password_reset_confirm_page(request: Request, token: str) -> Response:
        require_password_reset(auth)
        if await user_for_reset_token(request.app, token) is None:
            return _page("password_reset_invalid", None, 400, message=INVALID_RESET_LINK)
        request.session[RESET_TOKEN_SESSION_KEY] = token  # out of the URL (and Referer headers)
        return RedirectResponse(request.url_for("auth.password_reset_set"), 303)

    async def password_reset_set_page(request: Request) -> Response:
        require_password_reset(auth)
        token = request.session.get(RESET_TOKEN_SESSION_KEY)
        user = await user_for_reset_token(request.app, token) if isinstance(token, str) else None
        if user is None:
            return _page("password_reset_invalid", None, 400, message=INVALID_RESET_LINK)
        form: Any = await read_form(SetPasswordForm, request)
        if form.is_valid:
            new = form.new_password.get_secret_value()
            for problem in auth.password_problems(new, username=user.username, email=user.email):
                form.add_error("new_password", problem, code="weak_password")
            if form.is_valid:
                await _save_password(auth, request, user, new)
                del request.session[RESET_TOKEN_SESSION_KEY]
                request.session.regenerate()
                flash(request, "Your password has been set. You can log in now.", "success")
                return RedirectResponse(request.url_for("auth.login"), 303)
        return _page("password_reset_set", form, _status(form))

    both = ("GET", "POST")
    router.add_route("/login", login_page, both, name="login")
    router.add_route("/logout", logout_page, both, name="logout")
    if config.registration:
        router.add_route("/register", register_page, both, name="register")
    router.add_route(
        "/password/change",
        password_change_page,
        both,
        name="password_change",
        login_required=True,
    )
    router.add_route("/password/reset", password_reset_page, both, name="password_reset")
    router.add_route("/password/reset/sent", password_reset_sent_page, name="password_reset_sent")
    router.add_route(
        "/password/reset/new", password_reset_set_page, both, name="password_reset_set"
    )
    router.add_route(
        "/password/reset/{token}", password_reset_confirm_page, name="password_reset_confirm"
    )
    return router


async def _register(auth: Auth, request: Request, form: Any) -> Any:
    """The new user, or None with the problems added to ``form``."""
    username = normalize_username(form.username)
    problem = username_problem(username)
    if problem:
        form.add_error("username", problem, code="invalid_username")
    email = getattr(form, "email", None) if "email" in type(form).model_fields else None
    password = form.password.get_secret_value()
    for problem in auth.password_problems(password, username=username, email=email):
        form.add_error("password", problem, code="weak_password")
    if not form.is_valid:
        return None
    try:
        async with auth.database.session() as db:
            if await username_taken(db, auth.user_model, username):
                form.add_error("username", "This user name is taken.", code="username_taken")
                return None
            return await create_user(db, request.app, username, password, email=email)
    except IntegrityError:  # registered by someone else between the check and the insert
        form.add_error("username", "This user name is taken.", code="username_taken")
        return None


async def _save_password(auth: Auth, request: Request, user: Any, password: str) -> None:
    """Store ``user``'s new password and revoke their API tokens (a stolen one stops working)."""
    async with auth.database.session() as db:
        stored = await db.get(type(user), user.pk)
        assert stored is not None
        await set_password(request.app, stored, password)
        await revoke_user_tokens(db, request.app, stored)
    user.password = stored.password

"""Password reset: single-use links that expire, mailed without telling who has an account.

    await request_reset(request, "ann@example.com")      # mails each matching active user
    user = await user_for_reset_token(app, token)        # the user, or None
    await finish_reset(app, user, "a new passphrase")

A reset token is the user's id and a fingerprint of their current password hash and last login,
signed (itsdangerous, SHA-256) under the app's secret key and the purpose
``spruce.auth.password-reset``, with the time it was made. It works for ``reset_timeout``
seconds (an hour) and only once: setting the password changes the hash and logging in changes
the last login, and either voids the fingerprint. Nothing is stored.

The mail goes to the address stored for the user, never to the one typed in the form (a
look-alike address cannot receive someone else's link), and it is sent after the response, so
the answer takes as long whether or not a mail went out. The page says the same either way.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from ..security.ratelimit import client_address, limiter_for
from ..signing import BadSignature, signer_for
from .users import parse_primary_key

if TYPE_CHECKING:
    from ..app import Spruce
    from ..requests import HTTPConnection
    from .battery import Auth

__all__ = [
    "INVALID_RESET_LINK",
    "RESET_SENT",
    "make_reset_token",
    "matching_users",
    "require_password_reset",
    "reset_mail_jobs",
    "send_reset_mails",
    "user_for_reset_token",
]

logger = logging.getLogger("spruce.auth")

RESET_SALT = "spruce.auth.password-reset"
RESET_SENT = (
    "If an account uses that address, we have sent it a link to choose a new password. "
    "The link works for an hour."
)
"""The one answer to a reset request, whether or not an account matched."""
INVALID_RESET_LINK = "This password-reset link is invalid, was already used, or has expired."


def require_password_reset(auth: Auth) -> None:
    """Password reset needs the mail battery: without it its pages do not exist (404)."""
    if not auth.password_reset_enabled:
        from ..exceptions import NotFound

        raise NotFound()


def _fingerprint(user: Any) -> str:
    last_login = user.last_login.isoformat() if user.last_login is not None else ""
    material = f"{user.password}|{last_login}|{int(bool(user.is_active))}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def make_reset_token(app: Spruce, user: Any) -> str:
    """A reset token for ``user`` (see the module docstring)."""
    return signer_for(app, RESET_SALT).dumps([str(user.pk), _fingerprint(user)])


async def user_for_reset_token(app: Spruce, token: str) -> Any:
    """The active user ``token`` was made for, if it is unexpired and unused; else None."""
    from .battery import get_auth

    auth = get_auth(app)
    if not token or len(token) > 300:
        return None
    try:
        value = signer_for(app, RESET_SALT).loads(token, max_age=auth.config.reset_timeout)
    except BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        return None
    key = parse_primary_key(auth.user_model, value[0])
    if key is None:
        return None
    async with auth.database.session(commit=False) as db:
        user = await db.get(auth.user_model, key)
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(_fingerprint(user), value[1]):
        return None
    return user


async def matching_users(auth: Auth, email: str) -> list[Any]:
    """Active users whose stored address equals ``email`` (ignoring case, without Unicode
    folding: an address typed with a dotless i matches nobody's ``admin@``: CVE-2019-19844)."""
    address = email.strip()
    if not address or len(address) > 254 or not address.isascii():
        return []
    model = auth.user_model
    async with auth.database.session(commit=False) as db:
        query = select(model).where(
            func.lower(model.email) == address.lower(), model.is_active.is_(True)
        )
        return list((await db.execute(query)).scalars())


async def reset_mail_jobs(auth: Auth, request: HTTPConnection, email: str) -> list[Any]:
    """Count a reset request (429 past the per-address limit), and return the users to mail
    (none when the address was asked for too often: the answer stays the same)."""
    limiter = limiter_for(request.app)
    config = auth.config
    await limiter.enforce(
        config.reset_requests_per_address, "spruce.auth.reset.address", client_address(request)
    )
    key = email.strip().lower()[:254] or "-"
    if not await limiter.hit(config.reset_requests_per_email, "spruce.auth.reset.email", key):
        return []
    return await matching_users(auth, email)


async def send_reset_mails(auth: Auth, request: HTTPConnection, users: list[Any]) -> None:
    """Mail each of ``users`` a reset link (failures are logged, never shown)."""
    from ..mail import MailError, get_mailer
    from ..mail.rendering import render_mail_with

    mailer = get_mailer(request.app)
    for user in users:
        if not user.email:
            continue
        token = make_reset_token(request.app, user)
        link = auth.reset_link(request, token)
        context = {"user": user, "link": link, "minutes": auth.config.reset_timeout // 60}
        try:
            content = render_mail_with(
                request.app.templates,
                "spruce/auth/mail/password_reset.txt",
                html="spruce/auth/mail/password_reset.html",
                context=context,
                request=request,
            )
            await mailer.send_mail("Reset your password", content, to=[user.email])
        except MailError:
            logger.exception("could not send the password-reset mail to user %s", user.pk)

"""The auth battery: users, logins, permissions and API tokens.

    from spruce import Spruce
    from spruce.auth import Auth, login_required
    from spruce.db import Database
    from spruce.sessions import Sessions

    app = Spruce(batteries=[Sessions(), Database(), Auth()])

    @app.get("/drafts")
    @login_required
    async def drafts(request: Request):
        return {"user": request.user.username}

Pages under ``/auth`` (login, logout, registration, password change and reset), JSON endpoints
under ``/auth/api``, ``request.user`` and ``current_user`` in templates, argon2id passwords,
throttled logins, ``spruce auth createuser``. See ``docs/auth.md``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .access import ANONYMOUS, AnonymousUser, current_user, login_required, permission_required
    from .authentication import authenticate
    from .battery import Auth, get_auth
    from .exceptions import AuthError, PasswordRejected, PermissionsNotLoaded
    from .models import (
        AbstractAPIToken,
        AbstractUser,
        APIToken,
        Group,
        Permission,
        User,
        permission_name,
    )
    from .passwords import PasswordHasher
    from .redirects import is_safe_redirect, safe_next
    from .sessionauth import login, logout, refresh_session
    from .tokens import issue_token, revoke_token, revoke_user_tokens
    from .users import (
        add_to_group,
        create_user,
        ensure_permissions,
        grant,
        load_permissions,
        set_password,
    )
    from .validation import validate_password

__all__ = [
    "ANONYMOUS",
    "APIToken",
    "AbstractAPIToken",
    "AbstractUser",
    "AnonymousUser",
    "Auth",
    "AuthError",
    "Group",
    "PasswordHasher",
    "PasswordRejected",
    "Permission",
    "PermissionsNotLoaded",
    "User",
    "add_to_group",
    "authenticate",
    "create_user",
    "current_user",
    "ensure_permissions",
    "get_auth",
    "grant",
    "is_safe_redirect",
    "issue_token",
    "load_permissions",
    "login",
    "login_required",
    "logout",
    "permission_name",
    "permission_required",
    "refresh_session",
    "revoke_token",
    "revoke_user_tokens",
    "safe_next",
    "set_password",
    "validate_password",
]

# Each name loads its module on first use: `from spruce.auth import login_required` in a views
# module should not import SQLAlchemy and argon2 before the app needs them.
_HOMES = {
    "ANONYMOUS": "access",
    "AnonymousUser": "access",
    "current_user": "access",
    "login_required": "access",
    "permission_required": "access",
    "authenticate": "authentication",
    "Auth": "battery",
    "get_auth": "battery",
    "AuthError": "exceptions",
    "PasswordRejected": "exceptions",
    "PermissionsNotLoaded": "exceptions",
    "AbstractAPIToken": "models",
    "AbstractUser": "models",
    "APIToken": "models",
    "Group": "models",
    "Permission": "models",
    "User": "models",
    "permission_name": "models",
    "PasswordHasher": "passwords",
    "is_safe_redirect": "redirects",
    "safe_next": "redirects",
    "login": "sessionauth",
    "logout": "sessionauth",
    "refresh_session": "sessionauth",
    "issue_token": "tokens",
    "revoke_token": "tokens",
    "revoke_user_tokens": "tokens",
    "add_to_group": "users",
    "create_user": "users",
    "ensure_permissions": "users",
    "grant": "users",
    "load_permissions": "users",
    "set_password": "users",
    "validate_password": "validation",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'spruce.auth' has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

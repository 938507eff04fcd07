"""The auth battery's errors.

::

    AuthError                    root (a SpruceError)
    ├── PermissionsNotLoaded     user.has_perm() before the user's permissions were loaded
    └── PasswordRejected         a new password breaks the rules (also a ValueError)

HTTP answers use the core's ``Unauthorized`` (401: not logged in), ``Forbidden`` (403: logged
in without the permission) and ``TooManyRequests`` (429: too many failed logins).
"""

from __future__ import annotations

from ..exceptions import SpruceError

__all__ = ["AuthError", "PasswordRejected", "PermissionsNotLoaded"]


class AuthError(SpruceError):
    """Root of the auth battery's errors."""


class PermissionsNotLoaded(AuthError):
    """``has_perm`` was asked before the user's permissions were loaded."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"cannot tell whether the user has {name!r}: their permissions are not loaded. "
            "Protect the route with permission_required(...), or call "
            "`await load_permissions(user)` (from spruce.auth) first"
        )
        self.permission = name


class PasswordRejected(AuthError, ValueError):
    """A new password breaks the rules; ``problems`` says how, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems

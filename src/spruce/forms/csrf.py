"""The CSRF field a rendered POST form carries.

The security battery owns CSRF protection: it checks the token on unsafe requests, and its
``csrf`` attribute (``app.batteries["security"].csrf``) knows the field name and makes a token
for each response (``token(request)``). A form rendered while a request is handled asks it for a
token and adds
``<input type="hidden" name="csrf_token" value="...">``. Without the security battery, a
``csrf_token`` offered to templates by a context processor is used the same way (a value or a
function returning it); with neither, nothing is added. GET forms never carry the token (it would
end up in URLs and logs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from ..requests import HTTPConnection

__all__ = ["CSRF_FIELD_NAME", "csrf_field", "csrf_token_for"]

CSRF_FIELD_NAME = "csrf_token"
"""The field name used unless CSRF protection names another."""


def _value(found: Any) -> str | None:
    if callable(found):
        found = found()
    return str(found) if found else None


def csrf_token_for(request: HTTPConnection) -> tuple[str, str] | None:
    """``(field name, token)`` for ``request``, or ``None`` when no CSRF protection offers one."""
    app = request.app
    security = app.batteries.get("security")
    protection = getattr(security, "csrf", None) if security is not None else None
    if protection is not None:
        if getattr(protection, "enabled", True) is False:
            return None
        name = getattr(protection, "field_name", None) or CSRF_FIELD_NAME
        return str(name), str(protection.token(request))
    context = app.templates.context(request)
    token = _value(context.get("csrf_token"))
    if token is None:
        return None
    name = context.get("csrf_field_name") or CSRF_FIELD_NAME
    return str(name), token


def csrf_field(request: HTTPConnection | None) -> Markup:
    """The hidden CSRF input for ``request`` (empty markup when there is no token)."""
    found = csrf_token_for(request) if request is not None else None
    if found is None:
        return Markup("")
    name, token = found
    return Markup('<input type="hidden" name="{}" value="{}">').format(escape(name), escape(token))

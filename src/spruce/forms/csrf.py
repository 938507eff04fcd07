"""The CSRF field a rendered POST form carries.

The security battery owns CSRF protection: it checks the token on unsafe requests and offers the
token to templates through a context processor (``csrf_token``). A form rendered while a request
is handled asks the app's templates for that value and, when there is one, adds
``<input type="hidden" name="csrf_token" value="...">``. Without the security battery nothing is
added. GET forms never carry the token (it would end up in URLs and logs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from ..requests import HTTPConnection

__all__ = ["CSRF_FIELD_NAME", "csrf_field", "csrf_token_for"]

CSRF_FIELD_NAME = "csrf_token"
"""The field name used unless the security battery says otherwise (``csrf_field_name``)."""


def _value(found: Any) -> str | None:
    if callable(found):
        found = found()
    return str(found) if found else None


def csrf_token_for(request: HTTPConnection) -> tuple[str, str] | None:
    """``(field name, token)`` for ``request``, or ``None`` when no CSRF protection offers one."""
    app = request.app
    context = app.templates.context(request)
    token = _value(context.get("csrf_token"))
    if token is None:
        return None
    security = app.batteries.get("security")
    name = context.get("csrf_field_name") or getattr(security, "csrf_field_name", None)
    return (str(name) if name else CSRF_FIELD_NAME), token


def csrf_field(request: HTTPConnection | None) -> Markup:
    """The hidden CSRF input for ``request`` (empty markup when there is no token)."""
    found = csrf_token_for(request) if request is not None else None
    if found is None:
        return Markup("")
    name, token = found
    return Markup('<input type="hidden" name="{}" value="{}">').format(escape(name), escape(token))

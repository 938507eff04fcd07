"""The debug page: what an unhandled exception looks like while you develop.

With debug on (``SPRUCE_DEBUG=true`` or ``Spruce(debug=True)``) Spruce installs ``DebugPage`` as
``app.debug_renderer`` when the app starts. It answers an unhandled exception with the exception,
the traceback with source lines around each frame, each frame's local variables (short reprs,
secret-looking names masked) and the request; as HTML for browsers, JSON for clients that ask for
JSON, plain text otherwise.

It is never shown in production: with ``SPRUCE_ENV=production`` debug mode refuses to start, and
only loopback clients (or the ``debug_allowed_ips`` setting's) see the page; others get the bare
500. This module is imported only when debug is on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..errors import http_error_response
from ..exceptions import HTTPException
from ..responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from .access import ClientFilter, refuse_in_production, running_in_production
from .details import request_details
from .frames import describe_exception
from .render import plain_traceback, render_html, render_json, render_text

if TYPE_CHECKING:
    from ..app import Spruce
    from ..requests import Request

__all__ = [
    "DebugPage",
    "enable_debug_page",
    "install_debug_page",
    "preferred_format",
    "running_in_production",
]

logger = logging.getLogger("spruce.error")


def preferred_format(accept: str) -> str:
    """``"html"``, ``"json"`` or ``"text"``: what a client sending ``accept`` reads best.

    Browsers (``text/html`` listed before any JSON type) get HTML; clients naming a JSON type get
    JSON; everyone else (curl's ``*/*``, ``text/plain``) gets text.
    """
    accept = accept.lower()
    html_at = accept.find("text/html")
    json_at = accept.find("json")
    if html_at >= 0 and (json_at < 0 or html_at < json_at):
        return "html"
    if json_at >= 0:
        return "json"
    return "text"


class DebugPage:
    """A debug renderer (``app.debug_renderer``): ``page(request, exc)`` is the 500 response.

    ``allowed_ips``: addresses or networks, besides loopback, that may see the page (``"*"``: all).
    ``context_lines``: source lines shown above and below each frame's current line.
    """

    def __init__(self, allowed_ips: Iterable[str] = (), context_lines: int = 5) -> None:
        self.clients = ClientFilter(allowed_ips)
        self.context_lines = context_lines

    def __call__(self, request: Request, exc: BaseException) -> Response:
        accept = request.headers.get("accept", "")
        if not self.clients.allows(request):
            return http_error_response(HTTPException(500), accept)
        try:
            return self.render(request, exc, preferred_format(accept))
        except Exception:  # the page must never hide the original error
            logger.exception("the debug page failed to render; sending the plain traceback")
            return PlainTextResponse(plain_traceback(exc), 500)

    def render(self, request: Request, exc: BaseException, kind: str) -> Response:
        """The 500 response for ``exc`` in format ``kind`` (``"html"``, ``"json"``, ``"text"``)."""
        chain = describe_exception(exc, self.context_lines)
        details = request_details(request)
        headers = {"cache-control": "no-store", "x-robots-tag": "noindex"}
        if kind == "html":
            page = render_html(chain, details, plain_traceback(exc))
            return HTMLResponse(page, 500, headers)
        if kind == "json":
            return JSONResponse(render_json(chain, details), 500, headers)
        return PlainTextResponse(render_text(exc, chain, details), 500, headers)


def install_debug_page(app: Spruce, allowed_ips: Iterable[str] | None = None) -> DebugPage:
    """Make ``app`` answer unhandled exceptions with the debug page (when debug is on).

    ``allowed_ips`` defaults to the ``debug_allowed_ips`` setting. Raises
    ``ImproperlyConfigured`` when ``SPRUCE_ENV`` says production.
    """
    refuse_in_production()
    if allowed_ips is None:
        allowed_ips = getattr(app.settings, "debug_allowed_ips", None) or ()
    page = DebugPage(allowed_ips)
    app.debug_renderer = page
    return page


def enable_debug_page(app: Spruce) -> None:
    """Called by the app at start-up when debug is on: refuse production, and install the debug
    page unless the app already has a ``debug_renderer``."""
    refuse_in_production()
    if app.debug_renderer is None:
        install_debug_page(app)

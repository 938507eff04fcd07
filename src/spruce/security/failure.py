"""The answer to a failed CSRF check: a 403 page that says why, JSON for API clients.

The page is the template ``spruce/security/403_csrf.html``; an app overrides it with a file of
the same name in its own ``templates/`` folder, or answers differently with
``@app.errorhandler(CSRFError)``. Neither shows a token, a secret or a cookie value; in debug
mode the page adds what the app trusts, to help fix a configuration.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..errors import http_error_response, wants_json
from ..responses import JSONResponse

if TYPE_CHECKING:
    from ..requests import Request
    from ..responses import Response
    from .exceptions import CSRFError

__all__ = ["TEMPLATE", "csrf_failure"]

logger = logging.getLogger("spruce.security")
TEMPLATE = "spruce/security/403_csrf.html"


def csrf_failure(request: Request, exc: CSRFError) -> Response:
    """The 403 response for ``exc``: JSON unless the client asks for HTML."""
    logger.warning("CSRF check failed (%s) for %s %s", exc.reason, request.method, request.url.path)
    accept = request.headers.get("accept", "")
    if wants_json(accept):
        return JSONResponse(exc.body(), 403)
    app = request.app
    context = {
        "reason": exc.reason,
        "detail": exc.detail,
        "debug": app.debug,
        "origin": request.headers.get("origin") if app.debug else None,
        "trusted_origins": _trusted_origins(request) if app.debug else (),
    }
    try:
        return app.templates.response(TEMPLATE, context, request=request, status_code=403)
    except Exception:  # a broken override must not hide the 403
        logger.exception("the CSRF failure page %s could not be rendered", TEMPLATE)
        return http_error_response(exc, accept)


def _trusted_origins(request: Request) -> tuple[str, ...]:
    battery = request.app.extensions.get("spruce.security")
    return tuple(battery.config.csrf_trusted_origins) if battery is not None else ()

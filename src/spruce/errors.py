"""Turning exceptions into responses: handler lookup, default error pages, the 500 fallback."""

from __future__ import annotations

import html
import logging
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .concurrency import call_maybe_async
from .exceptions import HTTPException
from .responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from .results import to_response

if TYPE_CHECKING:
    from .requests import Request
    from .routing.router import ErrorHandlerKey, Router

__all__ = ["find_error_handler", "http_error_response", "render_error", "wants_json"]

logger = logging.getLogger("spruce.error")

Handler = Callable[..., Any]


def wants_json(accept: str) -> bool:
    """True unless the client asks for HTML (browsers do); API clients and curl get JSON."""
    if not accept:
        return True
    html_at = accept.find("text/html")
    if html_at < 0:
        return True
    json_at = accept.find("json")
    return 0 <= json_at < html_at


def http_error_response(exc: HTTPException, accept: str) -> Response:
    """The default response for an ``HTTPException``: JSON or a small HTML page."""
    headers = exc.headers or None
    if wants_json(accept):
        return JSONResponse(exc.body(), exc.status_code, headers)
    title = f"{exc.status_code} {html.escape(_phrase(exc.status_code))}"
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><h1>{title}</h1><p>{html.escape(str(exc.detail))}</p></body></html>"
    )
    return HTMLResponse(page, exc.status_code, headers)


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def find_error_handler(exc: BaseException, routers: Sequence[Router]) -> Handler | None:
    """The handler for ``exc``: innermost router first; status code before exception class."""
    keys: list[ErrorHandlerKey] = []
    if isinstance(exc, HTTPException):
        keys.append(exc.status_code)
    keys.extend(type(exc).__mro__)
    for router in reversed(routers):
        handlers = router.error_handlers
        if not handlers:
            continue
        for key in keys:
            handler = handlers.get(key)
            if handler is not None:
                return handler
    return None


def server_error_text(exc: BaseException) -> str:
    """A plain-text traceback, for debug mode only."""
    return "".join(traceback.format_exception(exc))


DebugRenderer = Callable[["Request", BaseException], Response]


def _default_debug_renderer(request: Request, exc: BaseException) -> Response:
    return PlainTextResponse(server_error_text(exc), 500)


async def render_error(
    request: Request,
    exc: Exception,
    routers: Sequence[Router],
    debug: bool,
    debug_renderer: DebugRenderer | None = None,
) -> Response:
    """The response for ``exc`` raised while handling ``request``.

    User handlers win; ``HTTPException`` gets the default page; anything else is logged with its
    traceback and answered with a bare 500 (a traceback in debug mode).
    """
    handler = find_error_handler(exc, routers)
    if handler is not None:
        try:
            return to_response(await call_maybe_async(handler, request, exc))
        except Exception as handler_exc:  # the error handler itself failed
            logger.exception("error handler %r failed", handler)
            exc = handler_exc
    if isinstance(exc, HTTPException):
        return http_error_response(exc, request.headers.get("accept", ""))
    logger.error("Unhandled exception on %s %s", request.method, request.path, exc_info=exc)
    fallback = next(
        (r.error_handlers[500] for r in reversed(routers) if 500 in r.error_handlers), None
    )
    if fallback is not None:
        try:
            return to_response(await call_maybe_async(fallback, request, exc))
        except Exception:
            logger.exception("500 error handler %r failed", fallback)
    if debug:
        return (debug_renderer or _default_debug_renderer)(request, exc)
    return http_error_response(HTTPException(500), request.headers.get("accept", ""))

"""The request pipeline: what happens to every connection between the server and a handler.

``build_pipeline(app)`` runs once, when the app freezes, and returns the ASGI callable that sits
under the middleware (or is the whole app when there is none). Everything a request needs to
know about the app (the route table, the filters and hooks batteries added, the limits) is read
then and kept in the closure, so a request pays for local-variable lookups and the work it really
needs, in this order:

1. request filters (a plain call each, e.g. the security battery's host check);
2. the route match (a trie, see ``spruce.routing.table``); HEAD falls back to GET, OPTIONS and
   405 are answered here;
3. the route's handler (hooks, parameter plan, providers; see ``spruce.compiler``), or the
   endpoint itself when the plan says there is nothing to resolve;
4. errors turned into responses by the routers' error handlers;
5. ``after_request`` hooks, response hooks (e.g. security headers), the response sent;
6. ``teardown`` hooks and the clean-up of uploaded files.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from .errors import render_error
from .exceptions import HTTPException, MethodNotAllowed, NotFound, SpruceError
from .requests import Request, _current_request
from .responses import RedirectResponse, Response
from .results import to_response
from .websockets import WebSocket

if TYPE_CHECKING:
    from .app import Spruce
    from .compiler import CompiledRoutes
    from .responses import Receive, Scope, Send
    from .routing.router import Router
    from .routing.routes import Route
    from .routing.table import Endpoints

__all__ = ["build_pipeline"]

logger = logging.getLogger("spruce")
new_object = object.__new__

Pipeline = Callable[["Scope", "Receive", "Send"], Awaitable[None]]


def build_pipeline(app: Spruce, compiled: CompiledRoutes) -> Pipeline:
    """The ASGI callable that routes and answers requests for the frozen ``app``."""
    match_path = compiled.table.match
    match_parameterised = compiled.table.match_parameterised
    static_endpoints = compiled.table.static_endpoints
    request_filters = tuple(app._request_filters)
    response_hooks = tuple(app._response_hooks)
    debug = app.config.debug
    redirect_slashes = app.redirect_slashes
    max_header_size = app.config.max_header_size
    set_current_request = _current_request.set
    reset_current_request = _current_request.reset

    def other_method(
        request: Request, endpoints: Endpoints
    ) -> tuple[Route | None, Response | None]:
        """No route for this method: HEAD takes GET's, OPTIONS is answered, others get 405."""
        method = request.scope["method"]
        if method == "HEAD":
            route = endpoints.get("GET")
            if route is not None:
                return route, None
        allowed = sorted(endpoints)
        if "GET" in endpoints:
            allowed.append("HEAD")
        if method == "OPTIONS":
            allow = ", ".join(sorted({*allowed, "OPTIONS"}))
            return None, Response(None, 204, {"allow": allow})
        raise MethodNotAllowed(sorted(set(allowed) | {"OPTIONS"}))

    def unmatched(request: Request) -> Response:
        """No route for this path: a 308 to the other slash form when that one exists, or 404."""
        path = request.path
        if redirect_slashes and path != "/":
            other = path[:-1] if path.endswith("/") else path + "/"
            if match_path(other) is not None:
                scope = request.scope
                query = scope.get("query_string", b"")
                target = scope.get("root_path", "") + other
                if query:
                    target += "?" + query.decode("latin-1")
                return RedirectResponse(target, 308)
        raise NotFound()

    async def finish(
        request: Request,
        route: Route,
        response: Response,
        scope: Scope,
        send: Send,
        handler_error: Exception | None,
    ) -> None:
        """After-request hooks, response hooks, send; then teardown hooks (given the handler's
        error, if it raised one that is not an HTTPException, or one raised here) and clean-up."""
        error: BaseException | None = handler_error
        try:
            for hook in route.after_hooks:
                replaced = await hook(request, response)
                if replaced is not None:
                    response = replaced
            for response_hook, _, _ in response_hooks:
                response = response_hook(scope, response)
            await response(scope, request._receive, send)
        except Exception as exc:
            error = exc
            raise
        finally:
            if route.teardown_hooks:
                await run_teardown(route.teardown_hooks, request, error)
            if request._form is not None:
                await request.close()

    async def pipeline(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = app
        if scope["type"] != "http":
            await serve_other(scope, receive, send)
            return
        if request_filters:
            headers = scope["headers"]
            host = headers[0][1] if headers and headers[0][0] == b"host" else None
            for request_filter, passes_hosts in request_filters:
                if passes_hosts is not None and host in passes_hosts:
                    continue
                outcome = request_filter(scope, send)
                if outcome is not send and isinstance(outcome, Response):
                    await outcome(scope, receive, send)
                    return
                send = outcome
        # Request(scope, receive, app) without the call (about 3% of a small request): the
        # attributes HTTPConnection.__init__ sets, set here; tests/test_pipeline.py checks both
        # make the same request.
        request: Request = new_object(Request)
        request.scope = scope
        request._receive = receive
        request.app = app
        request.path_params = params = {}
        token = set_current_request(request)  # for render() and current_request()
        try:
            route: Route | None = None
            response: Response | None = None
            handler_error: Exception | None = None
            try:
                path = scope["path"]
                endpoints = static_endpoints.get(path)
                if endpoints is None:
                    match = match_parameterised(path)
                    if match is not None:
                        endpoints, params = match.endpoints, match.params
                if endpoints is None:
                    response = unmatched(request)
                else:
                    route = endpoints.get(scope["method"])
                    if route is None:
                        route, response = other_method(request, endpoints)
                    if route is not None:
                        request.path_params = params
                        request.route = route
                        header_bytes = 0  # a plain loop: the cheapest exact count
                        for name, value in scope["headers"]:
                            header_bytes += len(name) + len(value)
                        if header_bytes > max_header_size:
                            raise HTTPException(
                                431, f"Request headers too large (limit {max_header_size} bytes)"
                            )
                        direct = route.direct_endpoint
                        if direct is not None:
                            result = await (direct(**params) if params else direct())
                            response = to_response(result)
                        else:
                            response = await route.handler(request)  # type: ignore[misc]
            except Exception as exc:
                routers: Sequence[Router] = route.routers if route is not None else (app,)
                response = await render_error(request, exc, routers, debug, app.debug_renderer)
                if not isinstance(exc, HTTPException):  # abort(404) is no failure
                    handler_error = exc
            assert response is not None
            if route is not None and (
                route.after_hooks or route.teardown_hooks or request._form is not None
            ):
                await finish(request, route, response, scope, send, handler_error)
                return
            for response_hook, adds_headers, unless_scope_has in response_hooks:
                raw = response.raw_headers
                if (
                    adds_headers
                    and unless_scope_has not in scope
                    and len(raw) == 1
                    and raw[0][0] == b"content-type"
                ):
                    raw.extend(adds_headers)
                else:
                    response = response_hook(scope, response)
            if response.plain_send:
                start, body = response.messages(scope)
                await send(start)
                await send(body)
            else:
                await response(scope, receive, send)
        finally:
            reset_current_request(token)

    async def serve_other(scope: Scope, receive: Receive, send: Send) -> None:
        """Lifespan events and WebSocket handshakes."""
        if scope["type"] == "lifespan":
            await app._handle_lifespan(receive, send)
            return
        for request_filter, _ in request_filters:
            outcome = request_filter(scope, send)
            if outcome is not send and isinstance(outcome, Response):
                await send({"type": "websocket.close", "code": 1008, "reason": ""})
                return
            send = outcome
        if scope["type"] == "websocket":
            await serve_websocket(app, compiled, scope, receive, send)

    return pipeline


async def run_teardown(hooks: list[Any], request: Request, error: BaseException | None) -> None:
    """Run every teardown hook; one that fails is logged and the others still run."""
    for hook in hooks:
        try:
            await hook(request, error)
        except Exception:
            logger.exception("teardown hook failed")


async def serve_websocket(
    app: Spruce, compiled: CompiledRoutes, scope: Scope, receive: Receive, send: Send
) -> None:
    """Route a WebSocket connection to its handler; failures close it with a code that says why."""
    match = compiled.websockets.match(scope["path"])
    websocket = WebSocket(scope, receive, send, app)
    if match is None:
        await websocket.close(1008)
        return
    route = match.endpoints["WEBSOCKET"]
    websocket.path_params = match.params
    websocket.route = route
    assert route.handler is not None
    try:
        await route.handler(websocket)
    except HTTPException as exc:
        if websocket.state_name == "connecting":
            await websocket.close(1008, str(exc.detail)[:120])
        else:
            await websocket.close(1008)
    except SpruceError as exc:
        if type(exc).__name__ != "WebSocketDisconnect":
            logger.error("WebSocket handler failed", exc_info=exc)
            await websocket.close(1011)
    except Exception as exc:
        logger.error("WebSocket handler failed on %s", scope["path"], exc_info=exc)
        await websocket.close(1011)
    else:
        await websocket.close(1000)

"""Compiling routes at startup: path templates, parameter plans and hook chains.

Everything a request needs is decided here, once, so that dispatch does no work for features the
route does not use.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .concurrency import is_async_callable, run_sync
from .exceptions import ImproperlyConfigured
from .params import ProviderRegistry, build_plan, resolve_arguments
from .providers import call_with_providers
from .responses import Response
from .results import to_response
from .routing.converters import (
    Converter,
    FloatConverter,
    IntConverter,
    UUIDConverter,
)
from .routing.paths import PathTemplate
from .routing.table import RouteTable

if TYPE_CHECKING:
    from .requests import Request
    from .routing.router import Router
    from .routing.routes import Route

__all__ = ["CompiledRoutes", "adapt_hook", "compile_routes"]

RouteHandler = Callable[["Request"], Awaitable[Response]]
Hook = Callable[..., Awaitable[Any]]


def _positional_arity(func: Callable[..., Any]) -> int | None:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    count = 0
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return None
        if parameter.kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            count += 1
    return count


def adapt_hook(func: Callable[..., Any], offered: int) -> Hook:
    """Wrap ``func`` so it can be awaited with ``offered`` arguments, passing only the last ones
    it takes: ``after_request(request, response)`` and ``after_request(response)``, or
    ``teardown(request, exc)`` and ``teardown(exc)``, all work. Sync hooks run in the thread
    pool."""
    arity = _positional_arity(func)
    skip = 0 if arity is None else offered - min(arity, offered)
    if is_async_callable(func):

        async def call_async(*args: Any) -> Any:
            return await func(*args[skip:])

        return call_async

    async def call_sync(*args: Any) -> Any:
        return await run_sync(func, *args[skip:])

    return call_sync


_INFERRED: Mapping[Any, type[Converter]] = {
    int: IntConverter,
    float: FloatConverter,
    __import__("uuid").UUID: UUIDConverter,
}


def _default_converters(
    endpoint: Callable[..., Any], converters: Mapping[str, Converter]
) -> dict[str, Converter]:
    """Converters for ``{name}`` written without one, inferred from the handler's annotations."""
    try:
        annotations = inspect.get_annotations(endpoint, eval_str=True)
    except Exception:
        return {}
    inferred: dict[str, Converter] = {}
    for name, annotation in annotations.items():
        converter_type = _INFERRED.get(annotation)
        if converter_type is not None:
            found = next((c for c in converters.values() if type(c) is converter_type), None)
            inferred[name] = found or converter_type()
    return inferred


class CompiledRoutes:
    """The routing table plus the name index used by ``url_for``."""

    def __init__(self) -> None:
        self.table = RouteTable()
        self.websockets = RouteTable()
        self.by_name: dict[str, Route] = {}
        self.routes: list[Route] = []


def compile_templates(root: Router, converters: Mapping[str, Converter]) -> CompiledRoutes:
    """Mount every route, parse its path, and index it by name (no handler plans yet)."""
    compiled = CompiledRoutes()
    for route in root.walk():
        route.template = PathTemplate(
            route.full_path, converters, _default_converters(route.endpoint, converters)
        )
        previous = compiled.by_name.get(route.name)
        if previous is not None and previous.full_path != route.full_path:
            raise ImproperlyConfigured(
                f"two routes are named {route.name!r} ({previous.full_path} and {route.full_path});"
                " pass name=... to tell them apart"
            )
        compiled.by_name.setdefault(route.name, route)
        compiled.routes.append(route)
    return compiled


def compile_routes(
    root: Router,
    converters: Mapping[str, Converter],
    providers: ProviderRegistry,
    connection_types: Mapping[type, Callable[[Any], Any]],
    websocket_types: Mapping[type, Callable[[Any], Any]],
) -> CompiledRoutes:
    """Everything dispatch needs, with a compiled handler on each route."""
    compiled = compile_templates(root, converters)
    for route in compiled.routes:
        assert route.template is not None
        path_types = {
            name: converter.python_type
            for name, converter in route.template.param_converters.items()
        }
        if route.websocket:
            plan = build_plan(
                route.endpoint,
                path_types,
                providers,
                websocket_types,
                is_async=True,
                allow_body=False,
            )
            if not is_async_callable(route.endpoint):
                raise ImproperlyConfigured(
                    f"WebSocket handler {route.qualname} must be an async function"
                )
            route.handler = _websocket_handler(plan)
            compiled.websockets.add(route.template, "WEBSOCKET", route)
            continue
        plan = build_plan(
            route.endpoint,
            path_types,
            providers,
            connection_types,
            is_async=is_async_callable(route.endpoint),
        )
        before = _hooks(route.routers)
        route.handler = _http_handler(plan, before)
        if (
            plan.is_async
            and not before
            and (plan.passthrough_path or (plan.takes_nothing and not path_types))
        ):
            route.direct_endpoint = route.endpoint
        innermost_first = list(reversed(route.routers))
        route.after_hooks = [
            adapt_hook(hook, 2)
            for router in innermost_first
            for hook in reversed(router.after_request_hooks)
        ]
        route.teardown_hooks = [
            adapt_hook(hook, 2)
            for router in innermost_first
            for hook in reversed(router.teardown_hooks)
        ]
        for method in route.methods:
            compiled.table.add(route.template, method, route)
    return compiled


def _hooks(routers: Sequence[Router]) -> list[Hook]:
    return [adapt_hook(hook, 1) for router in routers for hook in router.before_request_hooks]


def _invoker(plan: Any) -> Callable[[dict[str, Any]], Awaitable[Any]]:
    endpoint = plan.endpoint
    if plan.is_async:

        async def invoke_async(kwargs: dict[str, Any]) -> Any:
            return await endpoint(**kwargs)

        return invoke_async

    async def invoke_sync(kwargs: dict[str, Any]) -> Any:
        return await run_sync(endpoint, **kwargs)

    return invoke_sync


def _http_handler(plan: Any, before: list[Hook]) -> RouteHandler:
    """The request -> response coroutine for one route."""
    endpoint = plan.endpoint
    invoke = _invoker(plan)

    if plan.providers:

        async def respond(kwargs: dict[str, Any]) -> Response:
            return to_response(await invoke(kwargs))

        async def call(request: Request) -> Response:
            kwargs = await resolve_arguments(plan, request)
            return await call_with_providers(plan.providers, request, kwargs, respond)

    elif plan.takes_nothing and plan.is_async:

        async def call(request: Request) -> Response:
            return to_response(await endpoint())

    elif plan.passthrough_path and plan.is_async:

        async def call(request: Request) -> Response:
            return to_response(await endpoint(**request.path_params))

    else:

        async def call(request: Request) -> Response:
            return to_response(await invoke(await resolve_arguments(plan, request)))

    if not before:
        return call

    async def with_hooks(request: Request) -> Response:
        for hook in before:
            early = await hook(request)
            if early is not None:
                return to_response(early)
        return await call(request)

    return with_hooks


def _websocket_handler(plan: Any) -> Callable[[Any], Awaitable[None]]:
    endpoint = plan.endpoint

    async def run(kwargs: dict[str, Any]) -> None:
        await endpoint(**kwargs)

    async def call(websocket: Any) -> None:
        kwargs = await resolve_arguments(plan, websocket)
        await call_with_providers(plan.providers, websocket, kwargs, run)

    return call

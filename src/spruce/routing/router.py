"""``Router``: a group of routes with its own prefix, hooks, error handlers, templates and static
files: what Flask calls a blueprint and Django an app. ``Spruce`` is itself a router."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ..exceptions import ImproperlyConfigured
from .routes import HTTP_METHODS, Route

__all__ = ["ErrorHandlerKey", "Router"]

F = TypeVar("F", bound=Callable[..., Any])
ErrorHandlerKey = int | type[BaseException]


def _caller_folder(depth: int) -> str:
    try:
        module_file = sys._getframe(depth + 1).f_globals.get("__file__")
    except ValueError:
        module_file = None
    return os.path.dirname(os.path.abspath(module_file)) if module_file else os.getcwd()


def _normalise_prefix(prefix: str) -> str:
    if not prefix:
        return ""
    if not prefix.startswith("/"):
        raise ImproperlyConfigured(f"router prefix {prefix!r} must start with '/'")
    return prefix.rstrip("/")


class Router:
    """A group of routes mounted with ``app.include(router, prefix=...)``.

    ``name`` prefixes route names (``url_for("blog.show", id=1)``). ``template_folder`` and
    ``static_folder`` are relative to the module that created the router.
    """

    def __init__(
        self,
        prefix: str = "",
        *,
        name: str | None = None,
        template_folder: str | None = None,
        static_folder: str | None = None,
        static_url_path: str | None = None,
        root_path: str | None = None,
    ) -> None:
        self.prefix = _normalise_prefix(prefix)
        self.name = name
        self.root_path = root_path or _caller_folder(1)
        self.template_folder = template_folder
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        self.routes: list[Route] = []
        self.children: list[tuple[Router, str]] = []
        self.before_request_hooks: list[Callable[..., Any]] = []
        self.after_request_hooks: list[Callable[..., Any]] = []
        self.teardown_hooks: list[Callable[..., Any]] = []
        self.error_handlers: dict[ErrorHandlerKey, Callable[..., Any]] = {}
        self._frozen = False

    # -- registration guard ---------------------------------------------------------------------
    def _check_open(self, what: str) -> None:
        if self._frozen:
            raise ImproperlyConfigured(
                f"cannot {what} after the application has started; register everything at "
                "import time, before the first request"
            )

    # -- routes ---------------------------------------------------------------------------------
    def add_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        methods: Iterable[str] = ("GET",),
        *,
        name: str | None = None,
        include_in_schema: bool = True,
        **options: Any,
    ) -> Route:
        """Register ``endpoint`` for ``methods`` at ``path`` (relative to this router)."""
        self._check_open("add a route")
        normalised = tuple(dict.fromkeys(m.upper() for m in methods))
        unknown = [m for m in normalised if m not in HTTP_METHODS]
        if unknown:
            raise ImproperlyConfigured(f"unknown HTTP method(s) {unknown} for route {path!r}")
        if not path.startswith("/"):
            raise ImproperlyConfigured(f"route path {path!r} must start with '/'")
        route = Route(
            path,
            endpoint,
            normalised,
            name=name,
            include_in_schema=include_in_schema,
            options=options,
        )
        self.routes.append(route)
        return route

    def route(
        self,
        path: str,
        methods: Iterable[str] = ("GET",),
        *,
        name: str | None = None,
        **options: Any,
    ) -> Callable[[F], F]:
        """Decorator: ``@router.route("/items", methods=["GET", "POST"])``."""

        def register(endpoint: F) -> F:
            self.add_route(path, endpoint, methods, name=name, **options)
            return endpoint

        return register

    def get(self, path: str, *, name: str | None = None, **options: Any) -> Callable[[F], F]:
        """Decorator for a GET route (HEAD is answered too)."""
        return self.route(path, ("GET",), name=name, **options)

    def post(self, path: str, *, name: str | None = None, **options: Any) -> Callable[[F], F]:
        """Decorator for a POST route."""
        return self.route(path, ("POST",), name=name, **options)

    def put(self, path: str, *, name: str | None = None, **options: Any) -> Callable[[F], F]:
        """Decorator for a PUT route."""
        return self.route(path, ("PUT",), name=name, **options)

    def patch(self, path: str, *, name: str | None = None, **options: Any) -> Callable[[F], F]:
        """Decorator for a PATCH route."""
        return self.route(path, ("PATCH",), name=name, **options)

    def delete(self, path: str, *, name: str | None = None, **options: Any) -> Callable[[F], F]:
        """Decorator for a DELETE route."""
        return self.route(path, ("DELETE",), name=name, **options)

    def websocket(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        """Decorator for a WebSocket route; the handler takes a ``WebSocket`` parameter."""

        def register(endpoint: F) -> F:
            self._check_open("add a route")
            self.routes.append(Route(path, endpoint, (), name=name, websocket=True))
            return endpoint

        return register

    def include(self, router: Router, prefix: str = "") -> None:
        """Mount ``router`` (and its own children) under ``prefix`` + the router's prefix."""
        self._check_open("include a router")
        if router is self:
            raise ImproperlyConfigured("a router cannot include itself")
        self.children.append((router, _normalise_prefix(prefix)))

    # -- hooks ----------------------------------------------------------------------------------
    def before_request(self, hook: F) -> F:
        """Run ``hook(request)`` before each handler of this router; a non-None return value
        becomes the response and the handler is skipped."""
        self._check_open("add a hook")
        self.before_request_hooks.append(hook)
        return hook

    def after_request(self, hook: F) -> F:
        """Run ``hook(request, response)`` after each handler; it may return a new response."""
        self._check_open("add a hook")
        self.after_request_hooks.append(hook)
        return hook

    def teardown(self, hook: F) -> F:
        """Run ``hook(request, exc)`` after the response is sent, even when the handler failed
        (``exc`` is the exception or None)."""
        self._check_open("add a hook")
        self.teardown_hooks.append(hook)
        return hook

    # -- errors ---------------------------------------------------------------------------------
    def add_exception_handler(self, key: ErrorHandlerKey, handler: Callable[..., Any]) -> None:
        """Answer errors matching ``key`` (a status code or an exception class) with
        ``handler(request, exc)``."""
        self._check_open("add an error handler")
        if not (isinstance(key, int) or (isinstance(key, type) and issubclass(key, BaseException))):
            raise ImproperlyConfigured(
                f"error handler key must be a status code or an exception class, got {key!r}"
            )
        self.error_handlers[key] = handler

    def errorhandler(self, key: ErrorHandlerKey) -> Callable[[F], F]:
        """Decorator form of ``add_exception_handler``: ``@app.errorhandler(404)``."""

        def register(handler: F) -> F:
            self.add_exception_handler(key, handler)
            return handler

        return register

    exception_handler = errorhandler

    def walk(
        self, prefix: str = "", name_prefix: str = "", parents: tuple[Router, ...] = ()
    ) -> Iterable[Route]:
        """Every route of this router and its children, mounted (full path, full name)."""
        chain = (*parents, self)
        prefix = prefix + self.prefix
        if self.name and parents:
            name_prefix = f"{name_prefix}{self.name}."
        for route in self.routes:
            yield route.copy_for(prefix, name_prefix, chain)
        for child, child_prefix in self.children:
            yield from child.walk(prefix + child_prefix, name_prefix, chain)

    def freeze(self) -> None:
        """Refuse further registration on this router and its children."""
        self._frozen = True
        for child, _ in self.children:
            child.freeze()

"""A route: a path template, the methods it answers and the handler that answers them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .paths import PathTemplate
    from .router import Router

__all__ = ["HTTP_METHODS", "Route"]

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})


class Route:
    """One registered route, as declared (``path`` is relative to its router).

    Spruce compiles routes when the app starts: ``full_path``, ``name``, ``template``, ``routers``
    (outermost first) and ``handler`` are filled in then.
    """

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        methods: tuple[str, ...],
        *,
        name: str | None = None,
        websocket: bool = False,
        include_in_schema: bool = True,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.endpoint = endpoint
        self.methods = methods
        self.local_name: str = name or getattr(endpoint, "__name__", None) or "route"
        self.websocket = websocket
        self.include_in_schema = include_in_schema
        self.options: dict[str, Any] = options or {}
        # compiled at startup
        self.full_path = path
        self.name = self.local_name
        self.template: PathTemplate | None = None
        self.routers: tuple[Router, ...] = ()
        self.handler: Callable[..., Any] | None = None
        #: The endpoint, when calling it with the path parameters is all the handler would do
        #: (async, nothing to resolve, no hooks or wrappers): the app then calls it directly.
        self.direct_endpoint: Callable[..., Any] | None = None
        self.after_hooks: list[Callable[..., Any]] = []
        self.teardown_hooks: list[Callable[..., Any]] = []

    @property
    def qualname(self) -> str:
        """``module.function`` of the handler, for messages."""
        module = getattr(self.endpoint, "__module__", "?")
        return f"{module}.{getattr(self.endpoint, '__qualname__', repr(self.endpoint))}"

    def copy_for(self, prefix: str, name_prefix: str, routers: tuple[Router, ...]) -> Route:
        """This route as mounted under ``prefix`` inside ``routers``."""
        mounted = Route(
            self.path,
            self.endpoint,
            self.methods,
            name=self.local_name,
            websocket=self.websocket,
            include_in_schema=self.include_in_schema,
            options=self.options,
        )
        mounted.full_path = prefix + self.path
        mounted.name = name_prefix + self.local_name
        mounted.routers = routers
        return mounted

    def __repr__(self) -> str:
        kind = "WEBSOCKET" if self.websocket else ",".join(self.methods)
        return f"<Route {kind} {self.full_path} name={self.name!r}>"

"""``Spruce``: the application object.

``app = Spruce()`` and ``@app.get("/")`` make a complete program. The same object later takes
routers, middleware, batteries and settings. Registration happens at import time; when the app
starts (first lifespan event or first request) it freezes: routes compile, handler signatures turn
into plans, the middleware stack is built, and further registration raises
``ImproperlyConfigured``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import AsyncIterator, Callable, Container, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .battery import Battery, order_batteries
from .compiler import CompiledRoutes, compile_routes, compile_templates
from .concurrency import call_maybe_async, set_thread_pool_size
from .config import DEFAULTS, CoreConfig, environment_configures_spruce
from .datastructures import State
from .errors import DebugRenderer, http_error_response
from .exceptions import (
    HTTPException,
    ImproperlyConfigured,
    NoMatch,
)
from .params import ProviderRegistry
from .pipeline import build_pipeline
from .requests import Request
from .responses import Message, Receive, Response, Scope, Send
from .routing.converters import DEFAULT_CONVERTERS, Converter
from .routing.router import Router, _caller_folder
from .websockets import WebSocket

if TYPE_CHECKING:
    from .routing.routes import Route
    from .templating import Templates
    from .testing.client import TestClient

__all__ = ["Spruce"]

logger = logging.getLogger("spruce")
F = TypeVar("F", bound=Callable[..., Any])
ASGIApp = Callable[[Scope, Receive, Send], Any]
LifespanFactory = Callable[["Spruce"], contextlib.AbstractAsyncContextManager[Any]]
RouteWrapper = Callable[["Route", Any], Any]
RequestFilter = Callable[[Scope, Send], "Send | Response"]
ResponseHook = Callable[[Scope, "Response"], "Response"]

_WEAK_SECRETS = frozenset(
    {
        "secret",
        "changeme",
        "change-me",
        "dev",
        "development",
        "insecure",
        "password",
        "your-secret-key",
        "secret-key",
        "please-change-me",
    }
)
MIN_SECRET_LENGTH = 32


def is_weak_secret(key: str | None) -> bool:
    """True when ``key`` is missing, shorter than 32 characters or a well-known placeholder."""
    return key is None or len(key) < MIN_SECRET_LENGTH or key.lower() in _WEAK_SECRETS


class Check:
    """A startup or deploy check registered by a battery (``spruce check`` lists them)."""

    def __init__(self, func: Callable[[Spruce], Iterable[str]], deploy: bool) -> None:
        self.func = func
        self.deploy = deploy


class Spruce(Router):
    """A Spruce application.

    ``settings``: a ``spruce.Settings`` (or subclass) instance; without one, ``SPRUCE_*`` variables
    and ``.env`` are read when present. ``debug`` overrides the setting. ``batteries`` are
    installed in dependency order. ``lifespan`` is an async context manager factory run around the
    app's life. ``redirect_slashes`` answers ``/users/`` with a 308 to ``/users`` (and the reverse)
    when only the other form exists. ``security``: install the security battery (CSRF checks,
    security headers, allowed hosts...) unless ``batteries`` brings its own; ``False`` turns it
    off, which ``spruce check --deploy`` reports.
    """

    def __init__(
        self,
        *,
        settings: Any = None,
        debug: bool | None = None,
        batteries: Sequence[Battery] = (),
        lifespan: LifespanFactory | None = None,
        redirect_slashes: bool = True,
        thread_pool_size: int | None = None,
        template_folder: str | None = "templates",
        static_folder: str | None = "static",
        root_path: str | None = None,
        security: bool = True,
    ) -> None:
        super().__init__(
            root_path=root_path or _caller_folder(1),
            template_folder=template_folder,
            static_folder=static_folder,
        )
        self.state = State()
        self.providers = ProviderRegistry()
        self.converters: dict[str, Converter] = {n: c() for n, c in DEFAULT_CONVERTERS.items()}
        self.redirect_slashes = redirect_slashes
        self.batteries: dict[str, Battery] = {}
        self.checks: list[Check] = []
        self.commands: list[Any] = []
        self.debug_renderer: DebugRenderer | None = None
        self.extensions: dict[str, Any] = {}
        self._settings = settings
        self._debug_override = debug
        self._config: CoreConfig | None = None
        self._middleware: list[tuple[Callable[..., ASGIApp], dict[str, Any]]] = []
        self._startup: list[Callable[..., Any]] = []
        self._shutdown: list[Callable[..., Any]] = []
        self._lifespans: list[LifespanFactory] = [lifespan] if lifespan else []
        self._route_wrappers: list[RouteWrapper] = []
        self._request_filters: list[tuple[RequestFilter, Container[bytes] | None]] = []
        self._response_hooks: list[
            tuple[ResponseHook, Sequence[tuple[bytes, bytes]] | None, str | None]
        ] = []
        self._secret_users: list[str] = []
        self._compiled: CompiledRoutes | None = None
        self._stack: ASGIApp | None = None
        self._exit_stack: contextlib.AsyncExitStack | None = None
        self.static_dirs: list[tuple[str, str]] = []
        if static_folder and os.path.isdir(os.path.join(self.root_path, static_folder)):
            self._offer_static_command()
        if thread_pool_size is not None:
            set_thread_pool_size(thread_pool_size)
        if security and all(battery.name != "security" for battery in batteries):
            from .security.battery import Security  # secure by default (docs/security.md)

            batteries = [Security(), *batteries]
        for battery in order_batteries(batteries):
            self.install(battery)

    # -- settings -------------------------------------------------------------------------------
    @property
    def settings(self) -> Any:
        """The typed settings (``spruce.Settings`` unless you passed your own)."""
        if self._settings is None:
            from .settings import Settings

            self._settings = Settings()
        return self._settings

    @property
    def config(self) -> CoreConfig:
        """The core configuration resolved from the settings (read on the request path)."""
        if self._config is None:
            overrides = {} if self._debug_override is None else {"debug": self._debug_override}
            if self._settings is not None or environment_configures_spruce():
                self._config = CoreConfig.from_settings(self.settings, overrides)
            else:
                self._config = DEFAULTS.replace(**overrides) if overrides else DEFAULTS
        return self._config

    @property
    def debug(self) -> bool:
        """Debug mode: tracebacks in error responses, template reloading. Never in production."""
        return self.config.debug

    @property
    def templates(self) -> Templates:
        """The template engine (``spruce.templating.Templates``), created on first use; Jinja2
        is imported only when the first template renders."""
        templates: Templates | None = self.extensions.get("spruce.templates")
        if templates is None:
            from .templating import Templates

            templates = self.extensions["spruce.templates"] = Templates(self)
            for setup in self.extensions.pop("spruce.templates.setup", ()):
                setup(templates)
        return templates

    def configure_templates(self, setup: Callable[[Templates], None]) -> None:
        """Run ``setup(app.templates)`` when the template engine is first needed (now, if it
        exists already): batteries add their template folders and context processors this way
        without importing the templating module into apps that never render."""
        if "spruce.templates" in self.extensions:
            setup(self.templates)
        else:
            self.extensions.setdefault("spruce.templates.setup", []).append(setup)

    @property
    def started(self) -> bool:
        """True once the app has frozen its configuration (at its first event)."""
        return self._stack is not None

    def use_secret_key(self, feature: str) -> None:
        """Declare that ``feature`` signs data: the app will not start in production without a
        strong ``secret_key``. Batteries call this from ``install``."""
        self._check_open("declare a secret key user")
        self._secret_users.append(feature)

    @property
    def secret_key(self) -> str:
        """The signing key (validated at startup when a feature needs one)."""
        key = self.config.secret_key
        if key is None:
            self._resolve_secret_key()
            key = self.config.secret_key
        assert key is not None
        return key

    def _resolve_secret_key(self) -> None:
        key = self.config.secret_key
        if not is_weak_secret(key):
            return
        users = ", ".join(self._secret_users) or "signing"
        if not self.config.debug:
            problem = "no secret key is set" if key is None else "the secret key is too weak"
            raise ImproperlyConfigured(
                f"{problem}, and {users} needs one to sign data. Set SPRUCE_SECRET_KEY (in the "
                "environment or .env) to at least 32 random characters, e.g. the output of: "
                'python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        warnings.warn(
            f"debug mode: using a temporary secret key for {users}; sessions and tokens will not "
            "survive a restart. Set SPRUCE_SECRET_KEY to keep them.",
            RuntimeWarning,
            stacklevel=2,
        )
        import secrets

        self._config = self.config.replace(secret_key=secrets.token_urlsafe(48))

    # -- registration surface -------------------------------------------------------------------
    def install(self, battery: Battery) -> None:
        """Install a battery (its requirements must be installed already)."""
        self._check_open("install a battery")
        if battery.name in self.batteries:
            raise ImproperlyConfigured(f"battery {battery.name!r} is installed twice")
        order_batteries([battery], installed=self.batteries)
        self.batteries[battery.name] = battery
        battery.install(self)

    def add_middleware(self, middleware: Callable[..., ASGIApp], **options: Any) -> None:
        """Wrap the app in a pure ASGI middleware: ``middleware(app, **options)``. The first
        added is the outermost."""
        self._check_open("add middleware")
        self._middleware.append((middleware, options))

    def on_startup(self, func: F) -> F:
        """Run ``func()`` (sync or async) when the app starts, after batteries' lifespans."""
        self._check_open("add a startup hook")
        self._startup.append(func)
        return func

    def on_shutdown(self, func: F) -> F:
        """Run ``func()`` when the app stops."""
        self._check_open("add a shutdown hook")
        self._shutdown.append(func)
        return func

    def add_lifespan(self, factory: LifespanFactory) -> None:
        """Run the async context manager ``factory(app)`` around the app's life."""
        self._check_open("add a lifespan")
        self._lifespans.append(factory)

    def add_provider(self, type_: Any, factory: Callable[..., Any]) -> None:
        """Inject ``factory(request)`` into handler parameters annotated with ``type_``."""
        self._check_open("add a provider")
        self.providers.add(type_, factory)

    def provider(self, type_: Any) -> Callable[[F], F]:
        """Decorator form of ``add_provider``."""

        def register(factory: F) -> F:
            self.add_provider(type_, factory)
            return factory

        return register

    def add_converter(self, name: str, converter: Converter | type[Converter]) -> None:
        """Register a path converter usable as ``{param:name}``."""
        self._check_open("add a converter")
        self.converters[name] = converter() if isinstance(converter, type) else converter

    def add_check(self, func: Callable[[Spruce], Iterable[str]], *, deploy: bool = False) -> None:
        """Register a check: ``func(app)`` yields problem descriptions (``spruce check``)."""
        self._check_open("add a check")
        self.checks.append(Check(func, deploy))

    def add_route_wrapper(self, wrapper: RouteWrapper) -> None:
        """At startup, pass each HTTP route's compiled handler through ``wrapper(route, handler)``;
        a returned coroutine function replaces the handler (``None`` keeps it). It runs before the
        ``before_request`` hooks. Batteries guard routes this way (CSRF, rate limits) at no cost
        to the routes they leave alone. The first wrapper added is the outermost."""
        self._check_open("add a route wrapper")
        self._route_wrappers.append(wrapper)

    def add_request_filter(
        self, request_filter: RequestFilter, *, passes_hosts: Container[bytes] | None = None
    ) -> None:
        """Check every HTTP request and WebSocket handshake before routing, at less cost than an
        ASGI middleware: ``request_filter(scope, send)`` runs synchronously and returns the
        ``send`` to use (``send`` itself, or a wrapper), or a ``Response`` that answers instead
        (a WebSocket is then refused). First added, first run.

        ``passes_hosts``: the filter's promise that it lets any HTTP request through unchanged
        when the request's first header is ``Host`` with one of these values; the app then
        skips the call. The filter may fill it as it learns (e.g. the hosts it has allowed)."""
        self._check_open("add a request filter")
        self._request_filters.append((request_filter, passes_hosts))

    def add_response_hook(
        self,
        hook: ResponseHook,
        *,
        adds_headers: Sequence[tuple[bytes, bytes]] | None = None,
        unless_scope_has: str | None = None,
    ) -> None:
        """Pass every response the app answers an HTTP request with (handler results, error
        pages, redirects; after the ``after_request`` hooks) through ``hook(scope, response)``,
        synchronously, just before it is sent; the response it returns is sent. It may add
        headers to ``response.raw_headers``, but must return a copy for anything specific to
        this request (a handler may return the same response object every time).

        ``adds_headers`` and ``unless_scope_has``: the hook's promise that, while
        ``adds_headers`` is not empty and the request's scope has no ``unless_scope_has`` key,
        all it does to a response whose only header is its content type is append
        ``adds_headers`` to it; the app then does that itself, without the call. The hook may
        fill the list later (e.g. on the first request, when it knows its settings)."""
        self._check_open("add a response hook")
        self._response_hooks.append((hook, adds_headers, unless_scope_has))

    def add_command(self, command: Any) -> None:
        """Add a click command or group to the ``spruce`` CLI for this app, or a zero-argument
        callable that returns one (then click is imported only when the CLI runs)."""
        self._check_open("add a command")
        self.commands.append(command)

    def add_static_dir(self, prefix: str, path: str | os.PathLike[str]) -> None:
        """Serve the files of folder ``path``: under the app's static URL for a namespace
        (``add_static_dir("admin", folder)`` serves ``/static/admin/...``), or at a URL prefix
        starting with ``/`` (``add_static_dir("/media", folder)``). The app's own files win."""
        self._check_open("add a static folder")
        self.static_dirs.append((prefix, os.fspath(path)))
        self._offer_static_command()

    def _offer_static_command(self) -> None:
        from .staticfiles import add_static_command

        add_static_command(self)

    # -- URLs -----------------------------------------------------------------------------------
    def _route_index(self) -> CompiledRoutes:
        if self._compiled is not None:
            return self._compiled
        return compile_templates(self, self.converters)

    def mounted_routes(self) -> list[Route]:
        """Every route of the app and its routers, mounted (full path and name), in order."""
        return list(self._route_index().routes)

    def url_for(self, name: str, /, **params: Any) -> str:
        """The path of route ``name`` with ``params`` filled in; extra parameters go to the query
        string. ``_anchor`` adds a fragment; ``_external=True`` an absolute URL (needs the
        ``server_name`` setting outside a request). Raises ``NoMatch`` with the reason."""
        from urllib.parse import quote, urlencode

        anchor = params.pop("_anchor", None)
        external = params.pop("_external", False)
        scheme = params.pop("_scheme", "https" if external else None)
        route = self._route_index().by_name.get(name)
        if route is None or route.template is None:
            known = ", ".join(sorted(self._route_index().by_name)) or "none"
            raise NoMatch(f"url_for: no route named {name!r} (known names: {known})")
        path = route.template.build(params, name)
        extra = {k: v for k, v in params.items() if k not in route.template.param_converters}
        if extra:
            pairs = [
                (k, item)
                for k, v in extra.items()
                if v is not None
                for item in (v if isinstance(v, (list, tuple)) else [v])
            ]
            if pairs:
                path += "?" + urlencode(pairs, doseq=False)
        if anchor:
            path += "#" + quote(str(anchor))
        if external:
            server = self.config.server_name
            if not server:
                raise NoMatch(
                    "url_for(_external=True) outside a request needs the server_name setting "
                    "(SPRUCE_SERVER_NAME=example.com); inside a request use request.url_for"
                )
            path = f"{scheme}://{server}{path}"
        return path

    # -- start-up -------------------------------------------------------------------------------
    def freeze(self) -> None:
        """Compile routes and build the middleware stack; refuse registration from now on."""
        if self._stack is not None:
            return
        config = self.config
        if self._secret_users:
            self._resolve_secret_key()
        if config.debug:
            from .debugpage import enable_debug_page

            enable_debug_page(self)
        from .staticfiles import mount_static_files

        mount_static_files(self)
        self._compiled = compile_routes(
            self,
            self.converters,
            self.providers,
            connection_types={Request: _self, Spruce: _app_of},
            websocket_types={WebSocket: _self, Spruce: _app_of},
        )
        for route in self._compiled.routes:
            if not route.websocket:
                for wrap in reversed(self._route_wrappers):
                    handler = route.handler
                    route.handler = wrap(route, handler) or handler
                    if route.handler is not handler:
                        route.direct_endpoint = None  # the wrapper must run
        app: ASGIApp = build_pipeline(self, self._compiled)
        for middleware, options in reversed(self._middleware):
            app = middleware(app, **options)
        if self._middleware:
            from .middleware.errors import ServerErrorMiddleware

            app = _with_app_in_scope(
                self,
                ServerErrorMiddleware(
                    app, debug=config.debug, debug_response=self._debug_scope_response
                ),
            )
        super().freeze()
        self._stack = app

    def _debug_scope_response(self, scope: Scope, exc: BaseException) -> Response:
        from .errors import _default_debug_renderer

        request = Request(scope, None, self)
        return (self.debug_renderer or _default_debug_renderer)(request, exc)

    # -- ASGI -----------------------------------------------------------------------------------
    @property
    def __call__(self) -> ASGIApp:
        """The ASGI entry point, ``app(scope, receive, send)``.

        Until the app has frozen it is ``_first_call``, which freezes it; from then on it is the
        frozen stack itself (the request pipeline, or the middleware around it), so a request
        enters it without passing through a wrapper coroutine. Python looks ``__call__`` up on
        the class and honours descriptors there, so ``app(...)`` and servers that inspect
        ``app.__call__`` (an ``async def``) both see the right thing."""
        stack = self._stack
        return self._first_call if stack is None else stack

    async def _first_call(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Freeze, then hand this first event (usually the lifespan start-up) to the stack."""
        stack = self._stack
        if stack is None:
            try:
                self.freeze()
            except Exception as exc:
                if scope["type"] == "lifespan":
                    await self._startup_failed(exc, receive, send)
                    return
                raise
            stack = self._stack
            assert stack is not None
        await stack(scope, receive, send)

    async def _startup_failed(self, exc: Exception, receive: Receive, send: Send) -> None:
        await receive()
        logger.error("Spruce failed to start", exc_info=exc)
        await send({"type": "lifespan.startup.failed", "message": str(exc)})

    async def _handle_lifespan(self, receive: Receive, send: Send) -> None:
        message: Message = await receive()
        assert message["type"] == "lifespan.startup"
        try:
            await self.startup()
        except BaseException as exc:
            logger.error("Spruce failed to start", exc_info=exc)
            await send({"type": "lifespan.startup.failed", "message": str(exc)})
            return
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        try:
            await self.shutdown()
        except BaseException as exc:
            logger.error("Spruce failed to shut down cleanly", exc_info=exc)
            await send({"type": "lifespan.shutdown.failed", "message": str(exc)})
            return
        await send({"type": "lifespan.shutdown.complete"})

    async def startup(self) -> None:
        """Freeze, enter the lifespans and run the startup hooks (servers do this for you)."""
        self.freeze()
        stack = contextlib.AsyncExitStack()
        try:
            for factory in self._lifespans:
                await stack.enter_async_context(factory(self))
            for hook in self._startup:
                await call_maybe_async(hook)
        except BaseException:
            await stack.aclose()
            raise
        self._exit_stack = stack

    async def shutdown(self) -> None:
        """Run the shutdown hooks, then leave the lifespans in reverse order."""
        try:
            for hook in self._shutdown:
                await call_maybe_async(hook)
        finally:
            if self._exit_stack is not None:
                stack, self._exit_stack = self._exit_stack, None
                await stack.aclose()

    @contextlib.asynccontextmanager
    async def lifespan_context(self) -> AsyncIterator[Spruce]:
        """``async with app.lifespan_context():`` runs startup and shutdown around a block
        (scripts, CLI commands, tests)."""
        await self.startup()
        try:
            yield self
        finally:
            await self.shutdown()

    # -- conveniences ---------------------------------------------------------------------------
    def test_client(self, **options: Any) -> TestClient:
        """A synchronous test client (httpx) bound to this app; keeps cookies between requests."""
        from .testing.client import TestClient

        return TestClient(self, **options)

    def run(
        self,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        reload: bool = False,
        log_level: str = "info",
    ) -> None:
        """Serve with the development server (uvicorn) on http://host:port."""
        from .cli.server import run_dev_server

        run_dev_server(self, host=host, port=port, reload=reload, log_level=log_level)

    def error_response(self, request: Request, exc: HTTPException) -> Response:
        """The default response for ``exc`` (JSON or HTML by ``Accept``)."""
        return http_error_response(exc, request.headers.get("accept", ""))


def _self(conn: Any) -> Any:
    return conn


def _app_of(conn: Any) -> Any:
    return conn.app


def _with_app_in_scope(app: Spruce, stack: ASGIApp) -> ASGIApp:
    """``stack`` behind a step that puts ``scope["app"]`` in place for middleware (the request
    pipeline does it itself when there is no middleware)."""

    async def enter(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = app
        await stack(scope, receive, send)

    return enter

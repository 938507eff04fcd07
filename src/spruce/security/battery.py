"""``Security``: the battery that makes an app secure by default.

Every ``Spruce()`` installs it (``Spruce(security=False)`` is the explicit way out, and
``spruce check --deploy`` reports it). Pass your own to change settings::

    app = Spruce(batteries=[Security(https=True, csrf_trusted_origins=["https://*.example.com"])])

Settings not given here come from ``SPRUCE_*`` variables (see ``spruce.security.settings``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from .exceptions import CSRFError
from .state import STATE_KEY

if TYPE_CHECKING:
    from ..app import Spruce
    from ..requests import HTTPConnection, Request
    from ..responses import Response
    from ..routing.routes import Route
    from .csrf import CSRFProtection
    from .filter import FilterParts, SecurityFilter
    from .headers import HeaderPolicy
    from .ratelimit import RateLimiter
    from .settings import SecurityConfig

__all__ = ["Security"]

Handler = Callable[["Request"], Awaitable["Response"]]


class Security:
    """CSRF protection, security headers, allowed hosts, https, CORS and rate limits.

    Every argument is optional; ``None`` means "from the environment, else the default" (see
    ``spruce.security.settings`` and ``docs/security.md``). ``frame_options``,
    ``referrer_policy``, ``cross_origin_opener_policy``: ``False`` turns the header off.
    """

    name: ClassVar[str] = "security"
    requires: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        csrf: bool | None = None,
        csrf_trusted_origins: list[str] | None = None,
        https: bool | None = None,
        https_redirect: bool | None = None,
        hsts_seconds: int | None = None,
        hsts_include_subdomains: bool | None = None,
        hsts_preload: bool | None = None,
        frame_options: str | bool | None = None,
        content_type_nosniff: bool | None = None,
        referrer_policy: str | bool | None = None,
        cross_origin_opener_policy: str | bool | None = None,
        content_security_policy: str | None = None,
        csp_report_only: bool | None = None,
        cors_origins: list[str] | None = None,
        cors_methods: list[str] | None = None,
        cors_headers: list[str] | None = None,
        cors_expose_headers: list[str] | None = None,
        cors_credentials: bool | None = None,
        cors_max_age: int | None = None,
        rate_limit_storage: str | None = None,
        rate_limit_strategy: str | None = None,
        rate_limit_key_prefix: str | None = None,
        rate_limit_fail_open: bool | None = None,
        csrf_cookie_name: str | None = None,
        csrf_header_name: str | None = None,
        csrf_field_name: str | None = None,
    ) -> None:
        arguments = dict(locals())
        del arguments["self"]
        for name in ("frame_options", "referrer_policy", "cross_origin_opener_policy"):
            if arguments[name] is False:
                arguments[name] = ""
        self._arguments: dict[str, Any] = arguments
        self._config: SecurityConfig | None = None
        self._csrf: CSRFProtection | None = None
        self._limiter: RateLimiter | None = None
        self._headers: HeaderPolicy | None = None
        self.app: Spruce | None = None

    # -- the battery ----------------------------------------------------------------------------
    def install(self, app: Spruce) -> None:
        """Plug the protections into ``app``."""
        self.app = app
        app.extensions["spruce.security"] = self
        security_filter = self._request_filter()
        # hosts, https redirect, CORS preflights; skipped for hosts it has already allowed
        app.add_request_filter(security_filter, passes_hosts=security_filter.passes_hosts)
        # security and CORS headers; the same for most responses: the app adds those itself
        app.add_response_hook(
            security_filter.finish,
            adds_headers=security_filter.static_headers,
            unless_scope_has=STATE_KEY,
        )
        app.add_route_wrapper(self.guard_route)  # CSRF, rate limits, per-route headers
        app.add_exception_handler(CSRFError, _csrf_failure)  # the 403 page
        app.configure_templates(_setup_templates)  # 403_csrf.html; csrf_token, csp_nonce
        app.add_check(self.deploy_problems, deploy=True)  # spruce check --deploy

    # -- resolved at startup --------------------------------------------------------------------
    @property
    def config(self) -> SecurityConfig:
        """The settings, resolved on first use (at the app's startup)."""
        if self._config is None:
            from .settings import load_config

            self._config = load_config(self._arguments)
        return self._config

    @property
    def csrf(self) -> CSRFProtection:
        """The CSRF check and token store."""
        if self._csrf is None:
            from .csrf import CSRFProtection

            self._csrf = CSRFProtection(self.config)
        return self._csrf

    @property
    def limiter(self) -> RateLimiter:
        """The rate limiter (its storage opens on first use)."""
        if self._limiter is None:
            from .ratelimit import RateLimiter

            self._limiter = RateLimiter(self.config)
        return self._limiter

    @property
    def headers(self) -> HeaderPolicy:
        """The security headers every response gets."""
        if self._headers is None:
            from .headers import HeaderPolicy

            self._headers = HeaderPolicy(self.config)
        return self._headers

    def _request_filter(self) -> SecurityFilter:
        from .filter import SecurityFilter

        assert self.app is not None
        return SecurityFilter(self.app, self._filter_parts)

    def _filter_parts(self) -> FilterParts:
        """What the request filter enforces (resolved on the first request)."""
        from .cors import CORSPolicy
        from .filter import FilterParts
        from .hosts import AllowedHosts

        assert self.app is not None, "the battery is not installed"
        config = self.config
        hosts = AllowedHosts(self.app.config.allowed_hosts)
        return FilterParts(
            headers=self.headers,
            hosts=None if hosts.any else hosts,
            https_redirect=config.redirects_to_https,
            cors=CORSPolicy(config) if config.cors_origins else None,
            csrf=self.csrf,
        )

    def guard_route(self, route: Route, handler: Handler) -> Handler | None:
        """Wrap one route's handler, at startup, in what it needs: the CSRF check (unsafe
        methods), its rate limits, its own headers. None for a route that needs nothing."""
        from .headers import HeaderPolicy, route_header_changes

        guarded = self.csrf.wrap_route(route, handler) or handler
        guarded = self.limiter.wrap_route(route, guarded) or guarded
        changes = route_header_changes(route)
        if changes:
            guarded = _with_headers(HeaderPolicy(self.config.replace(**changes)), guarded)
        return guarded if guarded is not handler else None

    def limited_routes(self, app: Spruce) -> list[Route]:
        """The app's routes that have rate limits."""
        from .ratelimit import route_rate_limits

        return [route for route in app.mounted_routes() if route_rate_limits(route)]

    def deploy_problems(self, app: Spruce) -> Iterator[str]:
        """The deploy checks (``spruce check --deploy``)."""
        from .checks import deploy_problems

        return deploy_problems(app, self)

    def __repr__(self) -> str:
        given = ", ".join(f"{k}={v!r}" for k, v in self._arguments.items() if v is not None)
        return f"Security({given})"


def _with_headers(policy: HeaderPolicy, handler: Handler) -> Handler:
    from .state import state_of

    async def with_route_headers(request: Request) -> Response:
        state_of(request.scope).headers = policy
        return await handler(request)

    return with_route_headers


def _csrf_failure(request: Request, exc: CSRFError) -> Response:
    from .failure import csrf_failure

    return csrf_failure(request, exc)


def _setup_templates(templates: Any) -> None:
    templates.add_package("spruce.security")  # 403_csrf.html, overridable
    templates.add_context_processor(_template_context)


def _template_context(request: HTTPConnection) -> dict[str, Any]:
    from .templating import template_context

    return template_context(request)

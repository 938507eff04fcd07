"""Rate limiting, on the ``limits`` library: per route, per client (or any key), 429 beyond.

::

    @app.post("/login")
    @rate_limit("5/minute;50/hour")
    async def login(...): ...

    @app.post("/search", rate_limit="30/minute")        # the same, as a route option
    async def search(...): ...

A limit is ``"<count>/<period>"`` (``second``, ``minute``, ``hour``, ``day``...; ``;`` separates
several). Requests are counted per route and per *key*: the client's address by default (as seen
through trusted proxies), or what ``key=`` returns for the request (a user id, an API token...;
``None`` means "do not count this request"). ``scope=`` shares one count between routes. Over the
limit the answer is 429 with ``Retry-After``.

Counters live in memory (one process) or in Redis (``rate_limit_storage="redis://host:6379/0"``),
which several processes and servers share. If the storage cannot be reached, requests get 503
(or go through with ``rate_limit_fail_open``). The ``limits`` library is imported when the first
limited route is compiled, never for an app without limits.

Code can count events itself (failed logins per account) with ``limiter_for(app)``.
"""

from __future__ import annotations

import inspect
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ..exceptions import ImproperlyConfigured, ServiceUnavailable
from .exceptions import RateLimitExceeded

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.aio.strategies import RateLimiter as Strategy

    from ..app import Spruce
    from ..requests import HTTPConnection, Request
    from ..responses import Response
    from ..routing.routes import Route
    from .settings import SecurityConfig

__all__ = ["RateLimit", "RateLimiter", "client_address", "limiter_for", "rate_limit"]

logger = logging.getLogger("spruce.security")

F = TypeVar("F", bound=Callable[..., Any])
KeyFunction = Callable[["Request"], "str | Awaitable[str | None] | None"]
Handler = Callable[["Request"], Awaitable["Response"]]
LIMITS_ATTRIBUTE = "__spruce_rate_limits__"
EXTENSION_KEY = "spruce.security.limiter"


def client_address(request: HTTPConnection) -> str:
    """The default key: the client's IP address (behind trusted proxies, the forwarded one)."""
    client = request.client
    return client.host if client is not None else "unknown"


@dataclass(frozen=True, slots=True)
class RateLimit:
    """One limit on a route: ``limit`` (``"5/minute"``), counted per ``key(request)``
    (the client's address when None), under ``scope`` (the route when None), for ``methods``
    (all the route's when None)."""

    limit: str
    key: KeyFunction | None = None
    scope: str | None = None
    methods: tuple[str, ...] | None = None


def rate_limit(
    limit: str,
    *,
    key: KeyFunction | None = None,
    scope: str | None = None,
    methods: Sequence[str] | None = None,
) -> Callable[[F], F]:
    """Decorator: limit how often this route is called (see the module docstring)."""
    rule = RateLimit(
        limit, key, scope, tuple(m.upper() for m in methods) if methods is not None else None
    )

    def mark(endpoint: F) -> F:
        rules: list[RateLimit] = list(getattr(endpoint, LIMITS_ATTRIBUTE, ()))
        rules.append(rule)
        setattr(endpoint, LIMITS_ATTRIBUTE, rules)
        return endpoint

    return mark


def route_rate_limits(route: Route) -> list[RateLimit]:
    """The limits declared on ``route``: by the decorator and by the ``rate_limit=`` option (a
    string, a ``RateLimit`` or a list of them)."""
    rules: list[RateLimit] = list(getattr(route.endpoint, LIMITS_ATTRIBUTE, ()))
    option = route.options.get("rate_limit")
    if option is None:
        return rules
    for item in option if isinstance(option, (list, tuple)) else [option]:
        if isinstance(item, str):
            rules.append(RateLimit(item))
        elif isinstance(item, RateLimit):
            rules.append(item)
        else:
            raise ImproperlyConfigured(
                f"route {route.full_path}: rate_limit= takes '5/minute', a RateLimit or a list"
            )
    return rules


class RateLimiter:
    """Counters for one app, kept in the configured storage.

    ``hit``/``test``/``retry_after``/``clear`` take a limit string and the identifiers of what is
    counted (``"login-failures", username``)."""

    def __init__(self, config: SecurityConfig) -> None:
        self.storage_uri = config.rate_limit_storage
        self.strategy_name = config.rate_limit_strategy
        self.key_prefix = config.rate_limit_key_prefix
        self.fail_open = config.rate_limit_fail_open
        self._strategy: Strategy | None = None
        self._parsed: dict[str, list[RateLimitItem]] = {}

    # -- the limits library ---------------------------------------------------------------------
    def parse(self, limit: str) -> list[RateLimitItem]:
        """``limit`` as ``limits`` items; ``ImproperlyConfigured`` when it cannot be read."""
        items = self._parsed.get(limit)
        if items is None:
            try:
                from limits import parse_many
            except ImportError:
                raise ImproperlyConfigured(
                    "rate limits need the limits library: pip install 'spruce[security]'"
                ) from None
            try:
                items = parse_many(limit)
            except ValueError:
                raise ImproperlyConfigured(
                    f"rate limit {limit!r} cannot be read: write '<count>/<period>', e.g. "
                    "'5/minute' or '100/hour;1000/day'"
                ) from None
            self._parsed[limit] = items
        return items

    @property
    def strategy(self) -> Strategy:
        """The ``limits`` strategy over the storage (both made on first use)."""
        if self._strategy is None:
            from limits.aio import strategies

            kinds: dict[str, Any] = {
                "moving-window": strategies.MovingWindowRateLimiter,
                "fixed-window": strategies.FixedWindowRateLimiter,
                "sliding-window-counter": strategies.SlidingWindowCounterRateLimiter,
            }
            self._strategy = kinds[self.strategy_name](self._make_storage())
        return self._strategy

    def _make_storage(self) -> Any:
        uri = self.storage_uri
        scheme = uri.partition("://")[0]
        if scheme in ("memory", "async+memory"):
            from limits.aio.storage import MemoryStorage

            return MemoryStorage()
        if scheme in ("redis", "rediss", "async+redis", "async+rediss"):
            from limits.aio.storage import RedisStorage

            return RedisStorage(
                "async+" + uri.removeprefix("async+"),
                implementation="redispy",
                key_prefix=self.key_prefix,
                socket_connect_timeout=2,
                socket_timeout=2,
            )
        from limits.storage import storage_from_string

        try:
            return storage_from_string(uri if uri.startswith("async+") else "async+" + uri)
        except Exception as exc:
            raise ImproperlyConfigured(
                f"rate_limit_storage={uri!r} is not a storage the limits library knows: {exc}; "
                "use 'memory://' or 'redis://host:6379/0'"
            ) from exc

    # -- counting -------------------------------------------------------------------------------
    async def hit(self, limit: str, *identifiers: str, cost: int = 1) -> bool:
        """Count one event; False when it goes over any part of ``limit``."""
        allowed = True
        for item in self.parse(limit):
            if not await self._guarded(self.strategy.hit(item, *identifiers, cost=cost)):
                allowed = False
        return allowed

    async def test(self, limit: str, *identifiers: str) -> bool:
        """True when one more event would still be within ``limit`` (nothing is counted)."""
        for item in self.parse(limit):
            if not await self._guarded(self.strategy.test(item, *identifiers)):
                return False
        return True

    async def retry_after(self, limit: str, *identifiers: str) -> int:
        """Seconds until ``limit`` allows another event (0 when it does now)."""
        wait = 0.0
        for item in self.parse(limit):
            strategy = self.strategy
            if await self._guarded(strategy.test(item, *identifiers)):
                continue
            stats = await self._guarded(strategy.get_window_stats(item, *identifiers))
            wait = max(wait, stats.reset_time - time.time())
        return max(1, math.ceil(wait)) if wait > 0 else 0

    async def clear(self, limit: str, *identifiers: str) -> None:
        """Forget the events counted under ``limit`` (after a successful login, say)."""
        for item in self.parse(limit):
            await self._guarded(self.strategy.clear(item, *identifiers))

    async def enforce(self, limit: str, *identifiers: str) -> None:
        """Count one event; raise ``RateLimitExceeded`` (429, ``Retry-After``) when over."""
        if not await self.hit(limit, *identifiers):
            raise RateLimitExceeded(limit, max(1, await self.retry_after(limit, *identifiers)))

    async def _guarded(self, operation: Awaitable[Any]) -> Any:
        try:
            return await operation
        except Exception as exc:
            if self.fail_open:
                logger.warning("rate limit storage failed, letting the request in: %s", exc)
                return True
            logger.error("rate limit storage %s failed: %s", self.storage_uri, exc)
            raise ServiceUnavailable(
                "The rate limiter's storage is unavailable; try again shortly."
            ) from exc

    # -- routes ---------------------------------------------------------------------------------
    def wrap_route(self, route: Route, handler: Handler) -> Handler | None:
        """At startup: ``handler`` behind the route's limits (None when it has none)."""
        rules = route_rate_limits(route)
        if not rules:
            return None
        route_id = f"{','.join(route.methods)} {route.full_path}"
        checks: list[tuple[str, KeyFunction, str, frozenset[str] | None]] = []
        for rule in rules:
            try:
                self.parse(rule.limit)
            except ImproperlyConfigured as exc:
                raise ImproperlyConfigured(f"route {route.full_path}: {exc}") from None
            methods = frozenset(rule.methods) if rule.methods is not None else None
            key = rule.key or client_address
            checks.append((rule.limit, key, rule.scope or route_id, methods))
        self.strategy  # noqa: B018 - a storage URL that cannot work fails at startup, not later

        async def limited(request: Request) -> Response:
            for limit, key_function, scope, methods in checks:
                if methods is not None and request.scope["method"] not in methods:
                    continue
                key = key_function(request)
                if inspect.isawaitable(key):
                    key = await key
                if key is not None:
                    await self.enforce(limit, scope, str(key))
            return await handler(request)

        return limited


def limiter_for(app: Spruce) -> RateLimiter:
    """The app's ``RateLimiter`` (the security battery must be installed)."""
    battery = app.extensions.get("spruce.security")
    if battery is None:
        raise ImproperlyConfigured("rate limits need the security battery (spruce.security)")
    limiter: RateLimiter = battery.limiter
    return limiter

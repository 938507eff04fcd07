"""``RedisSessionStore``: server-side sessions in Redis (redis-py's asyncio client).

    from spruce.sessions import RedisSessionStore, Sessions

    app = Spruce(batteries=[Sessions(RedisSessionStore("redis://127.0.0.1:6379/0"))])

Each session is one Redis string ``<prefix><id>`` that expires by itself (``SET ... EX``). Needs the
``redis`` extra: ``pip install spruce[redis]``.

When Redis cannot be reached (connection refused or lost, no answer within ``timeout``), the
store raises ``SessionStoreUnavailable``, which the app answers with 503 and ``Retry-After``. A
connection Redis dropped (a restart, ``CLIENT KILL``, an idle timeout) is retried once on a new
connection, so the first request after Redis comes back succeeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import SessionStoreUnavailable

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisSessionStore"]


class RedisSessionStore:
    """Sessions in Redis under ``prefix`` + id.

    Give a ``url`` (the client is made on first use and closed when the app shuts down) or your
    own ``client`` (``redis.asyncio.Redis``; you close it, and its timeouts are yours).

    ``connect_timeout`` and ``timeout``: seconds to wait for a connection and for each answer
    (2 each) before the request is answered with 503. A ``socket_timeout`` or
    ``socket_connect_timeout`` in the URL's query string wins.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        client: Redis | None = None,
        prefix: str = "spruce:session:",
        connect_timeout: float = 2.0,
        timeout: float = 2.0,
    ) -> None:
        if connect_timeout <= 0 or timeout <= 0:
            raise ValueError("connect_timeout and timeout must be positive numbers of seconds")
        self.url = url
        self.prefix = prefix
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self._client: Any = client
        self._owns_client = client is None

    @property
    def client(self) -> Redis:
        """The ``redis.asyncio.Redis`` client (made from ``url`` on first use)."""
        if self._client is None:
            try:
                from redis.asyncio import Redis
                from redis.asyncio.retry import Retry
                from redis.backoff import NoBackoff
                from redis.exceptions import ConnectionError as RedisConnectionError
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise ImportError(
                    "RedisSessionStore needs the redis package: pip install 'spruce[redis]'"
                ) from exc
            self._client = Redis.from_url(
                self.url,
                socket_connect_timeout=self.connect_timeout,
                socket_timeout=self.timeout,
                # a dropped connection is retried once, at once; a timeout is not (it would
                # double the wait)
                retry=Retry(NoBackoff(), 1, (RedisConnectionError,)),
            )
        client: Redis = self._client
        return client

    async def read(self, session_id: str) -> bytes | None:
        """The stored bytes, or ``None``."""
        client = self.client
        try:
            data = await client.get(self.prefix + session_id)
        except _unavailable_errors() as exc:
            raise _unavailable("read", exc) from exc
        return data.encode() if isinstance(data, str) else data

    async def write(self, session_id: str, data: bytes, ttl: int) -> None:
        """Store ``data`` for ``ttl`` seconds."""
        client = self.client
        try:
            await client.set(self.prefix + session_id, data, ex=max(1, int(ttl)))
        except _unavailable_errors() as exc:
            raise _unavailable("write", exc) from exc

    async def delete(self, session_id: str) -> None:
        """Forget the session."""
        client = self.client
        try:
            await client.delete(self.prefix + session_id)
        except _unavailable_errors() as exc:
            raise _unavailable("delete", exc) from exc

    async def close(self) -> None:
        """Close the client if this store made it."""
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    def __repr__(self) -> str:
        return f"<RedisSessionStore prefix={self.prefix!r}>"


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    """The errors that mean "Redis cannot be reached now" (evaluated only when an exception is
    being matched, so redis is imported by then). ``BusyLoadingError`` (a restarting Redis) is a
    ``ConnectionError``; ``ReadOnlyError`` is a replica answering during a failover."""
    from redis import exceptions

    return (exceptions.ConnectionError, exceptions.TimeoutError, exceptions.ReadOnlyError, OSError)


def _unavailable(operation: str, exc: BaseException) -> SessionStoreUnavailable:
    return SessionStoreUnavailable(f"Redis {operation} failed: {type(exc).__name__}: {exc}")

"""``RedisSessionStore``: server-side sessions in Redis (redis-py's asyncio client).

    from spruce.sessions import RedisSessionStore, Sessions

    app = Spruce(batteries=[Sessions(RedisSessionStore("redis://127.0.0.1:6379/0"))])

Each session is one Redis string ``<prefix><id>`` that expires by itself (``SET ... EX``). Needs the
``redis`` extra: ``pip install spruce[redis]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisSessionStore"]


class RedisSessionStore:
    """Sessions in Redis under ``prefix`` + id.

    Give a ``url`` (the client is made on first use and closed when the app shuts down) or your
    own ``client`` (``redis.asyncio.Redis``; you close it).
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        client: Redis | None = None,
        prefix: str = "spruce:session:",
    ) -> None:
        self.url = url
        self.prefix = prefix
        self._client: Any = client
        self._owns_client = client is None

    @property
    def client(self) -> Redis:
        """The ``redis.asyncio.Redis`` client (made from ``url`` on first use)."""
        if self._client is None:
            try:
                from redis.asyncio import Redis
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise ImportError(
                    "RedisSessionStore needs the redis package: pip install 'spruce[redis]'"
                ) from exc
            self._client = Redis.from_url(self.url)
        client: Redis = self._client
        return client

    async def read(self, session_id: str) -> bytes | None:
        """The stored bytes, or ``None``."""
        data = await self.client.get(self.prefix + session_id)
        return data.encode() if isinstance(data, str) else data

    async def write(self, session_id: str, data: bytes, ttl: int) -> None:
        """Store ``data`` for ``ttl`` seconds."""
        await self.client.set(self.prefix + session_id, data, ex=max(1, int(ttl)))

    async def delete(self, session_id: str) -> None:
        """Forget the session."""
        await self.client.delete(self.prefix + session_id)

    async def close(self) -> None:
        """Close the client if this store made it."""
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    def __repr__(self) -> str:
        return f"<RedisSessionStore prefix={self.prefix!r}>"

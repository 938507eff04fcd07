"""Fixtures for the session tests: an app factory with known secret keys, a clock the test moves,
and a Redis key prefix of the test's own (skipped without Redis, failed instead when
SPRUCE_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from spruce import Spruce
from spruce.sessions import Sessions
from spruce.settings import Settings

REDIS_URL = os.environ.get("SPRUCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class Clock:
    """Seconds since the epoch, moved by the test."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class AppFactory:
    """``make_app(**options)``: an app with ``Sessions(**options)`` and a known secret key."""

    secret = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
    old_secret = "old-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
    redis_url = REDIS_URL

    def __call__(
        self,
        *,
        secret: str | None = None,
        fallbacks: tuple[str, ...] = (),
        debug: bool = False,
        **options,
    ) -> Spruce:
        settings = Settings(
            secret_key=secret or self.secret, secret_key_fallbacks=list(fallbacks), debug=debug
        )
        # security=False: these tests are about sessions; CSRF is tested in tests/security
        return Spruce(settings=settings, batteries=[Sessions(**options)], security=False)


@pytest.fixture
def make_app() -> AppFactory:
    return AppFactory()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _redis_reachable() -> str | None:
    url = urlsplit(REDIS_URL)
    try:
        socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), 1).close()
    except OSError as exc:
        return str(exc)
    return None


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    problem = _redis_reachable()
    if problem is not None:
        message = f"Redis is not reachable at {REDIS_URL}: {problem}"
        if os.environ.get("SPRUCE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required (SPRUCE_REQUIRE_SERVICES=1): {message}")
        pytest.skip(message)
    prefix = f"spruce-test:{uuid.uuid4().hex}:"
    yield prefix
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def redis_client(redis_prefix: str) -> Iterator[object]:
    """A synchronous client for looking at what the store wrote."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()

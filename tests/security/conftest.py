"""Fixtures for the security battery's tests: Redis for the shared rate limits (skipped without
Redis, failed instead when SPRUCE_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from security_support import REDIS_URL, make_app

from spruce import Spruce


@pytest.fixture
def app() -> Spruce:
    return make_app()


def _redis_problem() -> str | None:
    url = urlsplit(REDIS_URL)
    try:
        socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), 1).close()
    except OSError as exc:
        return f"Redis is not reachable at {REDIS_URL}: {exc}"
    return None


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in Redis; its keys are deleted afterwards."""
    problem = _redis_problem()
    if problem is not None:
        if os.environ.get("SPRUCE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required (SPRUCE_REQUIRE_SERVICES=1): {problem}")
        pytest.skip(problem)
    prefix = f"spruce-test-{uuid.uuid4().hex}"
    yield prefix
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()

"""Fixtures for the session tests: an app factory with known secret keys, a clock the test moves,
a Redis key prefix of the test's own (skipped without Redis, failed instead when
SPRUCE_REQUIRE_SERVICES=1), and a throwaway redis-server the test can stop, pause and restart."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from spruce import Request, Spruce
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


def counter_app(make_app: AppFactory, **options: Any) -> Spruce:
    """An app with ``Sessions(**options)`` and routes that count, peek, log in and out."""
    app = make_app(**options)

    @app.get("/count")
    def count(request: Request):
        request.session["n"] = request.session.get("n", 0) + 1
        return {"n": request.session["n"]}

    @app.get("/peek")
    def peek(request: Request):
        return {"n": request.session.get("n")}

    @app.get("/has")
    def has(request: Request):
        return {"has": "n" in request.session}

    @app.get("/untouched")
    def untouched():
        return {"ok": True}

    @app.post("/logout")
    def logout(request: Request):
        request.session.clear()
        return {"ok": True}

    @app.post("/login")
    def login(request: Request):
        request.session.regenerate()
        request.session["user"] = 7
        return {"ok": True}

    return app


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


def free_port() -> int:
    """A TCP port nothing listens on (at the time of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A ``redis-server`` subprocess on a port of its own, without persistence: ``stop()``
    loses its data, as a crashed cache would; ``pause()`` freezes it (SIGSTOP: connections are
    accepted by the kernel but never answered), ``resume()`` thaws it."""

    def __init__(self, binary: str, log: Path) -> None:
        self.binary = binary
        self.log = log
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.log.parent)]
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            assert self.process.poll() is None, self.log.read_text()
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, (
                f"redis-server did not start:\n{self.log.read_text()}"
            )
            time.sleep(0.02)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGCONT)  # in case it was paused
            process.terminate()
            process.wait(10)

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A running throwaway Redis (skipped without the redis-server binary, except in CI)."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = (
            "the Redis outage tests need the redis-server binary (apt-get install redis-server)"
        )
        if os.environ.get("SPRUCE_REQUIRE_SERVICES") == "1" or os.environ.get("CI") in (
            "true",
            "1",
        ):
            pytest.fail(message)
        pytest.skip(message)
    server = RedisServer(binary, tmp_path / "redis-server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()

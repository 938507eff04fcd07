"""Static files never leave their folder: every escape attempt is a 404, never a 500 or a leak.

Paths go through the test client (which sends percent-encoding as written, so the application sees
the decoded path a server would give it), straight into the ASGI app (for paths no HTTP client
would send as they are), and once through a real uvicorn server over a raw socket.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spruce import Spruce

SECRET = "TOP-SECRET-CONTENT"


@pytest.fixture
def app_and_root(tmp_path: Path):
    root = tmp_path / "project"
    static = root / "static"
    (static / "css").mkdir(parents=True)
    (static / "ok.txt").write_text("fine")
    (static / "css" / "site.css").write_text("body{}")
    (static / ".env").write_text(SECRET)
    (static / ".git").mkdir()
    (static / ".git" / "config").write_text(SECRET)
    (tmp_path / "secret.txt").write_text(SECRET)
    (root / "app.py").write_text(SECRET)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "data.txt").write_text(SECRET)
    os.symlink(tmp_path / "secret.txt", static / "leak.txt")
    os.symlink(outside, static / "leakdir")
    os.symlink(static / ".env", static / "env-link.txt")
    os.symlink(static / "ok.txt", static / "alias.txt")  # inside the root: allowed
    app = Spruce(root_path=str(root))
    return app, tmp_path


ENCODED_ATTEMPTS = [
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E/%2e%2e/secret.txt",
    "/static/..%2fsecret.txt",
    "/static/..%2Fapp.py",
    "/static/css%2f..%2f..%2fapp.py",
    "/static/%252e%252e/secret.txt",
    "/static/%252e%252e%252fsecret.txt",
    "/static/..%5csecret.txt",
    "/static/css%5c..%5c..%5capp.py",
    "/static/ok.txt%00.png",
    "/static/%00",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/.env",
    "/static/.git/config",
    "/static/css/../.env",
    "/static/env-link.txt",
    "/static/leak.txt",
    "/static/leakdir/data.txt",
    "/static/css/",
    "/static/css",
    "/static/" + "a" * 5000,
    "/static/%ff%fe.txt",
]


@pytest.mark.parametrize("path", ENCODED_ATTEMPTS)
def test_escape_attempts_through_the_client_are_404(app_and_root, path):
    app, _ = app_and_root
    response = app.test_client().get(path)
    assert response.status_code == 404, path
    assert SECRET not in response.text


RAW_ATTEMPTS = [
    "/static/../secret.txt",
    "/static/../app.py",
    "/static/css/../../app.py",
    "/static/css/../ok.txt",
    "/static/..",
    "/static/.",
    "/static/./ok.txt",
    "/static/css//ok.txt",
    "/static/css\\..\\..\\app.py",
    "/static/ok.txt\x00.png",
    "/static/\udcff\udcfe.txt",  # undecodable bytes, as servers pass them (surrogate escapes)
]


async def raw_get(app: Spruce, path: str, headers=()) -> tuple[int, bytes]:
    """Send ``path`` to the app exactly as given: no client-side normalisation."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("localhost", 80),
    }
    messages = []

    async def receive():
        await asyncio.sleep(0)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return messages[0]["status"], body


@pytest.mark.parametrize("path", RAW_ATTEMPTS)
async def test_escape_attempts_straight_to_the_app_are_404(app_and_root, path):
    app, _ = app_and_root
    status, body = await raw_get(app, path)
    assert status == 404, path
    assert SECRET.encode() not in body


async def test_absolute_path_of_a_real_file_is_refused(app_and_root):
    app, tmp_path = app_and_root
    status, body = await raw_get(app, "/static/" + str(tmp_path / "secret.txt"))
    assert status == 404
    assert SECRET.encode() not in body


async def test_legitimate_files_still_work(app_and_root):
    app, _ = app_and_root
    assert await raw_get(app, "/static/ok.txt") == (200, b"fine")
    assert await raw_get(app, "/static/alias.txt") == (200, b"fine")  # symlink inside the root
    status, body = await raw_get(app, "/static/ok.txt", [(b"range", b"bytes=1-2")])
    assert (status, body) == (206, b"in")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _raw_http(port: int, target: str) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        request = f"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        connection.sendall(request.encode("latin-1"))
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


@pytest.mark.slow
def test_through_a_real_server(app_and_root):
    app, tmp_path = app_and_root
    root = tmp_path / "project"
    port = _free_port()
    script = (
        "import sys, uvicorn; sys.path.insert(0, sys.argv[1]);"
        "from spruce import Spruce; app = Spruce(root_path=sys.argv[1]);"
        "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[2]), log_level='error')"
    )
    server = subprocess.Popen([sys.executable, "-c", script, str(root), str(port)])
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert _raw_http(port, "/static/ok.txt") == (200, b"fine")
        for target in [
            "/static/../secret.txt",
            "/static/../app.py",
            "/static/%2e%2e/app.py",
            "/static/..%2fapp.py",
            "/static/%252e%252e/app.py",
            "/static/..%5capp.py",
            "/static/ok.txt%00",
            "/static/.env",
            "/static/leak.txt",
            "/static/leakdir/data.txt",
        ]:
            status, body = _raw_http(port, target)
            assert status == 404, target
            assert SECRET.encode() not in body, target
    finally:
        server.terminate()
        server.wait(timeout=10)

"""The real servers: ``spruce run`` (uvicorn, reloading), ``spruce serve`` (granian), ``app.run()``.

Each test starts the server in its own process on a free port and talks to it over HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

START_TIMEOUT = 20.0

SERVER_APP = """
    import asyncio
    import os
    from pathlib import Path

    from spruce import Spruce

    app = Spruce()

    @app.get("/")
    def index():
        return "version one"

    @app.get("/info")
    def info(app: Spruce):
        return {"debug": app.debug, "pid": os.getpid()}

    @app.get("/slow")
    async def slow(seconds: float = 1):
        Path("slow-started").touch()
        await asyncio.sleep(seconds)
        return "slow done"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRUCE_", "_SPRUCE_"))}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


class Server:
    """A server process started in ``folder``; its output is collected in files."""

    def __init__(self, folder: Path, args: list[str], env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.stdout_path = folder / "server.out"
        self.stderr_path = folder / "server.err"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                args,
                cwd=folder,
                env=env or clean_environment(),
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    @classmethod
    def spruce(cls, folder: Path, *args: str, env: dict[str, str] | None = None) -> Server:
        return cls(folder, [sys.executable, "-m", "spruce.cli", *args], env)

    @property
    def output(self) -> str:
        return self.stdout_path.read_text() + self.stderr_path.read_text()

    def wait_until_serving(self, port: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"server exited with {self.process.returncode}:\n{self.output}"
                )
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"server did not start within {START_TIMEOUT}s:\n{self.output}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def servers():
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def app_folder(tmp_path) -> Path:
    (tmp_path / "app.py").write_text(textwrap.dedent(SERVER_APP))
    return tmp_path


def get(port: int, path: str, timeout: float = 10.0) -> tuple[int, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
        return response.status, response.read().decode()


def test_run_without_reload_serves_in_debug_mode(app_folder, servers):
    port = free_port()
    server = Server.spruce(app_folder, "run", "--no-reload", "--port", str(port))
    servers.append(server)
    server.wait_until_serving(port)
    assert get(port, "/") == (200, "version one")
    status, body = get(port, "/info")
    assert json.loads(body)["debug"] is True
    assert f"Running on http://127.0.0.1:{port} (debug on, reload off)" in server.output
    assert " * Spruce app: app:app" in server.output


def test_run_respects_an_explicit_debug_setting(app_folder, servers):
    port = free_port()
    server = Server.spruce(
        app_folder,
        "run",
        "--no-reload",
        "--port",
        str(port),
        env=clean_environment(SPRUCE_DEBUG="0"),
    )
    servers.append(server)
    server.wait_until_serving(port)
    assert json.loads(get(port, "/info")[1])["debug"] is False


def test_run_reloads_when_a_file_changes(app_folder, servers):
    port = free_port()
    server = Server.spruce(app_folder, "run", "--port", str(port))
    servers.append(server)
    server.wait_until_serving(port)
    assert get(port, "/") == (200, "version one")
    app_file = app_folder / "app.py"
    app_file.write_text(app_file.read_text().replace("version one", "version two"))
    deadline = time.monotonic() + 15
    body = ""
    while time.monotonic() < deadline:
        try:
            body = get(port, "/", timeout=2)[1]
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            body = ""
        if body == "version two":
            break
        time.sleep(0.1)
    assert body == "version two", server.output
    assert "reload on" in server.output


def test_serve_with_two_workers(app_folder, servers):
    port = free_port()
    server = Server.spruce(app_folder, "serve", "--workers", "2", "--port", str(port))
    servers.append(server)
    server.wait_until_serving(port)
    status, body = get(port, "/info")
    assert status == 200
    assert json.loads(body)["debug"] is False
    assert get(port, "/") == (200, "version one")
    assert f"Serving app:app on http://127.0.0.1:{port} with 2 workers" in server.output
    assert "worker-2" in server.output
    assert "debug mode is on" not in server.output


def test_serve_warns_when_debug_is_on(app_folder, servers):
    port = free_port()
    server = Server.spruce(
        app_folder, "serve", "--port", str(port), env=clean_environment(SPRUCE_DEBUG="1")
    )
    servers.append(server)
    server.wait_until_serving(port)
    assert get(port, "/") == (200, "version one")
    assert "Warning: debug mode is on" in server.output


def start_slow_request(
    port: int, folder: Path, path: str = "/slow"
) -> tuple[threading.Thread, dict]:
    """GET ``path`` in a thread; return once the handler has started."""
    outcome: dict[str, object] = {}

    def request_slow() -> None:
        try:
            outcome["response"] = get(port, path)
        except Exception as exc:  # reported by the callers' assertions
            outcome["error"] = exc

    client = threading.Thread(target=request_slow)
    client.start()
    started = folder / "slow-started"
    deadline = time.monotonic() + 10
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert started.exists(), outcome
    return client, outcome


def test_serve_finishes_in_flight_requests_on_sigterm(app_folder, servers):
    port = free_port()
    server = Server.spruce(app_folder, "serve", "--workers", "2", "--port", str(port))
    servers.append(server)
    server.wait_until_serving(port)
    client, outcome = start_slow_request(port, app_folder)
    server.process.send_signal(signal.SIGTERM)
    client.join(15)
    assert outcome.get("response") == (200, "slow done"), (outcome, server.output)
    assert server.process.wait(15) == 0, server.output
    assert "Granian shutdown completed" in server.output


def test_app_run_serves_a_script(tmp_path, servers):
    port = free_port()
    (tmp_path / "hello.py").write_text(
        textwrap.dedent(f"""
        from spruce import Spruce

        app = Spruce()
        app.get("/")(lambda: "hello from app.run")

        if __name__ == "__main__":
            app.run(port={port})
    """)
    )
    server = Server(tmp_path, [sys.executable, "hello.py"])
    servers.append(server)
    server.wait_until_serving(port)
    assert get(port, "/") == (200, "hello from app.run")


def test_serve_kills_requests_that_outlive_the_graceful_timeout(app_folder, servers):
    port = free_port()
    server = Server.spruce(app_folder, "serve", "--graceful-timeout", "1", "--port", str(port))
    servers.append(server)
    server.wait_until_serving(port)
    client, outcome = start_slow_request(port, app_folder, "/slow?seconds=30")
    stopping = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(15) == 0, server.output
    assert time.monotonic() - stopping < 5, server.output
    client.join(15)
    assert "error" in outcome, outcome
    assert "refused to gracefully stop" in server.output

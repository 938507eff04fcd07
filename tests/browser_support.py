"""What the browser tests share: a server on a free port, and headless Chromium to visit it.

    from browser_support import chromium_page, clean_environment, spruce_server

    @pytest.fixture
    def site(tmp_path):
        with spruce_server(["serve"], cwd=FOLDER, env=clean_environment(), ready="/static/a.css",
                           log=tmp_path / "server.log") as url:
            yield url

    @pytest.fixture
    def page():
        with chromium_page() as tab:
            yield tab

* ``spruce_server`` runs ``python -m spruce.cli <args> --port <free port>`` in its own process
  group, waits until ``ready`` answers, and stops it (SIGTERM, then SIGKILL) afterwards;
* ``app_server`` serves an app object of the test with uvicorn in a thread;
* ``chromium_page`` drives Debian's chromium (``/usr/bin/chromium``, no browser download) with
  Playwright. Without chromium or Playwright the test is skipped, or failed when the services
  are required (``CI=true`` or ``SPRUCE_REQUIRE_SERVICES=1``).

Importing this module is cheap: Playwright and uvicorn load only when a test uses them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the time of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def services_required() -> bool:
    """True in CI, where a missing browser or service is a failure rather than a skip."""
    return os.environ.get("SPRUCE_REQUIRE_SERVICES") == "1" or os.environ.get("CI") in ("true", "1")


def clean_environment(*drop: str, **extra: str) -> dict[str, str]:
    """This process's environment without ``SPRUCE_*``, ``PYTEST_*`` and the ``drop`` prefixes,
    plus ``extra``: a server sees only the settings the test gives it."""
    prefixes = ("SPRUCE_", "PYTEST_", *drop)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    environment.update(extra)
    return environment


@contextmanager
def spruce_server(
    args: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    ready: str,
    log: Path,
    timeout: float = 30,
) -> Iterator[str]:
    """``python -m spruce.cli <args> --port <port>`` in ``cwd``, its output in ``log``; yields
    the base URL once ``GET <ready>`` answers (a failure shows the log)."""
    port = free_port()
    command = [sys.executable, "-m", "spruce.cli", *args, "--port", str(port)]
    with open(log, "wb") as output:
        server = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_served(url + ready, server, log, timeout)
        yield url
    finally:
        _stop(server)


def _wait_until_served(
    url: str, server: subprocess.Popen[bytes], log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert server.poll() is None, f"the server exited:\n{log.read_text()}"
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"the server did not start:\n{log.read_text()}"
            time.sleep(0.05)


def _stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)


@contextmanager
def app_server(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn (lifespan on) in a thread of this process; yields its URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # a free port, held until the server takes the socket over
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def chromium_page(
    viewport: dict[str, int] | None = None, timeout_ms: float = 10_000
) -> Iterator[Any]:
    """A Playwright page in headless Debian chromium (closed afterwards)."""
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"the browser tests need Debian's chromium at {CHROMIUM}"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            problem = f"the browser tests need Playwright (pip install playwright): {exc}"
    if problem is not None:
        if services_required():
            pytest.fail(problem)
        pytest.skip(problem)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport=viewport) if viewport else browser.new_page()
            page.set_default_timeout(timeout_ms)
            yield page
        finally:
            browser.close()

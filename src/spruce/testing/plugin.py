"""The pytest plugin: ``app``, ``client`` and ``async_client`` fixtures.

Installed with Spruce (the ``spruce`` pytest11 entry point), it only registers an ini option and
three fixtures, so projects that do not use it are not affected. Tell it which application to
test in one of two ways::

    # pyproject.toml
    [tool.pytest.ini_options]
    spruce_app = "myproject.app:app"      # or a factory: "myproject.app:create_app"

    # conftest.py
    @pytest.fixture
    def app():
        return create_app(testing=True)

then write tests that take ``client`` (a ``TestClient`` with the lifespan running) or
``async_client`` (an ``AsyncTestClient``).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .async_client import AsyncTestClient
    from .client import TestClient

__all__ = ["app", "async_client", "client", "load_app", "pytest_addoption"]

INI_NAME = "spruce_app"

NO_APP_MESSAGE = """\
the `app` fixture does not know which application to test. Either name it in the pytest \
configuration:

    # pyproject.toml
    [tool.pytest.ini_options]
    spruce_app = "myproject.app:app"

or define an `app` fixture in your conftest.py:

    @pytest.fixture
    def app():
        from myproject.app import app
        return app
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``spruce_app`` ini option."""
    parser.addini(
        INI_NAME,
        help='the application the app/client fixtures test, as "module:attribute" '
        "(an application, or a function that returns one)",
        default="",
    )


def load_app(target: str, rootpath: Path | None = None) -> Any:
    """Import ``"module:attribute"``; call it when it is a plain function (an app factory).

    When the module is not importable, ``rootpath`` (the pytest root directory) is put on
    ``sys.path`` and the import is tried again, so ``app.py`` beside ``pyproject.toml`` works.
    """
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise ValueError(f'{INI_NAME} = {target!r}: expected "module:attribute"')
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        root = str(rootpath) if rootpath is not None else None
        missing_is_ours = exc.name is not None and module_name.startswith(exc.name)
        if root is None or root in sys.path or not missing_is_ours:
            raise
        sys.path.insert(0, root)
        module = importlib.import_module(module_name)
    value: Any = module
    for part in attribute.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise AttributeError(
                f"{INI_NAME} = {target!r}: module {module_name!r} has no attribute {attribute!r}"
            ) from None
    if inspect.isfunction(value):
        value = value()
    return value


@pytest.fixture
def app(request: pytest.FixtureRequest) -> Any:
    """The application under test: ``spruce_app`` from the pytest configuration (override this
    fixture in conftest.py to build it yourself)."""
    target = str(request.config.getini(INI_NAME) or "").strip()
    if not target:
        pytest.fail(NO_APP_MESSAGE, pytrace=False)
    try:
        return load_app(target, request.config.rootpath)
    except (ImportError, AttributeError, ValueError) as exc:
        pytest.fail(f"could not load the application to test: {exc}", pytrace=False)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """A ``TestClient`` for ``app``, with the application's lifespan running around the test."""
    from .client import TestClient

    with TestClient(app) as test_client:
        yield test_client


async def _async_client(app: Any) -> AsyncIterator[AsyncTestClient]:
    """An ``AsyncTestClient`` for ``app`` on the test's event loop, lifespan running (needs an
    async test: pytest-asyncio or anyio)."""
    from .async_client import AsyncTestClient

    async with AsyncTestClient(app) as test_client:
        yield test_client


def _async_fixture() -> Any:
    try:
        import pytest_asyncio
    except ImportError:  # anyio's plugin (or another) runs async fixtures for async tests
        return pytest.fixture
    return pytest_asyncio.fixture


async_client = _async_fixture()(_async_client, name="async_client")

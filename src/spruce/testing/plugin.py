"""The pytest plugin (registered as the ``spruce`` pytest11 entry point); fixtures follow."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``spruce_app`` ini option."""
    parser.addini(
        "spruce_app",
        help='the application under test, as "module:attribute" (used by the app fixture)',
        default="",
    )

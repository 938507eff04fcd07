"""Fixtures for the demo's tests: the demo (examples/demo/app.py) loaded afresh for each test, so
each has its own app and its own guestbook."""

from __future__ import annotations

import os

import pytest
from demo_support import DEMO_FOLDER, load_demo


@pytest.fixture
def settings_free(monkeypatch):
    """No SPRUCE_* variable set, and the demo's folder is the current one (as in scripts/demo.sh)."""
    for name in list(os.environ):
        if name.startswith("SPRUCE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(DEMO_FOLDER)


@pytest.fixture
def demo(settings_free, monkeypatch):
    """The demo module, with a secret key set (tests that want none use ``settings_free``)."""
    monkeypatch.setenv("SPRUCE_SECRET_KEY", "demo-tests-" + "k" * 40)
    return load_demo()


@pytest.fixture
def demo_client(demo):
    with demo.app.test_client() as client:
        yield client

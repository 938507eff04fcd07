"""Server options checked without starting a server."""

from __future__ import annotations

import os

import click
import pytest

from spruce import Spruce
from spruce.cli.serve import WorkerCount
from spruce.cli.server import display_url, run_dev_server
from spruce.exceptions import ImproperlyConfigured


def test_worker_count_accepts_numbers_and_auto():
    workers = WorkerCount()
    assert workers.convert("3", None, None) == 3
    assert workers.convert(2, None, None) == 2
    assert workers.convert("auto", None, None) == (os.cpu_count() or 1)
    assert workers.convert(" AUTO ", None, None) == (os.cpu_count() or 1)


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_worker_count_refuses_other_values(value):
    with pytest.raises(click.BadParameter):
        WorkerCount().convert(value, None, None)


def test_serve_rejects_zero_workers_before_loading_the_app(project):
    result = project.invoke("serve", "--workers", "0")
    assert result.exit_code == 2
    assert "at least 1 is needed" in result.output


def test_serve_without_an_app_is_a_usage_error(project):
    result = project.invoke("serve")
    assert result.exit_code == 2
    assert "Could not find a Spruce app" in result.output


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("::1", "http://[::1]:8000"),
        ("[::]", "http://[::]:8000"),
        ("localhost", "http://localhost:8000"),
    ],
)
def test_display_url(host, url):
    assert display_url(host, 8000) == url


def test_reload_needs_a_module_level_app():
    with pytest.raises(ImproperlyConfigured, match="module-level variable"):
        run_dev_server(Spruce(), reload=True)

"""Fixtures for the CLI tests: a throwaway project folder and a click runner."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from spruce.cli import cli

SPRUCE_VARIABLES = ("SPRUCE_APP", "SPRUCE_DEBUG", "SPRUCE_SECRET_KEY", "SPRUCE_ALLOWED_HOSTS")


class Project:
    """A temporary folder that is the current folder, where tests write app modules."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, name: str, source: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path

    def invoke(self, *args: str, **options) -> Result:
        return CliRunner().invoke(cli, list(args), prog_name="spruce", **options)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """The current folder is a fresh temporary folder; modules imported from it are forgotten
    afterwards, and the SPRUCE_* variables the CLI reads are unset."""
    for name in SPRUCE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    saved_path = list(sys.path)
    yield Project(tmp_path)
    sys.path[:] = saved_path
    root = str(tmp_path)
    for name, module in list(sys.modules.items()):
        module_file = getattr(module, "__file__", None) or ""
        if module_file.startswith(root + os.sep):
            del sys.modules[name]

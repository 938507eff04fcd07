"""Helpers for the demo's tests: load examples/demo/app.py afresh, start it with `spruce run`."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

DEMO_FOLDER = Path(__file__).resolve().parents[2] / "examples" / "demo"


def load_demo(module_name: str = "spruce_demo_app") -> ModuleType:
    """Import examples/demo/app.py under ``module_name`` (a new module object each call)."""
    spec = importlib.util.spec_from_file_location(module_name, DEMO_FOLDER / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # pydantic and dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[module_name]
    return module

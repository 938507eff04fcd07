"""Finding the models: a ``models`` module beside the code of the app, its routers and its
batteries is imported, so that migrations and ``create_all`` see every table.

    myapp/views.py      handlers registered on the app or a router
    myapp/models.py     imported (if it exists) when the schema is needed

Modules listed in ``Database(models=[...])`` or added by batteries with
``get_database(app).add_models("mybattery.models")`` are imported too.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = ["candidate_modules", "import_models"]


def _packages_of(module_names: Iterable[str]) -> set[str]:
    packages: set[str] = set()
    for name in module_names:
        if not name or name == "__main__":
            continue
        module = sys.modules.get(name)
        is_package = module is not None and hasattr(module, "__path__")
        packages.add(name if is_package else name.rpartition(".")[0])
    packages.discard("")
    return packages


def candidate_modules(app: Spruce) -> list[str]:
    """``<package>.models`` for every package that holds a handler of ``app`` or a battery."""
    owners: list[str] = []
    for route in app.walk():
        owners.append(getattr(route.endpoint, "__module__", "") or "")
    for battery in app.batteries.values():
        owners.append(type(battery).__module__)
    return sorted(f"{package}.models" for package in _packages_of(owners))


def _exists(name: str) -> bool:
    if name in sys.modules:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def import_models(app: Spruce | None, extra: Iterable[str] = ()) -> list[Any]:
    """Import the model modules of ``app`` plus ``extra``; return the modules imported."""
    names = list(extra)
    if app is not None:
        names += [name for name in candidate_modules(app) if name not in names]
    modules = []
    for name in names:
        if name in extra or _exists(name):
            modules.append(importlib.import_module(name))
    return modules

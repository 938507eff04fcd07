"""Finding the application the ``spruce`` command works on.

The app is named by ``--app``, else by the ``SPRUCE_APP`` environment variable, else found in
``app.py``, ``main.py`` or ``asgi.py`` in the current folder. A name is ``module:attr`` (``attr``
may be dotted, and may name a factory that returns the app), ``module`` alone, or a path to a
``.py`` file. Inside a module without an attribute name, the app is the attribute called ``app``,
else the only ``Spruce`` instance in the module, else what ``create_app()`` or ``make_app()``
returns.

The folder the app is imported from goes on ``sys.path`` first, so a project's modules shadow
installed ones of the same name.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeGuard

import click

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = [
    "APP_ENV_VAR",
    "DEFAULT_FILES",
    "FACTORY_NAMES",
    "AppImportError",
    "AppLocation",
    "NoAppError",
    "find_app",
    "importing_for_cli",
    "load_location",
    "location_of",
]

APP_ENV_VAR = "SPRUCE_APP"
DEFAULT_FILES = ("app.py", "main.py", "asgi.py")
FACTORY_NAMES = ("create_app", "make_app")
HOW_TO_NAME = f"Use --app module:attr (e.g. --app myproject.app:app) or set {APP_ENV_VAR}."

_importing = False
_IMPORTLIB_FOLDER = os.path.dirname(importlib.__file__ or "importlib") + os.sep


class NoAppError(click.UsageError):
    """No application where the user pointed (wrong ``--app``, no ``app.py``...). Exit code 2."""


class AppImportError(click.ClickException):
    """The user's module (or app factory) raised an error; the message shows that error."""


@dataclass(frozen=True)
class AppLocation:
    """Where an app lives: enough for a server process to import it again by name.

    ``attr`` is the attribute path inside ``module``; ``factory`` is true when ``attr`` is a
    function that returns the app; ``folder`` is the folder put on ``sys.path`` for the import.
    """

    module: str
    attr: str
    factory: bool
    folder: str

    @property
    def import_string(self) -> str:
        """``module:attr``, the form uvicorn and granian take."""
        return f"{self.module}:{self.attr}"


def importing_for_cli() -> bool:
    """True while the CLI imports the user's module (``app.run()`` then does nothing)."""
    return _importing


def find_app(spec: str | None = None, folder: str | None = None) -> tuple[Spruce, AppLocation]:
    """Find the app named by ``spec`` (the ``--app`` value), ``SPRUCE_APP`` or the default files.

    ``folder`` is where default files are looked for (the current folder by default). Raises
    ``NoAppError`` when nothing matches and ``AppImportError`` when the user's code fails.
    """
    folder = os.path.abspath(folder or os.getcwd())
    if spec:
        return _find_by_spec(spec, folder, f"--app {spec}")
    from_env = os.environ.get(APP_ENV_VAR)
    if from_env:
        return _find_by_spec(from_env, folder, f"{APP_ENV_VAR}={from_env}")
    return _find_in_default_files(folder)


def load_location(location: AppLocation) -> Spruce:
    """Import the app at ``location`` again (in a server worker process, for instance)."""
    _put_on_path(location.folder)
    module = _import(location.module, f"{location.import_string} (from {location.folder})")
    found = _lookup(module, location.attr, location.import_string)
    if location.factory:
        return _call_factory(found, location.import_string)
    return _require_app(found, location.import_string)


def location_of(app: Any) -> AppLocation | None:
    """Where an already imported ``app`` can be imported from by name, or None.

    An app defined in a script run as ``python hello.py`` is found under the script's own
    module name (``hello``), so that a reloading server can import it.
    """
    for name, module in list(sys.modules.items()):
        if name == "spruce" or name.startswith("spruce."):
            continue  # Spruce's own modules may hold the app; they are not where it is defined
        attrs = getattr(module, "__dict__", None)
        if not isinstance(attrs, dict):
            continue
        attr = next((key for key, value in attrs.items() if value is app), None)
        if attr is None:
            continue
        module_file = getattr(module, "__file__", None)
        if name == "__main__":
            if not module_file:
                continue
            name, folder = _module_name_for_file(module_file)
            return AppLocation(name, attr, factory=False, folder=folder)
        if module_file:
            return AppLocation(name, attr, factory=False, folder=_import_root(name, module_file))
    return None


# -- finding --------------------------------------------------------------------------------------
def _find_by_spec(spec: str, folder: str, tried: str) -> tuple[Spruce, AppLocation]:
    target, _, attr = spec.partition(":")
    if target.endswith(".py") or os.sep in target or "/" in target:
        path = os.path.join(folder, target)
        if not os.path.isfile(path):
            raise NoAppError(
                f"Could not find the file {target!r}.\nTried: {tried} (looked in {folder}).\n"
                f"{HOW_TO_NAME}"
            )
        module_name, import_folder = _module_name_for_file(path)
    else:
        module_name, import_folder = target, folder
    if not all(part.isidentifier() for part in module_name.split(".")):
        raise NoAppError(f"{target!r} is not a module name.\nTried: {tried}.\n{HOW_TO_NAME}")
    _put_on_path(import_folder)
    module = _import(module_name, tried, folder=import_folder)
    if attr:
        location = AppLocation(module_name, attr, factory=False, folder=import_folder)
        found = _lookup(module, attr, tried)
        if _is_app(found):
            return found, location
        if callable(found) and not isinstance(found, type):
            return _call_factory(found, spec), AppLocation(
                module_name, attr, factory=True, folder=import_folder
            )
        return _require_app(found, spec), location
    result = _best_app_in(module)
    if result is None:
        raise NoAppError(_no_app_in_module_message(module_name, module, tried))
    return result[0], AppLocation(module_name, result[1], result[2], import_folder)


def _find_in_default_files(folder: str) -> tuple[Spruce, AppLocation]:
    looked_in: list[str] = []
    for filename in DEFAULT_FILES:
        if not os.path.isfile(os.path.join(folder, filename)):
            continue
        module_name = filename[:-3]
        tried = f"{filename} in {folder}"
        _put_on_path(folder)
        module = _import(module_name, tried, folder=folder)
        result = _best_app_in(module)
        if result is not None:
            return result[0], AppLocation(module_name, result[1], result[2], folder)
        looked_in.append(filename)
    detail = f"{', '.join(looked_in)} define no Spruce app" if looked_in else "none of them exists"
    raise NoAppError(
        "Could not find a Spruce app.\n"
        f"Tried: --app (not given), {APP_ENV_VAR} (not set), {', '.join(DEFAULT_FILES)} in "
        f"{folder} ({detail}).\n{HOW_TO_NAME}"
    )


def _best_app_in(module: ModuleType) -> tuple[Spruce, str, bool] | None:
    """The app of a module: ``app``, else the single Spruce instance, else a factory's result."""
    candidate = getattr(module, "app", None)
    if _is_app(candidate):
        return candidate, "app", False
    apps = {name: value for name, value in vars(module).items() if _is_app(value)}
    if len(apps) == 1:
        name, app = next(iter(apps.items()))
        return app, name, False
    if len(apps) > 1:
        names = ", ".join(sorted(apps))
        first = sorted(apps)[0]
        raise NoAppError(
            f"Found several Spruce apps in {module.__name__!r} ({names}); choose one with "
            f"--app {module.__name__}:{first}"
        )
    for name in FACTORY_NAMES:
        factory = getattr(module, name, None)
        if callable(factory):
            return _call_factory(factory, f"{module.__name__}:{name}"), name, True
    return None


def _no_app_in_module_message(module_name: str, module: ModuleType, tried: str) -> str:
    where = getattr(module, "__file__", None) or module_name
    return (
        f"Could not find a Spruce app in {module_name!r} ({where}): it has no attribute 'app', "
        f"no Spruce instance and no {'() or '.join(FACTORY_NAMES)}() factory.\n"
        f"Tried: {tried}.\n{HOW_TO_NAME}"
    )


def _lookup(module: ModuleType, attr: str, tried: str) -> Any:
    value: Any = module
    for part in attr.split("."):
        if not part.isidentifier():
            raise NoAppError(f"{attr!r} is not an attribute name.\nTried: {tried}.\n{HOW_TO_NAME}")
        try:
            value = getattr(value, part)
        except AttributeError:
            raise NoAppError(
                f"Module {module.__name__!r} has no attribute {attr!r}.\nTried: {tried}.\n"
                f"{HOW_TO_NAME}"
            ) from None
    return value


def _call_factory(factory: Any, name: str) -> Spruce:
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        required = [
            p.name
            for p in signature.parameters.values()
            if p.default is p.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        if required:
            raise NoAppError(
                f"The app factory {name}() needs arguments ({', '.join(required)}); "
                "give them defaults, or point --app at the app object instead."
            )
    try:
        app = factory()
    except Exception as exc:
        raise AppImportError(
            f"The app factory {name}() raised an error:\n\n{_user_traceback(exc)}"
        ) from exc
    return _require_app(app, f"{name}()")


def _require_app(value: Any, name: str) -> Spruce:
    if not _is_app(value):
        raise NoAppError(
            f"{name} is {type(value).__name__!r}, not a Spruce application.\n{HOW_TO_NAME}"
        )
    return value


def _is_app(value: Any) -> TypeGuard[Spruce]:
    from ..app import Spruce

    return isinstance(value, Spruce)


# -- importing ------------------------------------------------------------------------------------
@contextlib.contextmanager
def _cli_import() -> Iterator[None]:
    global _importing
    previous, _importing = _importing, True
    try:
        yield
    finally:
        _importing = previous


def _import(module_name: str, tried: str, folder: str | None = None) -> ModuleType:
    try:
        with _cli_import():
            module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            where = f" (looked in {folder})" if folder else ""
            raise NoAppError(
                f"Could not import {module_name!r}: {exc}.\nTried: {tried}{where}.\n{HOW_TO_NAME}"
            ) from None
        raise _import_error(module_name, exc) from exc
    except Exception as exc:
        raise _import_error(module_name, exc) from exc
    if folder is not None:
        _refuse_shadowed(module_name, folder)
    return module


def _refuse_shadowed(module_name: str, folder: str) -> None:
    """Raise when ``module_name`` exists in ``folder`` but another module of that name (from the
    standard library or an installed package) was imported instead."""
    top = module_name.partition(".")[0]
    candidates = [os.path.join(folder, top + ".py"), os.path.join(folder, top, "__init__.py")]
    ours = next((path for path in candidates if os.path.isfile(path)), None)
    loaded = getattr(sys.modules.get(top), "__file__", None)
    if ours is None or loaded is None or os.path.realpath(ours) == os.path.realpath(loaded):
        return
    raise NoAppError(
        f"Your {os.path.relpath(ours, folder)} is hidden by the module {top!r} that Python "
        f"already imported from {loaded}. Rename your module (for example to {top}_app.py)."
    )


def _import_error(module_name: str, exc: BaseException) -> AppImportError:
    return AppImportError(
        f"While importing {module_name!r}, an error was raised:\n\n{_user_traceback(exc)}"
    )


def _user_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` without the frames of the import machinery and of this module."""
    report = traceback.TracebackException.from_exception(exc)
    report.stack = traceback.StackSummary.from_list(
        [frame for frame in report.stack if not _is_machinery(frame.filename)]
    )
    return "".join(report.format()).rstrip()


def _is_machinery(filename: str) -> bool:
    return filename == __file__ or filename.startswith(("<frozen importlib", _IMPORTLIB_FOLDER))


def _put_on_path(folder: str) -> None:
    if not sys.path or sys.path[0] != folder:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
        sys.path.insert(0, folder)
    importlib.invalidate_caches()


def _module_name_for_file(path: str) -> tuple[str, str]:
    """The dotted module name of a ``.py`` file and the folder to import it from (the first
    folder above the file's package, if it is inside one)."""
    path = os.path.abspath(path)
    base, _ = os.path.splitext(path)
    if os.path.basename(base) == "__init__":
        base = os.path.dirname(base)
    folder, name = os.path.split(base)
    parts = [name]
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        folder, package = os.path.split(folder)
        parts.append(package)
    return ".".join(reversed(parts)), folder


def _import_root(module_name: str, module_file: str) -> str:
    """The ``sys.path`` entry ``module_name`` was imported from."""
    folder = os.path.dirname(os.path.abspath(module_file))
    depth = module_name.count(".")
    if os.path.basename(module_file).startswith("__init__."):
        depth += 1
    for _ in range(depth):
        folder = os.path.dirname(folder)
    return folder

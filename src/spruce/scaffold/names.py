"""Project names: what ``spruce new NAME`` accepts, and the fix it suggests for what it refuses.

A project's name is also the name of its Python package (the full layout imports ``NAME.app``),
so it must be a lowercase Python identifier that hides no module Python or Spruce needs.
"""

from __future__ import annotations

import keyword
import re
import sys

__all__ = ["InvalidProjectName", "check_project_name", "project_title", "suggest_project_name"]

_VALID = re.compile(r"[a-z_][a-z0-9_]*\Z")
_TAKEN = {
    "spruce": "it is Spruce's own package name",
    "app": "the project has a module of that name (app.py)",
    "asgi": "the project has a module of that name (asgi.py)",
    "tests": "the project's tests folder has that name",
    "test": "Python's own test suite is the package of that name",
    "conftest": "pytest gives that name a meaning of its own",
}
_SAFE_SUFFIX = "_site"


class InvalidProjectName(ValueError):
    """``name`` cannot be a project name; ``reason`` says why and ``suggestion`` is a fix
    (``None`` when nothing usable is left of the name)."""

    def __init__(self, name: str, reason: str, suggestion: str | None) -> None:
        self.name = name
        self.reason = reason
        self.suggestion = suggestion
        advice = f" Try {suggestion!r}." if suggestion else ""
        super().__init__(f"{name!r} cannot be a project name: {reason}.{advice}")


def _problem(name: str) -> str | None:
    if not name:
        return "it is empty"
    if not _VALID.match(name):
        if name[0].isdigit():
            return "it is also the Python package name, which cannot start with a digit"
        return (
            "it is also the Python package name, so it may hold only lowercase letters, digits "
            "and underscores"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return "it is a Python keyword"
    if name in sys.stdlib_module_names:
        return f"it would hide the standard library module {name!r}"
    if name in _TAKEN:
        return _TAKEN[name]
    if name.startswith("_"):
        return "a leading underscore marks a private module"
    return None


def suggest_project_name(name: str) -> str | None:
    """A valid name close to ``name`` (``"My-Blog"`` -> ``"my_blog"``), or ``None``."""
    candidate = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    if not candidate:
        return None
    if candidate[0].isdigit():
        candidate = "project_" + candidate
    if _problem(candidate) is not None:
        candidate += _SAFE_SUFFIX
    return candidate if _problem(candidate) is None else None


def check_project_name(name: str) -> None:
    """Raise ``InvalidProjectName`` (with a suggested fix) unless ``name`` is a usable name."""
    reason = _problem(name)
    if reason is not None:
        raise InvalidProjectName(name, reason, suggest_project_name(name))


def project_title(name: str) -> str:
    """The human name of a project: ``"my_blog"`` -> ``"My Blog"``."""
    return " ".join(word.capitalize() for word in name.split("_") if word)

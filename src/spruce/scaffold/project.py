"""``create_project``: write a new Spruce project from the file templates in ``templates/``.

The templates are plain files under ``templates/common`` (every project), ``templates/minimal``
and ``templates/full``. A file whose name ends in ``-tpl`` is a ``string.Template``: ``$name``
placeholders are filled in and the suffix dropped (Python files carry it so that no tool mistakes
them for Spruce's own code). A folder called ``__project__`` takes the project's name, and
``gitignore`` becomes ``.gitignore``. The project is written into a hidden folder beside its
destination and moved into place at the end: a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from .names import check_project_name, project_title
from .source import spruce_source

__all__ = [
    "TEMPLATES_FOLDER",
    "NewProject",
    "ProjectError",
    "create_project",
    "env_file_text",
    "setup_command",
]

TEMPLATES_FOLDER = Path(__file__).resolve().parent / "templates"
TEMPLATE_SUFFIX = "-tpl"
PROJECT_FOLDER_TOKEN = "__project__"
RENAMED = {"gitignore": ".gitignore"}
MINIMAL, FULL = "minimal", "full"
TEST_COMMAND = ".venv/bin/pytest"
RUN_COMMANDS = {
    MINIMAL: ".venv/bin/spruce run",
    FULL: ".venv/bin/spruce db upgrade && .venv/bin/spruce run",
}


class ProjectError(Exception):
    """The project cannot be created where or as asked (the message says what to do)."""


@dataclass(frozen=True)
class NewProject:
    """A project ``create_project`` wrote: its folder, shape, files and the README's commands."""

    name: str
    folder: Path
    layout: str
    files: list[Path] = field(default_factory=list)
    setup_and_run: str = ""
    test: str = ""
    spruce_source: str | None = None


def create_project(
    name: str,
    folder: str | os.PathLike[str] | None = None,
    *,
    minimal: bool = False,
    source: str | None = None,
) -> NewProject:
    """Create the project ``name`` in ``folder`` (default ``./name``) and return what was made.

    ``minimal`` makes one ``app.py`` instead of a package. ``source`` is the local Spruce checkout
    the README installs Spruce from (default: ``$SPRUCE_SOURCE``, else where the running Spruce
    was installed from, if that is a folder). Raises ``InvalidProjectName`` for a bad name and
    ``ProjectError`` when ``folder`` exists and is not empty.
    """
    check_project_name(name)
    layout = MINIMAL if minimal else FULL
    target = Path(folder if folder is not None else name).expanduser().resolve()
    _check_destination(target)
    if layout == FULL:
        _require_database_battery()
    install_from = spruce_source(source)
    setup_and_run = setup_command(install_from, RUN_COMMANDS[layout])
    variables = {
        "project_name": name,
        "project_title": project_title(name),
        "spruce_version": _spruce_version(),
        "setup_and_run": setup_and_run,
        "test_command": TEST_COMMAND,
        "source_note": _source_note(install_from),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{name}.{secrets.token_hex(4)}.spruce-new"
    staging.mkdir()
    try:
        for layer in ("common", layout):
            _render_tree(TEMPLATES_FOLDER / layer, staging, variables)
        _write_private(staging / ".env", env_file_text())
        if layout == FULL:
            from ..db.migrations import init_migrations

            init_migrations(str(staging / name / "migrations"))
        files = sorted(path.relative_to(staging) for path in staging.rglob("*") if path.is_file())
        _move_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return NewProject(
        name=name,
        folder=target,
        layout=layout,
        files=files,
        setup_and_run=setup_and_run,
        test=TEST_COMMAND,
        spruce_source=install_from,
    )


def env_file_text() -> str:
    """The new project's ``.env``: debug mode on and a fresh secret key, for development only."""
    return (
        "# Development settings, read by Spruce at start-up. Keep this file out of version control\n"
        "# (.gitignore lists it) and set real values in the production environment instead.\n"
        "SPRUCE_DEBUG=1\n"
        f"SPRUCE_SECRET_KEY={secrets.token_urlsafe(48)}\n"
    )


def setup_command(source: str | None, run: str = ".venv/bin/spruce run") -> str:
    """Create ``.venv``, install the project with its dev extra (and Spruce from ``source``, a
    local checkout, when given), then ``run``."""
    spruce = f"-e {shlex.quote(source)} " if source else ""
    return f'python3 -m venv .venv && .venv/bin/pip install {spruce}-e ".[dev]" && {run}'


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename the finished project to ``target``. An existing (empty) ``target`` is kept and
    filled instead of replaced: it may be the shell's current folder (``--dir .``)."""
    if not target.exists():
        staging.rename(target)
        return
    moved: list[Path] = []
    try:
        for entry in sorted(staging.iterdir()):
            destination = target / entry.name
            entry.rename(destination)
            moved.append(destination)
    except BaseException:
        for destination in moved:
            if destination.is_dir():
                shutil.rmtree(destination)
            else:
                destination.unlink()
        raise
    staging.rmdir()


def _write_private(path: Path, text: str) -> None:
    """Write ``path`` readable by its owner only (it holds a secret)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def _source_note(source: str | None) -> str:
    if source is None:
        return ""
    return (
        f"\nSpruce is installed from the local checkout at `{source}`, where the Spruce that made "
        "this project came from. Once you install Spruce from a package index instead, drop the "
        f"`-e {shlex.quote(source)}` part.\n"
    )


def _check_destination(target: Path) -> None:
    if target.is_file():
        raise ProjectError(f"{target} is a file; choose another folder with --dir.")
    if target.is_dir() and any(target.iterdir()):
        raise ProjectError(
            f"{target} already exists and is not empty; spruce new never overwrites files. "
            "Choose another name or folder (--dir), or empty that folder first."
        )


def _require_database_battery() -> None:
    try:
        import alembic  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        raise ProjectError(
            f"the full layout uses the database battery, which needs {exc.name}: "
            "pip install 'spruce[db]' (or create a one-file project with --minimal)."
        ) from None


def _spruce_version() -> str:
    from .. import __version__

    return __version__


def _render_tree(source: Path, destination: Path, variables: dict[str, str]) -> None:
    """Copy the template folder ``source`` into ``destination``, rendering ``-tpl`` files."""
    for path in sorted(source.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        parts = [_output_name(part, variables) for part in path.relative_to(source).parts]
        output = destination.joinpath(*parts)
        output.parent.mkdir(parents=True, exist_ok=True)
        if path.name.endswith(TEMPLATE_SUFFIX):
            text = Template(path.read_text(encoding="utf-8")).substitute(variables)
            output.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(path, output)


def _output_name(part: str, variables: dict[str, str]) -> str:
    part = part.removesuffix(TEMPLATE_SUFFIX)
    if part == PROJECT_FOLDER_TOKEN:
        return variables["project_name"]
    return RENAMED.get(part, part)

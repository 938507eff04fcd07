"""The ``spruce`` command group: built-in commands plus the commands the app registers.

The app must be imported to know its commands (``app.add_command``), so ``SpruceGroup`` loads it
lazily, only when a command that is not built in is asked for, or when the help lists commands.
Built-in commands that need no app (``--help``, ``--version``, and commands like ``new``) work
in an empty folder.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from .discovery import AppImportError, AppLocation, NoAppError, find_app, location_of

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = ["APP_META_KEY", "AppLoader", "SpruceGroup", "current_app", "current_loader", "pass_app"]

F = TypeVar("F", bound=Callable[..., Any])
# Where app commands find the app without importing spruce.cli (batteries must not):
# ``click.get_current_context().meta["spruce.app"]``.
APP_META_KEY = "spruce.app"


class AppLoader:
    """Finds and caches the app a CLI invocation works on (the click context object).

    ``spec`` is the ``--app`` value (``None``: ``SPRUCE_APP``, then the default files). Pass
    ``app`` to bind the CLI to an app object you already have (scripts, tests).
    """

    def __init__(self, spec: str | None = None, app: Spruce | None = None) -> None:
        self.spec = spec
        self._app = app
        self._location: AppLocation | None = None
        self.error: click.ClickException | None = None

    def load(self) -> Spruce:
        """The app, imported on first call. Raises ``NoAppError`` or ``AppImportError`` (the same
        error again on later calls: a failing module is imported once)."""
        if self.error is not None:
            raise self.error
        if self._app is None:
            try:
                self._app, self._location = find_app(self.spec)
            except (NoAppError, AppImportError) as exc:
                self.error = exc
                raise
        return self._app

    @property
    def app(self) -> Spruce:
        """The app (``load()`` as an attribute, for commands that duck-type the context object)."""
        return self.load()

    @property
    def location(self) -> AppLocation | None:
        """Where the app can be imported from by name (for reloading and worker processes);
        None for an app object that is not a module-level variable."""
        app = self.load()
        if self._location is None:
            self._location = location_of(app)
        return self._location

    def require_location(self, purpose: str) -> AppLocation:
        """``location``, or a usage error explaining that ``purpose`` needs one."""
        location = self.location
        if location is None:
            raise click.UsageError(
                f"{purpose} imports the app by name, but this app is not a module-level "
                "variable; point --app at module:attr."
            )
        return location


def current_loader() -> AppLoader:
    """The ``AppLoader`` of the running ``spruce`` invocation."""
    return click.get_current_context().ensure_object(AppLoader)


def current_app() -> Spruce:
    """The app of the running ``spruce`` invocation (loaded on first use)."""
    return current_loader().load()


def pass_app(func: F) -> F:
    """Decorate a click command callback to receive the app as its first argument."""

    @functools.wraps(func)
    def with_app(*args: Any, **kwargs: Any) -> Any:
        return func(current_app(), *args, **kwargs)

    return cast(F, with_app)


class SpruceGroup(click.Group):
    """A click group whose commands are the built-in ones plus the app's ``app.commands``.

    A built-in command wins over an app command of the same name. The app is loaded only when a
    non-built-in command is requested or the help lists the commands. App commands find the app
    in ``click.get_current_context().meta["spruce.app"]``.
    """

    def app_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        """The app's commands by name (empty when the app cannot be loaded)."""
        loader = ctx.ensure_object(AppLoader)
        try:
            app = loader.load()
        except click.ClickException:
            return {}
        commands: dict[str, click.Command] = {}
        for entry in app.commands:
            command = entry if isinstance(entry, click.Command) else entry()
            if isinstance(command, click.Command) and command.name:
                commands.setdefault(command.name, command)
        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Built-in command names, then the app's, sorted together."""
        return sorted({*super().list_commands(ctx), *self.app_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A built-in command without loading the app, else the app's command of that name."""
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        loader = ctx.ensure_object(AppLoader)
        try:
            app = loader.load()
        except click.ClickException as exc:
            if ctx.resilient_parsing:
                return None
            raise type(exc)(
                f"No such command {cmd_name!r}: it is not built in, and the app that could "
                f"define it did not load.\n{exc.message}"
            ) from None
        ctx.meta[APP_META_KEY] = app
        return self.app_commands(ctx).get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list, with a note when the app (and so its commands) could not load."""
        super().format_commands(ctx, formatter)
        error = ctx.ensure_object(AppLoader).error
        if error is not None:
            first_line = error.message.strip().splitlines()[0]
            with formatter.section("App commands"):
                formatter.write_text(f"Not listed, the app did not load: {first_line}")

"""Static files: served in development, collected with content hashes for production.

::

    from spruce.staticfiles import static_url

    static_url(app, "css/site.css")      # "/static/css/site.css", or the hashed name once collected

In templates, ``{{ static("css/site.css") }}`` does the same (with the app's mount point).

Where files come from is described in ``spruce.staticfiles.sources``; how they are served (caching,
precompressed copies) in ``spruce.staticfiles.serving``; ``spruce static collect`` in
``spruce.staticfiles.collect``. The app calls ``mount_static_files`` as it starts, adding one
``GET <prefix>/{path:path}`` route per static URL prefix: requests to other paths never reach any
static-file code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .registry import StaticFiles

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = ["StaticFiles", "add_static_command", "mount_static_files", "static_url"]

_COMMAND_KEY = "spruce.static.command"


def static_url(app: Spruce, path: str) -> str:
    """The URL path of the app's static file ``path`` (``"css/site.css"``), content-hashed when
    the files have been collected (and debug is off)."""
    return StaticFiles.of(app).url(path)


def mount_static_files(app: Spruce) -> None:
    """Add the static routes and the ``static`` template global (the app calls this at start)."""
    files = StaticFiles.of(app)
    mounts = files.mounts()
    if not mounts:
        return  # nothing to serve: no route, and templates keep their plain ``static``
    files.register_routes(mounts)
    templates = getattr(app, "templates", None)
    if templates is not None:
        templates.add_global("static", _template_static(files))


def _template_static(files: StaticFiles) -> object:
    from ..requests import current_request

    def static(path: str) -> str:
        """``{{ static("css/site.css") }}``: the file's URL, under the app's mount point."""
        request = current_request()
        root = request.scope.get("root_path", "") if request is not None else ""
        return f"{root}{files.url(path)}"

    return static


def add_static_command(app: Spruce) -> None:
    """Register the ``spruce static`` command group on ``app`` (once)."""
    if app.extensions.get(_COMMAND_KEY):
        return

    def make_command() -> Any:
        from .commands import static_command

        return static_command(app)

    app.add_command(make_command)
    app.extensions[_COMMAND_KEY] = True

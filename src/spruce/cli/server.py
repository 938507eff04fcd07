"""Running an app: the development server (uvicorn, reloading) and the production server (granian).

Both servers are imported only when a server starts, never by ``import spruce``.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from ..exceptions import ImproperlyConfigured
from .discovery import AppLocation, importing_for_cli, load_location, location_of

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = ["display_url", "run_dev_server", "run_production_server"]

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
# Set in the environment of the dev server's reloading child processes: there the user's module
# is imported by the server, and an unguarded ``app.run()`` in it must not start a second server.
_CHILD_MARKER = "_SPRUCE_DEV_SERVER_CHILD"
_preloaded: dict[AppLocation, Spruce] = {}


def display_url(host: str, port: int) -> str:
    """The ``http://`` URL a browser uses for a server bound to ``host:port``."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def run_dev_server(
    app: Spruce,
    host: str = "127.0.0.1",
    port: int = 8000,
    reload: bool = False,
    log_level: str = "info",
    *,
    location: AppLocation | None = None,
    reload_dirs: Sequence[str] = (),
) -> None:
    """Serve ``app`` with uvicorn until interrupted; with ``reload``, restart on code changes.

    Reloading imports the app by name in a child process, so it needs ``location`` (found from
    the loaded modules when not given: the app must be a module-level attribute). Called while
    the ``spruce`` command or the reloader imports the module (an ``app.run()`` without an
    ``if __name__ == "__main__":`` guard), it does nothing: the server is already being started.
    """
    if os.environ.get(_CHILD_MARKER):
        return  # a reloading child importing a script that calls app.run(): already serving
    if importing_for_cli():
        warnings.warn(
            "app.run() was called while the spruce command imported the app; it is ignored. "
            'Guard it with: if __name__ == "__main__":',
            RuntimeWarning,
            stacklevel=3,
        )
        return
    import uvicorn

    if not reload:
        uvicorn.run(app, host=host, port=port, log_level=log_level, lifespan="on")
        return
    location = location or location_of(app)
    if location is None:
        raise ImproperlyConfigured(
            "reload=True needs to import the app by name in a new process, but this app is not "
            "a module-level variable; define it at the top level of a module, or use reload=False"
        )
    with _marked_environment():
        uvicorn.run(
            location.import_string,
            host=host,
            port=port,
            log_level=log_level,
            lifespan="on",
            reload=True,
            reload_dirs=list(reload_dirs) or [location.folder],
            app_dir=location.folder,
            factory=location.factory,
        )


@contextlib.contextmanager
def _marked_environment() -> Iterator[None]:
    previous = os.environ.get(_CHILD_MARKER)
    os.environ[_CHILD_MARKER] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(_CHILD_MARKER, None)
        else:
            os.environ[_CHILD_MARKER] = previous


def run_production_server(
    app: Spruce,
    location: AppLocation,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    threads: int = 1,
    graceful_timeout: int = 30,
    log_level: str = "info",
    access_log: bool = False,
) -> None:
    """Serve the app with granian (ASGI interface, uvloop) in ``workers`` processes.

    On SIGTERM or SIGINT granian stops accepting connections, lets in-flight requests finish,
    runs the app's shutdown, and kills workers still busy after ``graceful_timeout`` seconds.
    Workers forked from this process reuse the already imported ``app``; started afresh they
    import it from ``location``.
    """
    from granian.constants import Interfaces, Loops
    from granian.log import LogLevels
    from granian.server import Server

    _preloaded[location] = app
    server = Server(
        location.import_string,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        runtime_threads=threads,
        loop=Loops.uvloop if _has_uvloop() else Loops.auto,
        log_level=LogLevels(log_level),
        log_access=access_log,
        workers_kill_timeout=graceful_timeout,
    )
    server.serve(target_loader=partial(_worker_app, location), wrap_loader=False)


def _worker_app(location: AppLocation) -> Any:
    """The app in a granian worker: the one imported before forking, else imported anew."""
    app = _preloaded.get(location)
    return app if app is not None else load_location(location)


def _has_uvloop() -> bool:
    import importlib.util

    return importlib.util.find_spec("uvloop") is not None

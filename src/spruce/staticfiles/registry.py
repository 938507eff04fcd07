"""``StaticFiles``: one app's static files — its mounts, its collected folder, its URLs.

Settings (``SPRUCE_STATIC_ROOT``... or fields of your ``Settings`` subclass):

- ``static_root``: the folder ``spruce static collect`` writes to and, once it holds a manifest,
  the folder static files are served from (relative paths start at the working directory).
- ``static_manifest``: the manifest's path, when not ``<static_root>/staticfiles.json``.

In debug mode the manifest is ignored: files are served from the source folders and ``static()``
returns plain names, so an edited file shows at once.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ..config import environment_configures_spruce
from .manifest import MANIFEST_NAME, CollectedFolder, Manifest
from .sources import StaticMount, app_static_url, discover_mounts

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = ["StaticFiles"]

_EXTENSION_KEY = "spruce.static"


class StaticFiles:
    """The static files of ``app``; get it with ``StaticFiles.of(app)``."""

    def __init__(self, app: Spruce) -> None:
        self.app = app
        self._collected: CollectedFolder | None = None
        self._collected_loaded = False

    @classmethod
    def of(cls, app: Spruce) -> StaticFiles:
        """The app's ``StaticFiles`` (created on first use, kept in ``app.extensions``)."""
        files: StaticFiles | None = app.extensions.get(_EXTENSION_KEY)
        if files is None:
            files = app.extensions[_EXTENSION_KEY] = cls(app)
        return files

    # -- configuration --------------------------------------------------------------------------
    def _setting(self, name: str) -> Any:
        app = self.app
        if app._settings is None and not environment_configures_spruce():
            return None  # no settings at all: do not import pydantic just to learn that
        return getattr(app.settings, name, None)

    @property
    def static_root(self) -> str | None:
        """The collected folder (absolute), from the ``static_root`` setting; None when unset."""
        root = self._setting("static_root")
        return os.path.abspath(str(root)) if root else None

    @property
    def manifest_path(self) -> str | None:
        """Where the manifest is read from: ``static_manifest``, else in ``static_root``."""
        manifest = self._setting("static_manifest")
        if manifest:
            return os.path.abspath(str(manifest))
        root = self.static_root
        return os.path.join(root, MANIFEST_NAME) if root else None

    @property
    def collected(self) -> CollectedFolder | None:
        """The collected folder and its manifest when files are served from there (a manifest
        exists and debug is off), else None. Read once."""
        if not self._collected_loaded:
            self._collected = self._load_collected()
            self._collected_loaded = True
        return self._collected

    def _load_collected(self) -> CollectedFolder | None:
        if self.app.debug:
            return None
        path = self.manifest_path
        if path is None or not os.path.isfile(path):
            return None
        root = self.static_root or os.path.dirname(path)
        return CollectedFolder(os.path.realpath(root), Manifest.load(path))

    # -- URLs -----------------------------------------------------------------------------------
    @property
    def url_prefix(self) -> str:
        """The URL of the app's static folder (``/static``)."""
        return app_static_url(self.app)

    def url(self, path: str) -> str:
        """The URL path of static file ``path`` (``"css/site.css"`` -> ``/static/css/site.css``),
        content-hashed when the files have been collected."""
        url = f"{self.url_prefix}/{path.lstrip('/')}"
        collected = self.collected
        if collected is not None:
            hashed = collected.manifest.hashed_path(url[1:])
            if hashed is not None:
                return "/" + hashed
        return url

    # -- serving --------------------------------------------------------------------------------
    def mounts(self) -> list[StaticMount]:
        """The URL prefixes to serve: the source folders', plus the manifest's when collected."""
        mounts = discover_mounts(self.app)
        collected = self.collected
        if collected is not None:
            known = {mount.url for mount in mounts}
            names = {mount.name for mount in mounts}
            for url in collected.manifest.mounts:
                if url not in known:
                    name = "static" if "static" not in names else f"static:{url}"
                    names.add(name)
                    mounts.append(StaticMount(url, name))
        return mounts

    def register_routes(self, mounts: list[StaticMount]) -> None:
        """Add a ``GET <mount>/{path:path}`` route per mount (the app calls this as it starts)."""
        from .serving import StaticHandler

        collected = self.collected
        for mount in mounts:
            self.app.add_route(
                f"{mount.url}/{{path:path}}",
                StaticHandler(mount, collected),
                ("GET",),
                name=mount.name,
                include_in_schema=False,
            )

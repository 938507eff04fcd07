"""Where static files come from, and at which URL each folder is served.

- The app's ``static/`` folder (``Spruce(static_folder=...)``, relative to the app's module) is
  served at ``/static`` (``app.static_url_path`` to change it).
- A router's ``static_folder`` is served at its mount point plus ``/static``: a router included at
  ``/blog`` serves ``/blog/static/...``. ``Router(static_url_path="/assets")`` replaces the
  ``/static`` part; it is relative to the router's mount point too.
- ``app.add_static_dir("admin", folder)`` serves ``folder`` under the app's static URL, as
  ``/static/admin/...``; ``app.add_static_dir("/media", folder)`` serves it at ``/media/...``.

Folders served at the same URL are searched in that order (the app's own folder first, then the
routers', then the added ones), so the app can override any file a battery ships.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .safety import clean_segments, find_file

if TYPE_CHECKING:
    from ..app import Spruce
    from ..routing.router import Router

__all__ = ["StaticMount", "StaticSource", "app_static_url", "discover_mounts"]

DEFAULT_URL = "/static"


@dataclass(frozen=True, slots=True)
class StaticSource:
    """A folder (real path) whose files appear under ``namespace`` (segments) in its mount."""

    folder: str
    namespace: tuple[str, ...] = ()

    def inner_segments(self, segments: list[str]) -> list[str] | None:
        """``segments`` without this source's namespace, or None when they are outside it."""
        size = len(self.namespace)
        if size == 0:
            return segments
        if len(segments) <= size or tuple(segments[:size]) != self.namespace:
            return None
        return segments[size:]


@dataclass(slots=True)
class StaticMount:
    """A URL prefix (``/static``) served from one or more folders; ``name`` is its route name."""

    url: str
    name: str
    sources: list[StaticSource] = field(default_factory=list)

    def find(self, segments: list[str]) -> tuple[str, os.stat_result] | None:
        """The first source's file for ``segments`` (already checked by ``clean_segments``)."""
        for source in self.sources:
            inner = source.inner_segments(segments)
            if inner is not None:
                found = find_file(source.folder, inner)
                if found is not None:
                    return found
        return None

    def files(self) -> Iterator[tuple[str, str]]:
        """Every servable file as ``(path inside the mount, real file path)``; a path shadowed by
        an earlier source is listed once. Hidden files and folders are skipped."""
        seen: set[str] = set()
        for source in self.sources:
            for relative in _walk_visible(source.folder):
                path = "/".join((*source.namespace, relative))
                if path in seen:
                    continue
                segments = clean_segments(path)
                found = self.find(segments) if segments is not None else None
                if found is not None:
                    seen.add(path)
                    yield path, found[0]


def _walk_visible(folder: str) -> Iterator[str]:
    """Relative paths of the non-hidden files under ``folder`` (a real path), sorted; symlinked
    folders are followed while they stay inside ``folder``, each visited once."""
    inside = os.path.join(folder, "")
    visited: set[str] = set()
    for directory, subdirectories, filenames in os.walk(folder, followlinks=True):
        real = os.path.realpath(directory)
        if real in visited or (real != folder and not real.startswith(inside)):
            subdirectories[:] = []
            continue
        visited.add(real)
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        relative_dir = os.path.relpath(directory, folder)
        for filename in sorted(filenames):
            if filename.startswith("."):
                continue
            relative = filename if relative_dir == "." else os.path.join(relative_dir, filename)
            yield relative.replace(os.sep, "/")


def _normalise_url(url: str) -> str:
    url = "/" + url.strip("/")
    return url if url != "/" else DEFAULT_URL


def app_static_url(app: Spruce) -> str:
    """The URL prefix of the app's own static files (``/static`` unless changed)."""
    return _normalise_url(app.static_url_path or DEFAULT_URL)


def _routers(
    router: Router, prefix: str = "", name_prefix: str = "", nested: bool = False
) -> Iterator[tuple[Router, str, str]]:
    """Each router with its full mount prefix and route-name prefix (as ``Router.walk``)."""
    prefix += router.prefix
    if router.name and nested:
        name_prefix = f"{name_prefix}{router.name}."
    yield router, prefix, name_prefix
    for child, child_prefix in router.children:
        yield from _routers(child, prefix + child_prefix, name_prefix, True)


def discover_mounts(app: Spruce) -> list[StaticMount]:
    """The app's static mounts, from its folder, its routers' folders and ``app.static_dirs``.

    Folders that do not exist are skipped.
    """
    mounts: dict[str, StaticMount] = {}
    names: set[str] = set()

    def add(url: str, name: str, source: StaticSource) -> None:
        mount = mounts.get(url)
        if mount is None:
            if name in names:
                name = f"static:{url}"
            names.add(name)
            mount = mounts[url] = StaticMount(url, name)
        if source not in mount.sources:
            mount.sources.append(source)

    main_url = app_static_url(app)
    for router, prefix, name_prefix in _routers(app):
        if not router.static_folder:
            continue
        folder = os.path.join(router.root_path, router.static_folder)
        if not os.path.isdir(folder):
            continue
        if router is app:
            url, name = main_url, "static"
        else:
            url = _normalise_url(prefix + (router.static_url_path or DEFAULT_URL))
            name = f"{name_prefix}static" if router.name else f"static:{url}"
        add(url, name, StaticSource(os.path.realpath(folder)))
    for target, folder in getattr(app, "static_dirs", ()):
        if not os.path.isdir(folder):
            continue
        real = os.path.realpath(folder)
        if target.startswith("/"):
            url = _normalise_url(target)
            add(url, f"static:{url}", StaticSource(real))
        else:
            namespace = tuple(part for part in target.split("/") if part)
            add(main_url, "static", StaticSource(real, namespace))
    return list(mounts.values())

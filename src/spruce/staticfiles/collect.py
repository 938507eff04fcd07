"""``collect_static``: copy every static file into one folder, ready to be served for a year.

For each file of each mount (the app's folder, the routers', the batteries'), the destination
gets, at the file's URL path:

- a copy under its own name and one under a content-hashed name (``site.css`` ->
  ``site.3f2a9c01b7de.css``): a changed file gets a new name, so the old one can be cached forever;
- precompressed ``.gz`` copies (and ``.br`` when the ``brotli`` package is installed) of the files
  worth compressing, when compression saves something;
- in CSS files, ``url(...)`` and ``@import`` references to other collected files rewritten to their
  hashed names (a CSS file referring to another CSS file keeps the plain name when that file is
  collected after it, in alphabetical order);

and finally the manifest (``staticfiles.json``), written last and atomically, so a server reading
it never sees a half-collected folder.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import os
import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..exceptions import ImproperlyConfigured
from ..files import guess_media_type
from ..middleware.gzip import is_compressible_type
from .manifest import ENCODING_SUFFIXES, MANIFEST_NAME, Manifest
from .sources import discover_mounts

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = ["CollectReport", "collect_static", "hashed_name"]

HASH_LENGTH = 12
"""Hex digits of the content hash in a file name."""

MIN_COMPRESS_SIZE = 256
"""Smaller files are not precompressed (the saving would not pay for a second file)."""

_CSS_REFERENCE = re.compile(
    r"""url\(\s*(?P<quote>['"]?)(?P<url>[^'")\s]+)(?P=quote)\s*\)"""
    r"""|@import\s+(?P<iquote>['"])(?P<iurl>[^'"]+)(?P=iquote)"""
)


@dataclass(frozen=True, slots=True)
class CollectReport:
    """What ``collect_static`` did."""

    destination: str
    manifest_path: str
    files: int
    compressed: int


def hashed_name(path: str, content: bytes) -> str:
    """``path`` with a hash of ``content`` before its extension: ``css/site.3f2a9c01b7de.css``."""
    digest = hashlib.blake2b(content, digest_size=HASH_LENGTH // 2).hexdigest()
    folder, name = posixpath.split(path)
    stem, dot, extension = name.rpartition(".")
    new_name = f"{stem}.{digest}.{extension}" if dot and stem else f"{name}.{digest}"
    return posixpath.join(folder, new_name)


def _brotli() -> Any:
    try:
        return importlib.import_module("brotli")
    except ImportError:
        return None


def collect_static(
    app: Spruce,
    destination: str | os.PathLike[str] | None = None,
    *,
    manifest_path: str | os.PathLike[str] | None = None,
    compress: bool = True,
) -> CollectReport:
    """Collect the static files of ``app`` into ``destination`` (default: the ``static_root``
    setting) and write the manifest (default: ``<destination>/staticfiles.json``, or the
    ``static_manifest`` setting when ``destination`` is the configured root)."""
    from .registry import StaticFiles

    settings = StaticFiles.of(app)
    if destination is None:
        destination = settings.static_root
        if destination is None:
            raise ImproperlyConfigured(
                "no folder to collect static files into: set SPRUCE_STATIC_ROOT (or the "
                "static_root setting), or pass a destination (`spruce static collect --dest DIR`)"
            )
        if manifest_path is None:
            manifest_path = settings.manifest_path
    dest = os.path.realpath(os.fspath(destination))
    manifest_file = os.fspath(manifest_path) if manifest_path else os.path.join(dest, MANIFEST_NAME)
    mounts = discover_mounts(app)
    for mount in mounts:
        for source in mount.sources:
            inside = os.path.join(source.folder, "")
            if dest == source.folder or dest.startswith(inside) or inside.startswith(dest + os.sep):
                raise ImproperlyConfigured(
                    f"cannot collect static files into {dest!r}: it overlaps the static folder "
                    f"{source.folder!r}; choose a folder outside the source folders"
                )
    collector = _Collector(dest, _brotli() if compress else None, compress)
    for mount in mounts:
        for path, real in mount.files():
            collector.add(f"{mount.url[1:]}/{path}", real)
    collector.write()
    manifest = Manifest(collector.hashed, collector.compressed, [m.url for m in mounts])
    manifest.save(manifest_file)
    return CollectReport(
        dest, os.path.abspath(manifest_file), len(collector.hashed), collector.compressed_count
    )


class _Collector:
    """Accumulates files (URL path -> source), then writes copies in a safe order."""

    def __init__(self, destination: str, brotli: Any, compress: bool) -> None:
        self.destination = destination
        self.brotli = brotli
        self.compress = compress
        self.sources: dict[str, str] = {}
        self.hashed: dict[str, str] = {}
        self.compressed: dict[str, tuple[str, ...]] = {}

    @property
    def compressed_count(self) -> int:
        """How many collected files got precompressed copies."""
        return sum(1 for url_path in self.sources if url_path in self.compressed)

    def add(self, url_path: str, real_path: str) -> None:
        self.sources.setdefault(url_path, real_path)

    def write(self) -> None:
        # Everything but CSS first, so CSS references can point at hashed names.
        ordered = sorted(self.sources, key=lambda p: (p.endswith(".css"), p))
        for url_path in ordered:
            with open(self.sources[url_path], "rb") as file:
                content = file.read()
            if url_path.endswith(".css"):
                content = self._rewrite_css(url_path, content)
            hashed = hashed_name(url_path, content)
            self.hashed[url_path] = hashed
            self._write_with_variants(url_path, content)
            self._write_with_variants(hashed, content)

    def _rewrite_css(self, url_path: str, content: bytes) -> bytes:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return content
        folder = posixpath.dirname(url_path)

        def replace(found: re.Match[str]) -> str:
            reference = found.group("url") or found.group("iurl")
            new = self._hashed_reference(folder, reference)
            if new is None:
                return found.group(0)
            start, end = found.span("url") if found.group("url") else found.span("iurl")
            offset = found.start()
            whole = found.group(0)
            return whole[: start - offset] + new + whole[end - offset :]

        return _CSS_REFERENCE.sub(replace, text).encode("utf-8")

    def _hashed_reference(self, folder: str, reference: str) -> str | None:
        if reference.startswith(("data:", "#", "//")) or ":" in reference.split("/", 1)[0]:
            return None
        path, mark, rest = _split_suffix(reference)
        if path.startswith("/"):
            target = posixpath.normpath(path[1:])
        else:
            target = posixpath.normpath(posixpath.join(folder, path))
        hashed = self.hashed.get(target)
        if hashed is None:
            return None
        base = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
        return base + posixpath.basename(hashed) + mark + rest

    def _write_with_variants(self, url_path: str, content: bytes) -> None:
        target = os.path.join(self.destination, *url_path.split("/"))
        _write(target, content)
        encodings: list[str] = []
        if (
            self.compress
            and len(content) >= MIN_COMPRESS_SIZE
            and is_compressible_type(guess_media_type(url_path))
        ):
            if self.brotli is not None:
                packed = self.brotli.compress(content, quality=11)
                if len(packed) < len(content):
                    _write(target + ENCODING_SUFFIXES["br"], packed)
                    encodings.append("br")
            packed = gzip.compress(content, compresslevel=9, mtime=0)
            if len(packed) < len(content):
                _write(target + ENCODING_SUFFIXES["gzip"], packed)
                encodings.append("gzip")
        if encodings:
            self.compressed[url_path] = tuple(encodings)


def _split_suffix(reference: str) -> tuple[str, str, str]:
    """``"img/a.png?v=1#x"`` -> ``("img/a.png", "?", "v=1#x")``."""
    cut = min((i for i in (reference.find("?"), reference.find("#")) if i >= 0), default=-1)
    if cut < 0:
        return reference, "", ""
    return reference[:cut], reference[cut], reference[cut + 1 :]


def _write(path: str, content: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as file:
        file.write(content)

"""The manifest ``spruce static collect`` writes: original name -> content-hashed name.

Paths in the manifest are URL paths without the leading slash, which are also the files' paths
inside the collected folder (``static/css/site.css`` -> ``static/css/site.3f2a9c01b7de.css``)::

    {"version": 1,
     "mounts": ["/static"],
     "files": {"static/css/site.css": "static/css/site.3f2a9c01b7de.css"},
     "compressed": {"static/css/site.3f2a9c01b7de.css": ["br", "gzip"], ...}}

``compressed`` lists the precompressed copies written next to a file (``.br``, ``.gz``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import ImproperlyConfigured

__all__ = [
    "ENCODING_SUFFIXES",
    "MANIFEST_NAME",
    "MANIFEST_VERSION",
    "CollectedFolder",
    "Manifest",
]

MANIFEST_NAME = "staticfiles.json"
"""The manifest's file name inside the collected folder (unless ``static_manifest`` says)."""

MANIFEST_VERSION = 1

ENCODING_SUFFIXES = {"br": ".br", "gzip": ".gz"}
"""The file suffix of each precompressed copy, by HTTP content coding."""


@dataclass(slots=True)
class Manifest:
    """The collected files: hashed names, precompressed copies and the URL prefixes served."""

    files: dict[str, str] = field(default_factory=dict)
    compressed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mounts: list[str] = field(default_factory=list)
    hashed: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.hashed = frozenset(self.files.values())

    def hashed_path(self, path: str) -> str | None:
        """The hashed path of ``path`` (no leading slash), or None when it was not collected."""
        return self.files.get(path)

    def is_hashed(self, path: str) -> bool:
        """True when ``path`` is a content-hashed name (its content never changes)."""
        return path in self.hashed

    def to_json(self) -> dict[str, Any]:
        """The manifest as JSON data."""
        return {
            "version": MANIFEST_VERSION,
            "mounts": self.mounts,
            "files": dict(sorted(self.files.items())),
            "compressed": {k: list(v) for k, v in sorted(self.compressed.items())},
        }

    def save(self, path: str) -> None:
        """Write the manifest to ``path`` atomically (a reader never sees half a file)."""
        import tempfile

        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".manifest-", dir=folder)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump(self.to_json(), file, indent=1)
                file.write("\n")
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    @classmethod
    def load(cls, path: str) -> Manifest:
        """Read the manifest at ``path``; a damaged one raises ``ImproperlyConfigured``."""
        try:
            with open(path, encoding="utf-8") as file:
                data = json.load(file)
        except (OSError, ValueError) as exc:
            raise ImproperlyConfigured(
                f"cannot read the static files manifest {path!r} ({exc}); run "
                "`spruce static collect` again"
            ) from exc
        if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
            raise ImproperlyConfigured(
                f"the static files manifest {path!r} is not a version {MANIFEST_VERSION} "
                "manifest; run `spruce static collect` again"
            )
        try:
            files = {str(k): str(v) for k, v in data.get("files", {}).items()}
            compressed = {
                str(k): tuple(str(e) for e in v if e in ENCODING_SUFFIXES)
                for k, v in data.get("compressed", {}).items()
            }
            mounts = [str(m) for m in data.get("mounts", [])]
        except (AttributeError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"the static files manifest {path!r} is malformed ({exc}); run "
                "`spruce static collect` again"
            ) from exc
        return cls(files, compressed, mounts)


@dataclass(frozen=True, slots=True)
class CollectedFolder:
    """The output of ``spruce static collect``: its real path and its manifest."""

    root: str
    manifest: Manifest

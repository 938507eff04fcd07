"""Turning the path part of a static URL into a file inside a folder, and nothing else.

The URL path has been percent-decoded once by the server; it is never decoded again, so a
double-encoded ``%252e%252e`` stays the harmless name ``%2e%2e``. A path is refused (the caller
answers 404) when any segment is empty, ``.``, ``..`` or hidden (starts with a dot), when it holds
a backslash or a NUL byte (or a drive colon on Windows), and when the file it names, symlinks
followed, is not a regular file inside the folder or has a hidden name there.
"""

from __future__ import annotations

import os
import stat

__all__ = ["clean_segments", "find_file"]

_REFUSED_CHARACTERS = ("\\", "\x00") + ((":",) if os.name == "nt" else ())


def clean_segments(path: str) -> list[str] | None:
    """The segments of a relative URL path, or None when the path could leave its folder or
    names a hidden file (see the module docs)."""
    if not path or any(character in path for character in _REFUSED_CHARACTERS):
        return None
    segments = path.split("/")
    for segment in segments:
        if not segment or segment.startswith("."):
            return None
    return segments


def find_file(root: str, segments: list[str]) -> tuple[str, os.stat_result] | None:
    """The real path and ``stat`` of the regular file ``segments`` names inside ``root``, or
    None. ``root`` must already be a real path (``os.path.realpath``). Symlinks are followed, but
    only to files that are inside ``root`` and not hidden there."""
    try:
        real = os.path.realpath(os.path.join(root, *segments))
        prefix = os.path.join(root, "")
        if not real.startswith(prefix):
            return None
        if any(part.startswith(".") for part in real[len(prefix) :].split(os.sep)):
            return None
        file_stat = os.stat(real)
    except (OSError, ValueError):  # too long, not a directory, unencodable name...
        return None
    if not stat.S_ISREG(file_stat.st_mode):
        return None
    return real, file_stat

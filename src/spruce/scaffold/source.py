"""Where the running Spruce comes from, so a new project's README can install the same one.

Until Spruce is on a package index, ``pip install spruce`` finds nothing; a project made by a
Spruce installed from a local checkout (``pip install -e path/to/spruce``) is told to install
Spruce from that checkout. The installation records its origin (``direct_url.json``, PEP 610).
"""

from __future__ import annotations

import json
import os
from urllib.parse import unquote, urlsplit

__all__ = ["SOURCE_ENV_VAR", "installed_from_folder", "spruce_source"]

SOURCE_ENV_VAR = "SPRUCE_SOURCE"


def installed_from_folder(distribution_name: str = "spruce") -> str | None:
    """The local folder ``distribution_name`` was installed from (``pip install [-e] FOLDER``),
    or ``None`` when it came from an index, a wheel or a VCS URL."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        record = distribution(distribution_name).read_text("direct_url.json")
    except PackageNotFoundError:
        return None
    if not record:
        return None
    try:
        origin = json.loads(record)
    except ValueError:
        return None
    url = urlsplit(str(origin.get("url", "")))
    if "dir_info" not in origin or url.scheme != "file":
        return None
    folder = unquote(url.path)
    if not os.path.isfile(os.path.join(folder, "pyproject.toml")):
        return None
    return folder


def spruce_source(explicit: str | None = None) -> str | None:
    """The folder new projects install Spruce from: ``explicit``, else ``$SPRUCE_SOURCE``, else
    the folder the running Spruce was installed from; ``None`` means "from the package index"."""
    chosen = explicit or os.environ.get(SOURCE_ENV_VAR) or installed_from_folder()
    return os.path.abspath(chosen) if chosen else None

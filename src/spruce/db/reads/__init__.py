"""Fast reads: ``prepare()`` a ``select()`` of columns once, run it on the driver directly.

See ``spruce.db.reads.prepared`` and "Fast reads" in docs/database.md.
"""

from __future__ import annotations

from .prepared import PreparedSelect, prepare
from .rows import ReadRow

__all__ = ["PreparedSelect", "ReadRow", "prepare"]

"""``FileBackend``: writes each message to a ``.eml`` file, for development and staging.

The files open in any mail client, so HTML mail can be checked as recipients would see it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ...concurrency import run_sync

if TYPE_CHECKING:
    from ..message import EmailMessage

__all__ = ["FileBackend"]


class FileBackend:
    """Writes each message as ``<UTC time>-<random>.eml`` into ``folder`` (created if needed)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = os.fspath(folder)

    async def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        """Write ``messages`` (in a worker thread) and return how many were written."""
        contents = [message.as_bytes() for message in messages]
        await run_sync(self._write, contents)
        return len(contents)

    def _write(self, contents: list[bytes]) -> None:
        os.makedirs(self.folder, exist_ok=True)
        for content in contents:
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
            path = os.path.join(self.folder, f"{stamp}-{uuid.uuid4().hex[:8]}.eml")
            with open(path, "xb") as file:
                file.write(content)

    def __repr__(self) -> str:
        return f"<FileBackend {self.folder}>"

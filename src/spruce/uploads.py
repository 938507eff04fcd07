"""Uploaded files and the parsed form that holds them.

`UploadFile` keeps a small upload in memory and moves a large one to a temporary file on disk once
it passes a size threshold; its `async` methods do any disk work in Spruce's thread pool, so a
handler never blocks the event loop. `FormData` is the read-only multi-dict that form parsing
returns.

`tempfile` is imported on first use, not here: `import spruce` should not pay for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, TypeAlias

from spruce.concurrency import run_sync

if TYPE_CHECKING:
    from tempfile import SpooledTemporaryFile

__all__ = ["FormData", "FormValue", "UploadFile"]

DEFAULT_SPOOL_THRESHOLD = 1024 * 1024


class UploadFile:
    """An uploaded file: spooled in memory up to a threshold, then on disk.

    The data lives in `file`, a `tempfile.SpooledTemporaryFile`. Use the `async` methods from a
    handler: once the data has moved to disk they run in Spruce's thread pool. `size` counts the
    bytes written so far; `filename` is the client's name for the file with any directory part
    removed (or `None` for a file that was not uploaded by a browser form).
    """

    __slots__ = ("_spool_threshold", "content_type", "file", "filename", "headers", "size")

    filename: str | None
    content_type: str
    headers: list[tuple[str, str]]
    size: int
    file: SpooledTemporaryFile[bytes]

    def __init__(
        self,
        filename: str | None = None,
        *,
        content_type: str = "application/octet-stream",
        headers: Iterable[tuple[str, str]] = (),
        spool_threshold: int = DEFAULT_SPOOL_THRESHOLD,
    ) -> None:
        """Create an empty upload; `spool_threshold` is how many bytes stay in memory."""
        from tempfile import SpooledTemporaryFile

        self.filename = filename
        self.content_type = content_type
        self.headers = list(headers)
        self.size = 0
        # The upload owns the file for its whole life and closes it in `close()`.
        self.file = SpooledTemporaryFile(max_size=spool_threshold)  # noqa: SIM115
        self._spool_threshold = spool_threshold

    @property
    def in_memory(self) -> bool:
        """Whether the data is still held in memory rather than in a file on disk."""
        return not getattr(self.file, "_rolled", True)

    async def read(self, size: int = -1) -> bytes:
        """Read up to `size` bytes (all the rest by default) from the current position."""
        if self.in_memory:
            return self.file.read(size)
        return await run_sync(self.file.read, size)

    async def seek(self, offset: int) -> None:
        """Move the current position to `offset` bytes from the start."""
        if self.in_memory:
            self.file.seek(offset)
        else:
            await run_sync(self.file.seek, offset)

    async def write(self, data: bytes) -> None:
        """Write `data` at the current position, moving the file to disk if it grows too large."""
        if self.in_memory and self.file.tell() + len(data) <= self._spool_threshold:
            self.file.write(data)
        else:
            await run_sync(self._write_and_spill, data)
        self.size += len(data)

    async def close(self) -> None:
        """Close the file; a file on disk is deleted."""
        if self.in_memory:
            self.file.close()
        else:
            await run_sync(self.file.close)

    def _write_and_spill(self, data: bytes) -> None:
        # SpooledTemporaryFile never rolls over when its threshold is 0, so roll explicitly.
        self.file.write(data)
        if self.file.tell() > self._spool_threshold:
            self.file.rollover()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(filename={self.filename!r}, "
            f"content_type={self.content_type!r}, size={self.size})"
        )


FormValue: TypeAlias = str | UploadFile
"""One value of a form: text for an ordinary field, an `UploadFile` for a file field."""


class FormData(Mapping[str, FormValue]):
    """A parsed form: a read-only multi-dict from field names to text or uploaded files.

    Like a `dict`, `form[key]`, `get`, `keys`, `values` and `items` see one value per key, the last
    one sent. `getlist` and `multi_items` see every value, in the order they were sent.
    """

    __slots__ = ("_items", "_last")

    def __init__(
        self, items: Iterable[tuple[str, FormValue]] | Mapping[str, FormValue] = ()
    ) -> None:
        """Build a form from `(name, value)` pairs in order, or from a mapping."""
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: tuple[tuple[str, FormValue], ...] = tuple(pairs)
        self._last: dict[str, FormValue] = dict(self._items)

    def __getitem__(self, key: str) -> FormValue:
        return self._last[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._last)

    def __len__(self) -> int:
        return len(self._last)

    def __contains__(self, key: object) -> bool:
        return key in self._last

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FormData):
            return self._items == other._items
        return NotImplemented

    def getlist(self, key: str) -> list[FormValue]:
        """Every value sent for `key`, in order; an empty list if there is none."""
        return [value for name, value in self._items if name == key]

    def multi_items(self) -> list[tuple[str, FormValue]]:
        """Every `(name, value)` pair, in the order they were sent."""
        return list(self._items)

    def to_dict(self) -> dict[str, FormValue | list[FormValue]]:
        """A plain dict: a key sent once maps to its value, a key sent several times to a list."""
        grouped: dict[str, list[FormValue]] = {}
        for name, value in self._items:
            grouped.setdefault(name, []).append(value)
        return {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}

    def uploads(self) -> list[UploadFile]:
        """Every uploaded file in the form."""
        return [value for _, value in self._items if isinstance(value, UploadFile)]

    async def close(self) -> None:
        """Close every uploaded file, deleting those that were written to disk."""
        for upload in self.uploads():
            await upload.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._items)!r})"

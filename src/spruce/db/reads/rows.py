"""The rows a prepared read returns: tuples whose columns are also attributes and keys.

    row = await WORLD.one(session, id=7)
    row.id, row["id"], row[0]          # the same value
    world_id, number = row              # a tuple: unpacking, len(), ==, hashing
    row._asdict()                       # {"id": 7, "randomnumber": 4242}

A row class is made once per column list and shared by every prepared read with the same
columns. Column names that start with ``_`` or are not identifiers (an unlabeled expression)
are reached by key or index only.
"""

from __future__ import annotations

import functools
import keyword
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

try:  # C attribute access straight into the tuple, as collections.namedtuple uses
    from collections import _tuplegetter  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Pythons

    def _tuplegetter(index: int, doc: str) -> Any:
        return property(operator.itemgetter(index), doc=doc)


__all__ = ["ReadRow", "row_class"]


class ReadRow(tuple[Any, ...]):
    """A row of a prepared read: a tuple with attribute and key access to its columns.

    ``_fields`` holds the column names, ``_asdict()`` gives a dict, ``_mapping`` the same (as
    SQLAlchemy's ``Row._mapping``).
    """

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _index: ClassVar[Mapping[str, int]] = {}

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...

    def __getitem__(self, key: Any) -> Any:
        if key.__class__ is str:
            try:
                key = self._index[key]
            except KeyError:
                raise KeyError(f"no column {key!r} in this row (columns: {self._fields})") from None
        return tuple.__getitem__(self, key)

    def _asdict(self) -> dict[str, Any]:
        """The row as a dict, column name to value."""
        return dict(zip(self._fields, self, strict=True))

    @property
    def _mapping(self) -> dict[str, Any]:
        """The row as a dict (read-only view in spirit; a new dict each time)."""
        return self._asdict()

    def __repr__(self) -> str:
        values = ", ".join(
            f"{name}={value!r}" for name, value in zip(self._fields, self, strict=False)
        )
        return f"ReadRow({values})"

    def __reduce__(self) -> tuple[Callable[..., ReadRow], tuple[Any, ...]]:
        return (_rebuild, (self._fields, tuple(self)))


def _rebuild(fields: tuple[str, ...], values: tuple[Any, ...]) -> ReadRow:
    return row_class(fields)(values)


def _attribute_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_")


@functools.lru_cache(maxsize=512)
def row_class(fields: tuple[str, ...]) -> type[ReadRow]:
    """The ``ReadRow`` subclass for rows with columns ``fields`` (made once per column list).
    A name given twice is reached by key at its first position."""
    index: dict[str, int] = {}
    for position, name in enumerate(fields):
        index.setdefault(name, position)
    namespace: dict[str, Any] = {"__slots__": (), "_fields": fields, "_index": index}
    for name, position in index.items():
        if _attribute_name(name):
            namespace[name] = _tuplegetter(position, f"column {position}: {name}")
    return type("ReadRow", (ReadRow,), namespace)


def make_rows(
    cls: type[ReadRow],
    records: Iterable[Any],
    processors: tuple[tuple[int, Callable[[Any], Any]], ...] | None,
) -> list[ReadRow]:
    """``cls`` rows from driver records, each value passed through its column's processor."""
    new = tuple.__new__
    if not processors:
        return [new(cls, record) for record in records]
    rows = []
    for record in records:
        values = list(record)
        for position, process in processors:
            values[position] = process(values[position])
        rows.append(new(cls, values))
    return rows

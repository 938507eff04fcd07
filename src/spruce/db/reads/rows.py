"""The rows a prepared read returns: small objects whose columns are attributes, keys and
positions.

    row = await WORLD.one(session, id=7)
    row.id, row["id"], row[0]          # the same value
    world_id, number = row              # unpacks like a tuple; len(row), row == (7, 4242)
    row._asdict()                       # {"id": 7, "randomnumber": 4242}
    return row                          # a handler answers {"id": 7, "randomnumber": 4242}

A row class is a slotted dataclass made once per column list (when a prepared read is first
compiled) and shared by every read with the same columns, so JSON encoders that know
dataclasses (orjson, Spruce's responses) write rows as objects. Rows are deliberately not
tuples: a handler returning a tuple means ``(body, status)`` to Spruce. Column names that start
with ``_``, are Python keywords or not identifiers (an unlabeled expression) are reached by key
or position only.
"""

from __future__ import annotations

import dataclasses
import functools
import keyword
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

__all__ = ["ReadRow", "make_rows", "row_class"]


class ReadRow:
    """A row of a prepared read (its class is made per column list; see ``row_class``).

    ``_fields`` holds the column names, ``_asdict()`` gives a dict, ``_mapping`` the same (as
    SQLAlchemy's ``Row._mapping``); it compares equal to a tuple of the same values.
    """

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _index: ClassVar[Mapping[str, int]] = {}

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...

    def _values(self) -> tuple[Any, ...]:
        """The values, in column order (each row class defines it)."""
        raise NotImplementedError

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._fields)

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, str):
            try:
                return self._values()[self._index[key]]
            except KeyError:
                raise KeyError(f"no column {key!r} in this row (columns: {self._fields})") from None
        return self._values()[key]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ReadRow):
            return self._values() == other._values()
        if isinstance(other, tuple):
            return self._values() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def _asdict(self) -> dict[str, Any]:
        """The row as a dict, column name to value."""
        return dict(zip(self._fields, self._values(), strict=True))

    @property
    def _mapping(self) -> dict[str, Any]:
        """The row as a dict (a new one each time)."""
        return self._asdict()

    def __repr__(self) -> str:
        pairs = zip(self._fields, self._values(), strict=True)
        return f"ReadRow({', '.join(f'{name}={value!r}' for name, value in pairs)})"

    def __reduce__(self) -> tuple[Callable[..., ReadRow], tuple[Any, ...]]:
        return (_rebuild, (self._fields, self._values()))


def _rebuild(fields: tuple[str, ...], values: tuple[Any, ...]) -> ReadRow:
    return row_class(fields)(*values)


def _attribute_name(name: str, taken: set[str]) -> bool:
    return (
        name.isidentifier()
        and not keyword.iskeyword(name)
        and not name.startswith("_")
        and name not in taken
    )


@functools.lru_cache(maxsize=512)
def row_class(fields: tuple[str, ...]) -> type[ReadRow]:
    """The ``ReadRow`` class for rows with columns ``fields`` (made once per column list). A
    name given twice is reached by key at its first position."""
    slots: list[str] = []
    index: dict[str, int] = {}
    for position, name in enumerate(fields):
        index.setdefault(name, position)
        slots.append(name if _attribute_name(name, set(slots)) else f"_column_{position}")
    return dataclasses.make_dataclass(
        "ReadRow",
        [(slot, Any) for slot in slots],
        bases=(ReadRow,),
        slots=True,
        eq=False,
        repr=False,
        namespace={"_fields": fields, "_index": index, "_values": _values_method(slots)},
    )


def _values_method(slots: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    if not slots:
        return lambda row: ()
    getter = operator.attrgetter(*slots)
    if len(slots) == 1:  # attrgetter of one name gives the value, not a 1-tuple
        return lambda row: (getter(row),)
    return lambda row: getter(row)


def make_rows(
    cls: type[ReadRow],
    records: Iterable[Any],
    processors: tuple[tuple[int, Callable[[Any], Any]], ...] | None,
) -> list[ReadRow]:
    """``cls`` rows from driver records, each value passed through its column's processor."""
    if not processors:
        return [cls(*record) for record in records]
    rows = []
    for record in records:
        values = list(record)
        for position, process in processors:
            values[position] = process(values[position])
        rows.append(cls(*values))
    return rows

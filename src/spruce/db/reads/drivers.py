"""The drivers prepared reads talk to directly: asyncpg (PostgreSQL) and aiosqlite (SQLite).

Each adapter runs a SQL string with positional parameters on the driver's own connection (the
one SQLAlchemy's pool holds, with every codec SQLAlchemy installed on it), reports the type
codes SQLAlchemy would see in ``cursor.description``, and says whether the connection can be
given back to the pool without waiting (no rollback to send).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from sqlalchemy.engine import Dialect

__all__ = ["Aiosqlite", "Asyncpg", "DriverAdapter", "adapter_for"]


class DriverAdapter:
    """How prepared reads use one driver's connections."""

    name: ClassVar[str] = ""
    returns_without_io: ClassVar[bool] = False
    """True when a connection with no transaction open goes back to the pool without IO."""

    async def fetch(self, connection: Any, sql: str, args: Sequence[Any], first: bool) -> Any:
        """The records of ``sql`` (only the first when ``first``), as a sequence of sequences."""
        raise NotImplementedError

    async def type_codes(self, connection: Any, sql: str, columns: int) -> Sequence[Any]:
        """The DBAPI type code of each result column (what ``cursor.description`` reports)."""
        raise NotImplementedError

    def in_transaction(self, connection: Any) -> bool:
        """True when the server has a transaction open on ``connection``."""
        raise NotImplementedError

    def is_closed(self, connection: Any) -> bool:
        """True when ``connection`` is known to be closed."""
        return False


class Asyncpg(DriverAdapter):
    """asyncpg: ``fetch``/``fetchrow``, which keep asyncpg's own prepared-statement cache."""

    name = "asyncpg"
    returns_without_io = True

    async def fetch(self, connection: Any, sql: str, args: Sequence[Any], first: bool) -> Any:
        if first:
            record = await connection.fetchrow(sql, *args)
            return () if record is None else (record,)
        return await connection.fetch(sql, *args)

    async def type_codes(self, connection: Any, sql: str, columns: int) -> Sequence[Any]:
        statement = await connection.prepare(sql)
        return [attribute.type.oid for attribute in statement.get_attributes()]

    def in_transaction(self, connection: Any) -> bool:
        return bool(connection.is_in_transaction())

    def is_closed(self, connection: Any) -> bool:
        return bool(connection.is_closed())


class Aiosqlite(DriverAdapter):
    """aiosqlite: one trip to its thread per read (``execute_fetchall``)."""

    name = "aiosqlite"
    returns_without_io = False  # SQLAlchemy's pool sends a rollback on return

    async def fetch(self, connection: Any, sql: str, args: Sequence[Any], first: bool) -> Any:
        rows = await connection.execute_fetchall(sql, args)
        return rows[:1] if first else rows

    async def type_codes(self, connection: Any, sql: str, columns: int) -> Sequence[Any]:
        return [None] * columns  # sqlite3 reports no types

    def in_transaction(self, connection: Any) -> bool:
        return bool(connection.in_transaction)


_ADAPTERS: dict[tuple[str, str], DriverAdapter] = {
    ("postgresql", "asyncpg"): Asyncpg(),
    ("sqlite", "aiosqlite"): Aiosqlite(),
}


def adapter_for(dialect: Dialect) -> DriverAdapter | None:
    """The adapter for ``dialect``'s driver, or None when prepared reads go through
    SQLAlchemy's execution for it."""
    return _ADAPTERS.get((dialect.name, dialect.driver))

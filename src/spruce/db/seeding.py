"""Loading demo and test data: ``spruce db seed data.json`` or ``spruce db seed pkg.seeds:run``.

A JSON file maps model names (class or table name) to lists of rows, loaded in file order in one
transaction, through the ORM so defaults and mixins apply::

    {"User": [{"id": 1, "email": "ada@example.com"}],
     "post": [{"title": "Hello", "author_id": 1, "published_at": "2024-05-01T12:00:00Z"}]}

Strings are converted for date/time, UUID and decimal columns. A Python seed function receives an
``AsyncSession`` (``async def run(session)``) or, if it is a plain function, a sync ``Session``
(run through ``session.run_sync``); its work is committed when it returns.
"""

from __future__ import annotations

import datetime as dt
import decimal
import importlib
import inspect
import json
import os
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, insert

from ..concurrency import run_sync
from .exceptions import DbError

if TYPE_CHECKING:
    from .battery import Database

__all__ = ["SeedError", "load_seed_file", "run_seed_function", "seed"]


class SeedError(DbError):
    """The seed data could not be loaded: unknown model, unknown column, bad value."""


_PARSERS: dict[type, Callable[[str], Any]] = {
    dt.datetime: lambda text: dt.datetime.fromisoformat(text.replace("Z", "+00:00")),
    dt.date: dt.date.fromisoformat,
    dt.time: dt.time.fromisoformat,
    uuid.UUID: uuid.UUID,
    decimal.Decimal: decimal.Decimal,
}


def _python_type(column: Any) -> type | None:
    for type_ in (column.type, getattr(column.type, "impl_instance", None)):
        try:
            found = type_.python_type if type_ is not None else None
        except NotImplementedError:
            continue
        if found is not None and found is not object:
            return found  # type: ignore[no-any-return]
    return None


def _convert(table: Table, row: Mapping[str, Any], where: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in row.items():
        if key not in table.c:
            known = ", ".join(table.c.keys())
            raise SeedError(f"{where}: {table.name} has no column {key!r} (columns: {known})")
        parser = _PARSERS.get(_python_type(table.c[key]) or object)
        if parser is not None and isinstance(value, str):
            try:
                value = parser(value)
            except (ValueError, decimal.InvalidOperation) as exc:
                raise SeedError(f"{where}: {key}={value!r} is not valid ({exc})") from None
        values[key] = value
    return values


def _targets(database: Database) -> dict[str, tuple[type | None, Table]]:
    from .models import Model

    found: dict[str, tuple[type | None, Table]] = {}
    for table in database.metadata.tables.values():
        found[table.name] = (None, table)
        found[table.fullname] = (None, table)
    for mapper in Model.registry.mappers:
        local = mapper.local_table
        if isinstance(local, Table) and local.metadata is database.metadata:
            found[mapper.class_.__name__] = (mapper.class_, local)
            found[local.name] = (mapper.class_, local)
    return found


def _read_json(path: str) -> Any:
    with open(path, encoding="utf-8") as file:
        return json.load(file)


async def load_seed_file(database: Database, path: str) -> int:
    """Load the JSON seed file at ``path``; return the number of rows inserted."""
    try:
        data = await run_sync(_read_json, path)
    except (OSError, json.JSONDecodeError) as exc:
        raise SeedError(f"cannot read seed file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise SeedError(f"{path}: expected an object mapping model names to lists of rows")
    database.import_models()
    targets = _targets(database)
    count = 0
    async with database.session() as session:
        for name, rows in data.items():
            if name not in targets:
                raise SeedError(f"{path}: no model or table named {name!r}")
            if not isinstance(rows, list):
                raise SeedError(f"{path}: {name} must be a list of rows")
            model, table = targets[name]
            for index, row in enumerate(rows):
                values = _convert(table, row, f"{path}: {name}[{index}]")
                if model is not None:
                    session.add(model(**values))
                else:
                    await session.execute(insert(table).values(**values))
                count += 1
            await session.flush()
    return count


def _import_function(spec: str) -> Callable[..., Any]:
    module_name, _, attribute = spec.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise SeedError(f"cannot import seed function {spec!r}: {exc}") from None
    if not callable(function):
        raise SeedError(f"{spec!r} is not a function")
    return function  # type: ignore[no-any-return]


async def run_seed_function(database: Database, function: Callable[..., Any]) -> None:
    """Run ``function(session)`` in one committed unit of work."""
    async with database.session() as session:
        if inspect.iscoroutinefunction(function):
            await function(session)
        else:
            await session.run_sync(function)


async def seed(database: Database, source: str) -> str:
    """Seed from a ``.json`` file or a ``module:function``; return a one-line summary."""
    if source.endswith(".json") or await run_sync(os.path.isfile, source):
        count = await load_seed_file(database, source)
        return f"loaded {count} rows from {source}"
    if ":" not in source:
        raise SeedError(f"{source!r} is neither a JSON file nor a module:function")
    await run_seed_function(database, _import_function(source))
    return f"ran {source}"

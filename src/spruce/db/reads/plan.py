"""A prepared read compiled for one dialect: the SQL string, how to turn keyword arguments into
the driver's positional parameters, and how to turn the driver's records into rows.

Everything SQLAlchemy decides per statement is taken from its compiled object once: the SQL
(with the ORM's own additions, such as the discriminator of a single-table subclass), the order
of the parameters, each parameter's bind processor and default, each result column's result
processor. Executing then costs a dictionary lookup per parameter and a function call per
processed value, as it would inside SQLAlchemy, without the rest of its execution machinery.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import CompoundSelect, Select
from sqlalchemy.types import TypeEngine

from .drivers import DriverAdapter
from .rows import ReadRow, row_class

__all__ = ["ReadPlan", "build_plan"]

Processor = Callable[[Any], Any]


class _Slot:
    """One positional parameter: where its value comes from and how it is processed."""

    __slots__ = ("bind", "key", "name", "process")

    def __init__(self, bind: BindParameter[Any], name: str, process: Processor | None) -> None:
        self.bind = bind
        self.key: str = bind.key
        self.name = name
        self.process = process

    def value(self, params: Mapping[str, Any]) -> Any:
        if self.key in params:
            value = params[self.key]
        elif self.name in params:
            value = params[self.name]
        elif self.bind.required:
            raise TypeError(f"missing the value of parameter {self.key!r}")
        elif self.bind.callable is not None:
            value = self.bind.effective_value
        else:
            value = self.bind.value
        return value if self.process is None else self.process(value)


class ReadPlan:
    """What executing a prepared read on one dialect needs, computed once."""

    __slots__ = (
        "adapter",
        "compiled",
        "dialect",
        "expanding",
        "fields",
        "keys",
        "names",
        "processors",
        "result_types",
        "row",
        "simple_keys",
        "slots",
        "sql",
    )

    def __init__(
        self,
        compiled: SQLCompiler,
        fields: tuple[str, ...],
        result_types: list[TypeEngine[Any]],
        adapter: DriverAdapter,
    ) -> None:
        self.adapter = adapter
        self.compiled = compiled
        self.dialect: Dialect = compiled.dialect
        self.sql: str = compiled.string
        self.fields = fields
        self.row: type[ReadRow] = row_class(fields)
        self.expanding = bool(compiled.post_compile_params or compiled.literal_execute_params)
        self.slots = _slots(compiled)
        escaped = compiled.escaped_bind_names
        self.names: frozenset[str] = frozenset(
            name
            for bind, bind_name in compiled.bind_names.items()
            for name in (bind.key, bind_name, escaped.get(bind_name, bind_name))
        )
        # the common case, every parameter a required one given by its own name and passed
        # through as it is: a list comprehension builds the arguments
        simple = not self.expanding and all(
            slot.bind.required and slot.process is None and slot.key == slot.name
            for slot in self.slots
        )
        self.simple_keys: tuple[str, ...] | None = (
            tuple(slot.key for slot in self.slots) if simple else None
        )
        self.keys = frozenset(slot.key for slot in self.slots)
        self.result_types = result_types
        self.processors: tuple[tuple[int, Processor], ...] | None = None

    def arguments(self, params: Mapping[str, Any]) -> tuple[str, Sequence[Any]]:
        """The SQL and its positional parameters for the keyword arguments ``params``."""
        keys = self.simple_keys
        if keys is not None and len(params) == len(self.keys):
            try:
                return self.sql, [params[key] for key in keys]
            except KeyError:
                pass  # say which one below
        self._check_names(params)
        if self.expanding:
            return self._expanded(params)
        return self.sql, [slot.value(params) for slot in self.slots]

    def _check_names(self, params: Mapping[str, Any]) -> None:
        unknown = [name for name in params if name not in self.names]
        if unknown:
            named = sorted(key for key in self.keys if not key.startswith("%("))
            known = ", ".join(named) or "none"
            raise TypeError(
                f"unknown parameter(s) {', '.join(map(repr, unknown))} for this query "
                f"(its parameters: {known})"
            )
        for slot in self.slots:
            if slot.bind.required and slot.key not in params and slot.name not in params:
                raise TypeError(f"missing the value of parameter {slot.key!r}")

    def _expanded(self, params: Mapping[str, Any]) -> tuple[str, Sequence[Any]]:
        """IN lists and other values rendered at execution: SQLAlchemy's expanded state."""
        state = self.compiled.construct_expanded_state(dict(params))
        processors = state.processors
        values = state.parameters
        order = state.positiontup or ()
        arguments = [
            processors[name](values[name]) if name in processors else values[name] for name in order
        ]
        return state.statement, arguments

    def set_result_types(self, type_codes: Sequence[Any]) -> None:
        """Choose each column's result processor for the driver's type codes (one per column,
        ``None`` where the driver reports none, as SQLite's does)."""
        if len(type_codes) != len(self.result_types):
            raise RuntimeError(
                f"the query returns {len(type_codes)} columns, its statement names "
                f"{len(self.result_types)}"
            )
        processors = []
        for position, (type_, code) in enumerate(zip(self.result_types, type_codes, strict=True)):
            process = type_.dialect_impl(self.dialect).result_processor(self.dialect, code)
            if process is not None:
                processors.append((position, process))
        self.processors = tuple(processors)


def _slots(compiled: SQLCompiler) -> tuple[_Slot, ...]:
    escaped = compiled.escaped_bind_names
    by_name: dict[str, BindParameter[Any]] = {}
    for bind, name in compiled.bind_names.items():
        by_name.setdefault(escaped.get(name, name) if escaped else name, bind)
    slots = []
    for name in compiled.positiontup or ():
        bind = by_name[name]
        process = bind.type.dialect_impl(compiled.dialect).bind_processor(compiled.dialect)
        slots.append(_Slot(bind, name, process))
    return tuple(slots)


def build_plan(
    statement: Select[Any] | CompoundSelect[Any], dialect: Dialect, adapter: DriverAdapter
) -> ReadPlan:
    """Compile ``statement`` for ``dialect`` into a ``ReadPlan`` run through ``adapter``."""
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if compiled.positiontup is None:
        raise NotImplementedError(f"{dialect.name}+{dialect.driver} takes named parameters")
    columns = statement.selected_columns
    # the rows' names are SQLAlchemy's own (an unlabeled expression's is meaningless: label it)
    fields = tuple(columns.keys())
    return ReadPlan(compiled, fields, [column.type for column in columns], adapter)

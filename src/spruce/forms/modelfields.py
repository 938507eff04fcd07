"""From a SQLAlchemy model to form fields: each name a model form lists becomes a pydantic field
whose type, nullability, length and choices come from the column, and a ``ModelBinding`` that
says how ``save`` writes it back.

* a column: its Python type (``String(80)`` -> ``str`` with ``max_length=80``, ``Text`` -> a
  textarea, ``Numeric(8, 2)`` -> ``Decimal`` with ``max_digits``/``decimal_places``, ``Enum`` ->
  a select, ``Boolean`` -> a checkbox, dates and times, ``Uuid``); a nullable column is optional,
  a column with a default may be left empty;
* a foreign key (the column, or the many-to-one relationship that uses it): a select of the
  related rows, its value the related primary key;
* a many-to-many relationship: a multi-select of the related rows, a list of primary keys.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from pydantic.fields import FieldInfo
from sqlalchemy import Column, inspect
from sqlalchemy import types as sa_types
from sqlalchemy.orm import ColumnProperty, Mapper, RelationshipDirection, RelationshipProperty

from ..exceptions import ImproperlyConfigured
from .fields import FormOptions, default_label, field

__all__ = ["ModelBinding", "model_field", "verbose_name"]


@dataclass(frozen=True, slots=True)
class ModelBinding:
    """How one form field maps to the model."""

    field: str
    """The form field's name."""
    kind: Literal["column", "foreign_key", "many_to_many"]
    attribute: str
    """The model attribute ``save`` sets (the column's attribute for a foreign key)."""
    column: Column[Any] | None = None
    """The column (for ``column`` and ``foreign_key``)."""
    target: type | None = None
    """The related model (for ``foreign_key`` and ``many_to_many``)."""
    keep_when_empty: bool = False
    """An empty value leaves the column to its default (a non-nullable column with one)."""


_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def verbose_name(model: type) -> str:
    """``BlogAuthor`` -> ``blog author``."""
    return _WORD.sub(" ", model.__name__).lower()


def _python_type(column: Column[Any], where: str) -> Any:
    column_type = column.type
    if isinstance(column_type, sa_types.Enum):
        if column_type.enum_class is not None:
            return column_type.enum_class
        return Literal[tuple(column_type.enums)]
    if isinstance(column_type, (sa_types.JSON, sa_types.ARRAY, sa_types.LargeBinary)):
        raise ImproperlyConfigured(
            f"{where}: a {type(column_type).__name__} column cannot be a form field; declare "
            "the field on the form yourself and set the attribute in your handler"
        )
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return str
    if python_type in (int, float, bool, str, decimal.Decimal, uuid.UUID):
        return python_type
    if python_type in (dt.date, dt.datetime, dt.time):
        return python_type
    if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
        return python_type
    raise ImproperlyConfigured(
        f"{where}: the column type {column_type!r} ({python_type.__name__}) has no form field; "
        "declare the field on the form yourself"
    )


def _constraints(column: Column[Any]) -> dict[str, Any]:
    column_type = column.type
    found: dict[str, Any] = {}
    if isinstance(column_type, sa_types.String) and not isinstance(column_type, sa_types.Enum):
        found["max_length"] = column_type.length or None
    if isinstance(column_type, sa_types.Numeric) and not isinstance(column_type, sa_types.Float):
        found["max_digits"] = column_type.precision
        found["decimal_places"] = column_type.scale
    return {name: value for name, value in found.items() if value is not None}


def _has_default(column: Column[Any]) -> bool:
    return column.default is not None or column.server_default is not None


def _scalar_default(column: Column[Any]) -> Any:
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return getattr(default, "arg", None)
    return None


def _options(name: str, column: Column[Any] | None, meta: Any) -> tuple[Any, Any, Any]:
    """``(label, help_text, widget)`` from ``Meta`` and the column's ``info``."""
    info: Mapping[str, Any] = column.info if column is not None else {}
    label = (getattr(meta, "labels", None) or {}).get(name) or info.get("label")
    help_text = (getattr(meta, "help_texts", None) or {}).get(name) or info.get("help_text")
    if help_text is None and column is not None:
        help_text = column.doc
    widget = (getattr(meta, "widgets", None) or {}).get(name) or info.get("widget")
    return label, help_text, widget


def _column_field(
    name: str, column: Column[Any], meta: Any, where: str
) -> tuple[Any, FieldInfo, bool]:
    python_type = _python_type(column, where)
    label, help_text, widget = _options(name, column, meta)
    if widget is None and isinstance(column.type, sa_types.Text):
        widget = "textarea"
    constraints = _constraints(column)
    keep_when_empty = False
    if column.nullable:
        annotation: Any = python_type | None
        default: Any = _scalar_default(column)
    elif python_type is bool:
        annotation = bool
        scalar = _scalar_default(column)
        default = bool(scalar) if scalar is not None else False
    elif _has_default(column):
        scalar = _scalar_default(column)
        if scalar is not None:
            annotation, default = python_type, scalar
        else:  # a callable or server default: an empty input leaves the column to it
            annotation, default, keep_when_empty = python_type | None, None, True
    else:
        annotation, default = python_type, ...
    info = field(
        default,
        label=label,
        help_text=help_text,
        widget=widget,
        **constraints,
    )
    return annotation, info, keep_when_empty


def _key_type(target: type, where: str) -> Any:
    mapper: Mapper[Any] = inspect(target)
    keys = mapper.primary_key
    if len(keys) != 1:
        raise ImproperlyConfigured(
            f"{where}: {target.__name__} has a composite primary key; a select needs one column"
        )
    return _python_type(cast("Column[Any]", keys[0]), where)


def _relation_field(
    name: str, target: type, nullable: bool, many: bool, meta: Any, where: str
) -> tuple[Any, FieldInfo]:
    key_type = _key_type(target, where)
    label, help_text, widget = _options(name, None, meta)
    if label is None:
        label = default_label(name[:-3] if name.endswith("_id") else name)
    if many:
        info = field(default_factory=list, label=label, help_text=help_text, widget=widget)
        info.metadata.append(FormOptions(kind="multichoice"))
        return list[key_type], info  # type: ignore[valid-type]
    info = field(None if nullable else ..., label=label, help_text=help_text, widget=widget)
    info.metadata.append(FormOptions(kind="choice"))
    return (key_type | None if nullable else key_type), info


def model_field(
    model: type, name: str, meta: Any, form_name: str
) -> tuple[Any, FieldInfo, ModelBinding]:
    """``(annotation, FieldInfo, binding)`` for attribute ``name`` of ``model``."""
    where = f"{form_name}.Meta.fields: {model.__name__}.{name}"
    mapper: Mapper[Any] = inspect(model)
    prop = mapper.attrs.get(name)
    if isinstance(prop, ColumnProperty):
        column = prop.columns[0]
        if not isinstance(column, Column):
            raise ImproperlyConfigured(f"{where} is not a table column")
        if column.primary_key and isinstance(column.type, sa_types.Integer):
            raise ImproperlyConfigured(
                f"{where} is the generated primary key; it cannot be a form field"
            )
        if column.foreign_keys:
            target = _target_of(mapper, column)
            annotation, info = _relation_field(
                name, target, bool(column.nullable), False, meta, where
            )
            return annotation, info, ModelBinding(name, "foreign_key", name, column, target)
        annotation, info, keep = _column_field(name, column, meta, where)
        return annotation, info, ModelBinding(name, "column", name, column, None, keep)
    if isinstance(prop, RelationshipProperty):
        target = prop.mapper.class_
        if prop.direction is RelationshipDirection.MANYTOMANY:
            annotation, info = _relation_field(name, target, True, True, meta, where)
            return annotation, info, ModelBinding(name, "many_to_many", name, None, target)
        if prop.direction is RelationshipDirection.MANYTOONE and len(prop.local_columns) == 1:
            column = cast("Column[Any]", next(iter(prop.local_columns)))
            attribute = mapper.get_property_by_column(column).key
            annotation, info = _relation_field(
                name, target, bool(column.nullable), False, meta, where
            )
            return annotation, info, ModelBinding(name, "foreign_key", attribute, column, target)
        raise ImproperlyConfigured(
            f"{where} is a one-to-many relationship; edit it from the other side's form"
        )
    known = ", ".join(sorted(mapper.attrs.keys()))
    raise ImproperlyConfigured(f"{where} does not exist (attributes: {known})")


def _target_of(mapper: Mapper[Any], column: Column[Any]) -> type:
    foreign_key = next(iter(column.foreign_keys))
    for other in mapper.registry.mappers:
        if foreign_key.references(other.local_table):  # type: ignore[arg-type]
            return other.class_
    raise ImproperlyConfigured(
        f"{mapper.class_.__name__}.{column.key}: no mapped model for the table it refers to "
        f"({foreign_key.target_fullname})"
    )

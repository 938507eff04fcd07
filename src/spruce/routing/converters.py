"""Path converters: ``{id:int}``, ``{slug:slug}``, ``{rest:path}`` and user-registered ones.

A converter says which text a path segment may hold (``regex``), turns that text into a value
(``to_python``) and a value back into text (``to_url``, used by ``url_for``).
"""

from __future__ import annotations

import math
import re
import uuid
from typing import Any, ClassVar

MAX_INT64 = 2**63 - 1

__all__ = [
    "DEFAULT_CONVERTERS",
    "Converter",
    "FloatConverter",
    "IntConverter",
    "PathConverter",
    "SlugConverter",
    "StringConverter",
    "UUIDConverter",
]


class Converter:
    """Base class for path converters; subclass it and register with ``app.add_converter``."""

    regex: ClassVar[str] = "[^/]+"
    python_type: ClassVar[type] = str
    _compiled: ClassVar[re.Pattern[str]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._compiled = re.compile(cls.regex)

    def matches(self, text: str) -> bool:
        """True when ``text`` is a valid value for this converter."""
        return self._compiled.fullmatch(text) is not None

    def to_python(self, text: str) -> Any:
        """Turn matched text into a value (raise ``ValueError`` to refuse it)."""
        return text

    def to_url(self, value: Any) -> str:
        """Turn a value into path text for ``url_for`` (raise ``ValueError`` if it does not fit)."""
        text = str(value)
        if not self.matches(text):
            raise ValueError(f"{value!r} does not match {self.regex!r}")
        return text


class StringConverter(Converter):
    """Any text without a slash (the default)."""

    regex = "[^/]+"


class IntConverter(Converter):
    """A non-negative integer written in ASCII digits, at most 2**63 - 1 (a database BIGINT):
    a larger number is no id of anything, so it does not match (404)."""

    regex = "[0-9]{1,19}"
    python_type = int

    def matches(self, text: str) -> bool:
        return super().matches(text) and (len(text) < 19 or int(text) <= MAX_INT64)

    def to_python(self, text: str) -> int:
        return int(text)

    def to_url(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and self.matches(value):
                return value
            raise ValueError(f"expected an int, got {value!r}")
        if value < 0:
            raise ValueError(f"expected a non-negative int, got {value}")
        return str(value)


class FloatConverter(Converter):
    """A non-negative decimal number (``1``, ``1.5``)."""

    regex = r"[0-9]+(?:\.[0-9]+)?"
    python_type = float

    def to_python(self, text: str) -> float:
        return float(text)

    def to_url(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {value!r}")
        if value < 0 or not math.isfinite(value):
            raise ValueError(f"expected a finite non-negative number, got {value}")
        text = repr(float(value)) if isinstance(value, float) else str(value)
        return text if self.matches(text) else f"{value:f}"


class UUIDConverter(Converter):
    """A UUID in its canonical hyphenated form."""

    regex = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    python_type = uuid.UUID

    def to_python(self, text: str) -> uuid.UUID:
        return uuid.UUID(text)

    def to_url(self, value: Any) -> str:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


class SlugConverter(Converter):
    """ASCII letters, digits, hyphens and underscores."""

    regex = "[-a-zA-Z0-9_]+"


class PathConverter(Converter):
    """The rest of the path, slashes included (only as the last part of a route)."""

    regex = ".+"

    def to_url(self, value: Any) -> str:
        text = str(value)
        if not text:
            raise ValueError("a path parameter cannot be empty")
        return text


DEFAULT_CONVERTERS: dict[str, type[Converter]] = {
    "str": StringConverter,
    "int": IntConverter,
    "float": FloatConverter,
    "uuid": UUIDConverter,
    "slug": SlugConverter,
    "path": PathConverter,
}

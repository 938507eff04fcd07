"""Route path templates: parsing ``/users/{id:int}/posts/{slug}`` once, building URLs back."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..exceptions import ImproperlyConfigured, NoMatch
from .converters import Converter, PathConverter

__all__ = ["MixedSegment", "ParamSegment", "PathTemplate", "StaticSegment"]

_PARAM = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?\}")


@dataclass(frozen=True)
class StaticSegment:
    """A literal path segment."""

    text: str


@dataclass(frozen=True)
class ParamSegment:
    """A whole segment that is one parameter: ``{id:int}``."""

    name: str
    converter: Converter


@dataclass(frozen=True)
class MixedSegment:
    """A segment mixing text and parameters: ``{name}.{ext}``."""

    pattern: re.Pattern[str]
    converters: tuple[tuple[str, Converter], ...]
    source: str

    def match(self, text: str) -> dict[str, Any] | None:
        """The converted parameters when ``text`` matches, else None."""
        found = self.pattern.fullmatch(text)
        if found is None:
            return None
        values: dict[str, Any] = {}
        for name, converter in self.converters:
            try:
                values[name] = converter.to_python(found.group(name))
            except ValueError:
                return None
        return values


Segment = StaticSegment | ParamSegment | MixedSegment


class PathTemplate:
    """A parsed route path.

    ``converters`` maps a converter name to its instance; ``default_for`` gives the converter of a
    parameter written without one (Spruce infers it from the handler's annotation).
    """

    def __init__(
        self,
        path: str,
        converters: Mapping[str, Converter],
        default_for: Mapping[str, Converter] | None = None,
    ) -> None:
        if not path.startswith("/"):
            raise ImproperlyConfigured(f"route path {path!r} must start with '/'")
        self.path = path
        self.param_converters: dict[str, Converter] = {}
        self.segments: list[Segment] = []
        raw_segments = path[1:].split("/")
        for index, raw in enumerate(raw_segments):
            segment = self._parse_segment(raw, converters, default_for or {})
            is_rest = isinstance(segment, ParamSegment) and isinstance(
                segment.converter, PathConverter
            )
            if is_rest and index != len(raw_segments) - 1:
                raise ImproperlyConfigured(
                    f"in route {path!r}, a 'path' parameter must be the last segment"
                )
            self.segments.append(segment)

    @property
    def is_static(self) -> bool:
        """True when the path has no parameters."""
        return not self.param_converters

    def _converter(
        self,
        name: str,
        kind: str | None,
        converters: Mapping[str, Converter],
        default_for: Mapping[str, Converter],
    ) -> Converter:
        if name in self.param_converters:
            raise ImproperlyConfigured(f"route {self.path!r} uses parameter {name!r} twice")
        if kind is None:
            converter = default_for.get(name) or converters["str"]
        else:
            try:
                converter = converters[kind]
            except KeyError:
                known = ", ".join(sorted(converters))
                raise ImproperlyConfigured(
                    f"route {self.path!r}: unknown converter {kind!r} (known: {known}); "
                    "register it with app.add_converter()"
                ) from None
        self.param_converters[name] = converter
        return converter

    def _parse_segment(
        self, raw: str, converters: Mapping[str, Converter], default_for: Mapping[str, Converter]
    ) -> Segment:
        params = list(_PARAM.finditer(raw))
        if not params:
            if "{" in raw or "}" in raw:
                raise ImproperlyConfigured(
                    f"route {self.path!r}: malformed parameter in {raw!r} (use {{name}} or "
                    "{name:converter})"
                )
            return StaticSegment(raw)
        if len(params) == 1 and params[0].group(0) == raw:
            name, kind = params[0].group(1), params[0].group(2)
            return ParamSegment(name, self._converter(name, kind, converters, default_for))
        regex, position, pairs = "", 0, []
        for found in params:
            literal = raw[position : found.start()]
            if "{" in literal or "}" in literal:
                raise ImproperlyConfigured(f"route {self.path!r}: malformed parameter in {raw!r}")
            name, kind = found.group(1), found.group(2)
            converter = self._converter(name, kind, converters, default_for)
            if isinstance(converter, PathConverter):
                raise ImproperlyConfigured(
                    f"route {self.path!r}: a 'path' parameter must be a whole segment"
                )
            regex += re.escape(literal) + f"(?P<{name}>{converter.regex})"
            pairs.append((name, converter))
            position = found.end()
        regex += re.escape(raw[position:])
        return MixedSegment(re.compile(regex), tuple(pairs), raw)

    def build(self, params: Mapping[str, Any], route_name: str) -> str:
        """The path for ``params``; raise ``NoMatch`` naming what is missing or ill-typed."""
        missing = [name for name in self.param_converters if name not in params]
        if missing:
            raise NoMatch(
                f"url_for({route_name!r}): missing parameter(s) {', '.join(missing)} "
                f"for path {self.path!r}"
            )

        def text(name: str) -> str:
            converter = self.param_converters[name]
            try:
                value = converter.to_url(params[name])
            except (ValueError, TypeError) as exc:
                raise NoMatch(f"url_for({route_name!r}): parameter {name!r}: {exc}") from None
            safe = "/" if isinstance(converter, PathConverter) else ""
            return quote(value, safe=safe + "-._~!$&'()*+,;=:@")

        return _PARAM.sub(lambda found: text(found.group(1)), self.path)

"""The dispatch table: static paths in a dict, parameterised ones in a segment trie.

Lookup cost depends on the depth of the path, never on how many routes exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..exceptions import ImproperlyConfigured
from .converters import PathConverter
from .paths import MixedSegment, ParamSegment, PathTemplate, StaticSegment

if TYPE_CHECKING:
    from .routes import Route

__all__ = ["Match", "RouteTable"]

Endpoints = dict[str, "Route"]  # method (or "WEBSOCKET") -> route


@dataclass
class _Node:
    static: dict[str, _Node] = field(default_factory=dict)
    params: list[tuple[ParamSegment | MixedSegment, _Node]] = field(default_factory=list)
    rest: tuple[ParamSegment, _Node] | None = None
    endpoints: Endpoints | None = None

    def child_for(self, segment: StaticSegment | ParamSegment | MixedSegment) -> _Node:
        if isinstance(segment, StaticSegment):
            return self.static.setdefault(segment.text, _Node())
        if isinstance(segment, ParamSegment) and isinstance(segment.converter, PathConverter):
            if self.rest is None:
                self.rest = (segment, _Node())
            return self.rest[1]
        for existing, node in self.params:
            if existing == segment:
                return node
        node = _Node()
        self.params.append((segment, node))
        return node


@dataclass
class Match:
    """The result of a lookup: the endpoints at a path and the converted parameters."""

    endpoints: Endpoints
    params: dict[str, Any]


def _walk(node: _Node, segments: list[str], index: int, params: dict[str, Any]) -> _Node | None:
    if index == len(segments):
        return node if node.endpoints is not None else None
    text = segments[index]
    child = node.static.get(text)
    if child is not None:
        found = _walk(child, segments, index + 1, params)
        if found is not None:
            return found
    for segment, child in node.params:
        if isinstance(segment, ParamSegment):
            converter = segment.converter
            if not converter.matches(text):
                continue
            try:
                values = {segment.name: converter.to_python(text)}
            except ValueError:
                continue
        else:
            matched = segment.match(text)
            if matched is None:
                continue
            values = matched
        found = _walk(child, segments, index + 1, params)
        if found is not None:
            params.update(values)
            return found
    if node.rest is not None:
        segment, child = node.rest
        remainder = "/".join(segments[index:])
        if child.endpoints is not None and segment.converter.matches(remainder):
            params[segment.name] = segment.converter.to_python(remainder)
            return child
    return None


class RouteTable:
    """Every route of an application, compiled for lookup by path."""

    def __init__(self) -> None:
        self._static: dict[str, Endpoints] = {}
        self._root = _Node()

    def add(self, template: PathTemplate, method: str, route: Route) -> None:
        """Register ``route`` for ``method`` at ``template``; a duplicate is a startup error."""
        if template.is_static:
            endpoints = self._static.setdefault(template.path, {})
        else:
            node = self._root
            for segment in template.segments:
                node = node.child_for(segment)
            if node.endpoints is None:
                node.endpoints = {}
            endpoints = node.endpoints
        if method in endpoints:
            other = endpoints[method]
            raise ImproperlyConfigured(
                f"{method} {template.path} is routed twice: to {other.qualname} and to "
                f"{route.qualname}"
            )
        endpoints[method] = route

    @property
    def static_endpoints(self) -> Mapping[str, Endpoints]:
        """The endpoints of the paths without parameters, by path (read only). The request
        pipeline looks a path up here first and calls ``match_parameterised`` only on a miss."""
        return self._static

    def match(self, path: str) -> Match | None:
        """The endpoints and parameters for ``path``, or None."""
        endpoints = self._static.get(path)
        if endpoints is not None:
            return Match(endpoints, {})
        return self.match_parameterised(path)

    def match_parameterised(self, path: str) -> Match | None:
        """The endpoints and converted parameters of the parameterised route for ``path``, or
        None (the paths without parameters are not looked at: see ``static_endpoints``)."""
        if not path.startswith("/"):
            return None
        params: dict[str, Any] = {}
        node = _walk(self._root, path[1:].split("/"), 0, params)
        if node is None or node.endpoints is None:
            return None
        return Match(node.endpoints, params)

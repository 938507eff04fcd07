"""Turning what a handler returns into a ``Response``.

``str`` -> HTML, ``dict``/``list``/pydantic model/dataclass -> JSON, ``bytes`` -> octet-stream,
``None`` -> 204, a ``Response`` as it is, and ``(body, status)`` / ``(body, status, headers)`` /
``(body, headers)`` tuples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .responses import HTMLResponse, JSONResponse, Response, html_response, json_response

__all__ = ["to_response"]

_NO_CONTENT_STATUSES = frozenset({204, 304}) | frozenset(range(100, 200))


class _PydanticJSONResponse(Response):
    media_type = "application/json"


def _from_body(value: Any, status: int, headers: Mapping[str, str] | None) -> Response:
    if isinstance(value, Response):
        value.status_code = status
        if headers:
            for name, header in headers.items():
                value.headers[name] = header
        return value
    if isinstance(value, str):
        return HTMLResponse(value, status, headers)
    if isinstance(value, (dict, list)):
        return JSONResponse(value, status, headers)
    if value is None:
        return Response(None, 204 if status == 200 else status, headers)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Response(bytes(value), status, headers, "application/octet-stream")
    serializer = getattr(type(value), "__pydantic_serializer__", None)
    if serializer is not None:
        return _PydanticJSONResponse(serializer.to_json(value), status, headers)
    if dataclasses.is_dataclass(value):
        return JSONResponse(value, status, headers)
    raise TypeError(
        f"a handler returned {type(value).__name__}; return a str, dict, list, pydantic model, "
        "bytes, None, a Response, or a (body, status[, headers]) tuple"
    )


def to_response(value: Any) -> Response:
    """The ``Response`` for a handler's return value."""
    kind = type(value)
    if kind is dict or kind is list:
        return json_response(value)
    if kind is str:
        return html_response(value)
    if isinstance(value, Response):
        return value
    if isinstance(value, str):
        return HTMLResponse(value)
    if isinstance(value, (dict, list)):
        return JSONResponse(value)
    if isinstance(value, tuple):
        if len(value) == 2 and isinstance(value[1], Mapping):
            return _from_body(value[0], 200, value[1])
        if len(value) in (2, 3) and isinstance(value[1], int):
            headers = value[2] if len(value) == 3 else None
            return _from_body(value[0], value[1], headers)
        raise TypeError(
            "a handler returned a tuple; use (body, status), (body, status, headers) or "
            "(body, headers)"
        )
    return _from_body(value, 200, None)

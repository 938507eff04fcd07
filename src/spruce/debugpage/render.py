"""The debug page in three forms: HTML for browsers, plain text for curl, JSON for API clients.

Every value that reaches the HTML goes through ``html.escape``; the page has no script and loads
nothing from outside.
"""

from __future__ import annotations

import html
import os
import platform
import string
import sys
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from .details import RequestDetails
from .frames import ExceptionInfo, FrameInfo

__all__ = ["render_html", "render_json", "render_text"]

_RELATION_HEADINGS = {
    "cause": "The exception above was raised from this one",
    "context": "The exception above was raised while handling this one",
}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


@cache
def _template() -> string.Template:
    text = resources.files(__package__).joinpath("page.html").read_text(encoding="utf-8")
    return string.Template(text)


def environment() -> list[tuple[str, str]]:
    """Versions and process facts shown at the bottom of the page."""
    from .. import __version__

    return [
        ("Spruce", __version__),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("Executable", sys.executable),
        ("Platform", platform.platform()),
        ("Process", str(os.getpid())),
        ("Time (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")),
    ]


def render_html(chain: list[ExceptionInfo], request: RequestDetails, plain: str) -> str:
    """The full HTML page for an exception chain (the raised exception first)."""
    main = chain[0]
    innermost = main.frames[-1] if main.frames else None
    where = (
        f'<p class="where">in <code>{_e(innermost.function)}</code>, '
        f"<code>{_e(innermost.filename)}</code> line {innermost.lineno}</p>"
        if innermost
        else ""
    )
    header = (
        '<header class="error">'
        f'<p class="kind">Unhandled exception · {_e(request.method)} {_e(request.url)}</p>'
        f"<h1>{_e(main.type_name)}</h1>"
        f'<pre class="message">{_e(main.message)}</pre>{where}</header>'
    )
    sections = []
    for index, info in enumerate(chain):
        heading = (
            "Traceback <small>(most recent call last)</small>"
            if index == 0
            else f"{_e(_RELATION_HEADINGS.get(info.relation or '', 'Related exception'))}: "
            f"<code>{_e(info.type_name)}: {_e(_first_line(info.message))}</code>"
        )
        css = "chain" if index == 0 else "chained"
        sections.append(f'<section class="{css}"><h2>{heading}</h2>{_frames_html(info)}</section>')
    return _template().substitute(
        title=_e(f"{main.type_name}: {_first_line(main.message)}"[:200]),
        header=header,
        chain="\n".join(sections),
        request=_request_html(request),
        environment=_table(environment()),
        plain=_e(plain),
    )


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def _frames_html(info: ExceptionInfo) -> str:
    if not info.frames:
        return '<p class="note">No traceback.</p>'
    parts = []
    if info.omitted_frames:
        parts.append(f'<p class="note">{info.omitted_frames} outer frames not shown.</p>')
    open_any = any(not frame.is_library for frame in info.frames)
    last = len(info.frames) - 1
    for index, frame in enumerate(info.frames):
        opened = (not frame.is_library) or (index == last and not open_any)
        parts.append(_frame_html(frame, opened))
    return "\n".join(parts)


def _frame_html(frame: FrameInfo, opened: bool) -> str:
    kind = "library" if frame.is_library else "app"
    preview = frame.current_line
    summary = (
        f"<summary><code>{_e(frame.filename)}</code>, line {frame.lineno}, in "
        f"<code>{_e(frame.function)}</code>"
        + (f'<code class="preview">{_e(preview)}</code>' if preview else "")
        + "</summary>"
    )
    rows = []
    for line in frame.source:
        text = _e(line.text)
        if line.current and frame.highlight is not None:
            start, end = frame.highlight
            if 0 <= start < end <= len(line.text):
                text = (
                    _e(line.text[:start])
                    + f"<mark>{_e(line.text[start:end])}</mark>"
                    + _e(line.text[end:])
                )
        css = ' class="current"' if line.current else ""
        rows.append(
            f'<tr{css}><td class="lineno">{line.number}</td><td><pre>{text}</pre></td></tr>'
        )
    source = f'<table class="source">{"".join(rows)}</table>' if rows else ""
    local_vars = (
        f'<div class="locals"><h3>Local variables</h3>{_table(frame.local_vars, code=True)}</div>'
        if frame.local_vars
        else ""
    )
    attribute = " open" if opened else ""
    return f'<details class="frame {kind}"{attribute}>{summary}{source}{local_vars}</details>'


def _table(rows: Iterable[tuple[str, str]], code: bool = False) -> str:
    cells = []
    for name, value in rows:
        shown = f"<pre>{_e(value)}</pre>" if code else _e(value)
        cells.append(f"<tr><th>{_e(name)}</th><td>{shown}</td></tr>")
    if not cells:
        return '<p class="note">None.</p>'
    return f'<table class="vars">{"".join(cells)}</table>'


def _request_html(request: RequestDetails) -> str:
    summary = [
        ("Method", request.method),
        ("URL", request.url),
        ("Route", request.route or "no route matched"),
        ("Client", request.client),
    ]
    parts = [_table(summary)]
    if request.path_params:
        parts.append(f"<h3>Path parameters</h3>{_table(request.path_params, code=True)}")
    parts.append(f"<h3>Query</h3>{_table(request.query)}")
    parts.append(f"<h3>Headers</h3>{_table(request.headers)}")
    if request.cookies:
        parts.append(
            f"<h3>Cookies (names only)</h3><p><code>{_e(', '.join(request.cookies))}</code></p>"
        )
    return "\n".join(parts)


def plain_traceback(exc: BaseException) -> str:
    """The traceback exactly as Python prints it (the whole chain)."""
    return "".join(traceback.format_exception(exc))


def render_text(exc: BaseException, chain: list[ExceptionInfo], request: RequestDetails) -> str:
    """The debug page as plain text: the Python traceback, the innermost locals, the request."""
    lines = [plain_traceback(exc).rstrip("\n"), ""]
    main = chain[0]
    if main.frames and main.frames[-1].local_vars:
        frame = main.frames[-1]
        lines.append(f"Local variables in {frame.function} ({frame.filename}:{frame.lineno}):")
        lines.extend(f"    {name} = {value}" for name, value in frame.local_vars)
        lines.append("")
    lines.append(f"Request: {request.method} {request.url}")
    if request.route:
        lines.append(f"Route: {request.route}")
    lines.append(f"Client: {request.client}")
    if request.query:
        lines.append("Query:")
        lines.extend(f"    {key} = {value}" for key, value in request.query)
    lines.append("Headers:")
    lines.extend(f"    {name}: {value}" for name, value in request.headers)
    return "\n".join(lines) + "\n"


def render_json(chain: list[ExceptionInfo], request: RequestDetails) -> dict[str, Any]:
    """The debug page as JSON-ready data."""
    return {
        "detail": "Internal Server Error",
        "debug": {
            "exceptions": [
                {
                    "type": info.type_name,
                    "message": info.message,
                    "relation": info.relation,
                    "frames": [
                        {
                            "file": frame.filename,
                            "line": frame.lineno,
                            "function": frame.function,
                            "code": frame.current_line,
                            "library": frame.is_library,
                            "locals": dict(frame.local_vars),
                        }
                        for frame in info.frames
                    ],
                }
                for info in chain
            ],
            "request": request.as_dict(),
        },
    }

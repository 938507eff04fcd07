"""What the debug page shows of an exception: the chain, each frame's source and local variables.

Values are turned into short, safe text here (``safe_repr``): long reprs are cut, containers are
shortened, a ``repr`` that raises does not break the page, and secrets are replaced by
``********``: values of secret-looking names (``password``, ``api_key``...) whether variables,
dict keys or ``(name, value)`` pairs such as ASGI headers (``(b"cookie", ...)``), ``name=value``
pairs in any text (query strings, keyword reprs) and passwords in URLs (``scheme://user:pw@``).
"""

from __future__ import annotations

import linecache
import os
import re
import reprlib
import sysconfig
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from types import FrameType, TracebackType
from typing import Any

from .secrets import MASK, is_secret_name

__all__ = [
    "ExceptionInfo",
    "FrameInfo",
    "SourceLine",
    "describe_exception",
    "exception_chain",
    "safe_repr",
]

MAX_REPR = 400
"""The longest text shown for one value."""

MAX_LOCALS = 60
"""The most local variables shown per frame."""

MAX_FRAMES = 100
"""The most frames shown per exception (the innermost ones are kept)."""


class _SafeRepr(reprlib.Repr):
    """``reprlib.Repr`` that masks secret dict keys and keeps dict order."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxstring = 160
        self.maxother = 160
        self.maxlong = 60
        self.maxdict = 12
        self.maxlist = 12
        self.maxtuple = 12
        self.maxset = 12
        self.maxfrozenset = 12
        self.maxdeque = 12
        self.maxarray = 12

    def repr_dict(self, x: dict[Any, Any], level: int) -> str:
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        pieces = []
        for key, value in islice(x.items(), self.maxdict):
            shown = MASK if isinstance(key, str) and is_secret_name(key) else None
            pieces.append(f"{self.repr1(key, level - 1)}: {shown or self.repr1(value, level - 1)}")
        if len(x) > self.maxdict:
            pieces.append("...")
        return "{" + ", ".join(pieces) + "}"

    def repr_tuple(self, x: tuple[Any, ...], level: int) -> str:
        if len(x) == 2 and isinstance(x[0], (str, bytes)):  # a (name, value) pair: a header
            name = x[0].decode("latin-1") if isinstance(x[0], bytes) else x[0]
            if is_secret_name(name):
                return f"({self.repr1(x[0], level - 1)}, {MASK})"
        return super().repr_tuple(x, level)

    def repr_bytes(self, x: bytes, level: int) -> str:
        text = repr(x[: self.maxstring])
        return text[:-1] + "...'" if len(x) > self.maxstring else text

    def repr_instance(self, x: Any, level: int) -> str:
        try:
            text = repr(x)
        except Exception as exc:
            return f"<{type(x).__name__} object; repr() failed: {type(exc).__name__}>"
        if len(text) > self.maxother:
            half = (self.maxother - 3) // 2
            text = text[:half] + "..." + text[len(text) - half :]
        return text


_REPR = _SafeRepr()

_ASSIGNMENT = re.compile(r"(?P<name>[A-Za-z0-9_.\-]+)=(?P<value>[^&;\s'\",)]+)")
_URL_PASSWORD = re.compile(r"(?P<user>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s'\"]*:)[^@/\s'\"]+@")


def _mask_text(text: str) -> str:
    """Mask ``token=...``-style pairs (query strings, keyword reprs) and URL passwords."""
    if "=" in text:
        text = _ASSIGNMENT.sub(
            lambda m: f"{m['name']}={MASK}" if is_secret_name(m["name"]) else m[0], text
        )
    if "://" in text:
        text = _URL_PASSWORD.sub(lambda m: f"{m['user']}{MASK}@", text)
    return text


def safe_repr(value: Any, name: str | None = None) -> str:
    """A short, never-failing ``repr`` of ``value``; ``********`` when ``name`` is secret-looking."""
    if name is not None and is_secret_name(name):
        return MASK
    try:
        text = _mask_text(_REPR.repr(value))
    except Exception as exc:  # a broken __len__, __iter__...
        text = f"<{type(value).__name__} object; repr() failed: {type(exc).__name__}>"
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 3] + "..."


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One line of source around a frame's current line."""

    number: int
    text: str
    current: bool


@dataclass(slots=True)
class FrameInfo:
    """One traceback entry, ready to show."""

    filename: str
    lineno: int
    function: str
    source: list[SourceLine]
    highlight: tuple[int, int] | None
    """Character columns of the failing expression on the current line (start, end)."""
    local_vars: list[tuple[str, str]]
    is_library: bool

    @property
    def current_line(self) -> str:
        """The text of the line being run (stripped), or ``""`` without source."""
        return next((line.text.strip() for line in self.source if line.current), "")


@dataclass(slots=True)
class ExceptionInfo:
    """One exception of a chain, with its frames (outermost first)."""

    type_name: str
    message: str
    frames: list[FrameInfo] = field(default_factory=list)
    relation: str | None = None
    """How the exception shown before this one relates to it: ``"cause"`` (``raise ... from``)
    or ``"context"`` (raised while handling this one); ``None`` for the first."""
    omitted_frames: int = 0


def exception_chain(exc: BaseException) -> Iterator[tuple[BaseException, str | None]]:
    """``exc``, then the exceptions behind it (``__cause__``, else ``__context__`` unless
    suppressed), each with how the previous one relates to it. Cycles are cut."""
    seen: set[int] = set()
    current: BaseException | None = exc
    relation: str | None = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current, relation
        if current.__cause__ is not None:
            current, relation = current.__cause__, "cause"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, relation = current.__context__, "context"
        else:
            current = None


def describe_exception(exc: BaseException, context_lines: int = 5) -> list[ExceptionInfo]:
    """The chain of ``exc`` (``exc`` first) with frames, source context and masked locals."""
    described = []
    for item, relation in exception_chain(exc):
        info = ExceptionInfo(_type_name(item), _message(item), relation=relation)
        entries = list(_walk(item.__traceback__))
        if len(entries) > MAX_FRAMES:
            info.omitted_frames = len(entries) - MAX_FRAMES
            entries = entries[-MAX_FRAMES:]
        info.frames = [_frame_info(frame, summary, context_lines) for frame, summary in entries]
        described.append(info)
    return described


def _walk(tb: TracebackType | None) -> Iterator[tuple[FrameType, traceback.FrameSummary]]:
    frames = [frame for frame, _ in traceback.walk_tb(tb)]
    summaries = traceback.extract_tb(tb)  # positions (columns) of each entry
    yield from zip(frames, summaries, strict=False)


def _type_name(exc: BaseException) -> str:
    cls = type(exc)
    if cls.__module__ in ("builtins", "__main__"):
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _message(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:
        return "<str() of the exception failed>"
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        text = "\n".join([text, *(str(note) for note in notes)])
    return text


def _frame_info(frame: FrameType, summary: traceback.FrameSummary, context_lines: int) -> FrameInfo:
    filename = frame.f_code.co_filename
    lineno = summary.lineno or frame.f_lineno or 0
    lines = linecache.getlines(filename, frame.f_globals)
    first = max(1, lineno - context_lines)
    last = min(len(lines), lineno + context_lines)
    source = [
        SourceLine(number, lines[number - 1].rstrip("\r\n"), number == lineno)
        for number in range(first, last + 1)
    ]
    highlight = None
    if (
        summary.colno is not None
        and summary.end_colno is not None
        and summary.end_lineno == lineno
        and 0 < lineno <= len(lines)
    ):
        line = lines[lineno - 1]
        highlight = (_columns(line, summary.colno), _columns(line, summary.end_colno))
    return FrameInfo(
        filename=filename,
        lineno=lineno,
        function=frame.f_code.co_name,
        source=source,
        highlight=highlight,
        local_vars=_locals(frame),
        is_library=_is_library(filename),
    )


def _columns(line: str, byte_offset: int) -> int:
    """Python reports columns as UTF-8 byte offsets; the page needs character offsets."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))


def _locals(frame: FrameType) -> list[tuple[str, str]]:
    try:
        items = list(frame.f_locals.items())
    except Exception:
        return []
    shown = [(name, safe_repr(value, name)) for name, value in items[:MAX_LOCALS]]
    if len(items) > MAX_LOCALS:
        shown.append(("...", f"{len(items) - MAX_LOCALS} more"))
    return shown


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths.get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # spruce itself
    return tuple(os.path.join(root, "") for root in roots if root)


_LIBRARY_ROOTS = _library_roots()


def _is_library(filename: str) -> bool:
    if filename.startswith("<"):  # <frozen importlib...>, <string>
        return filename.startswith("<frozen")
    path = os.path.abspath(filename)
    return path.startswith(_LIBRARY_ROOTS) or "site-packages" in path.split(os.sep)

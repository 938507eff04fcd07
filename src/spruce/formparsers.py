"""Streaming parsers for HTML form bodies: url-encoded and multipart.

The body arrives as an async stream of chunks. Each chunk goes straight to a python-multipart
parser, whose synchronous callbacks are collected and then applied by the code here, which checks
every `FormLimits` as data arrives: an over-limit form is rejected as soon as it passes the limit,
without reading the rest, and an upload passes through memory one chunk at a time on its way into
an `UploadFile`. Bad input raises `FormError`, which carries the HTTP status to answer with.

python-multipart is imported inside the functions that use it, so `import spruce` does not load it.
"""

from __future__ import annotations

import codecs
import enum
from collections.abc import AsyncIterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes

from spruce.uploads import FormData, FormValue, UploadFile

if TYPE_CHECKING:
    from collections.abc import Callable

    from python_multipart.multipart import MultipartCallbacks, QuerystringCallbacks

__all__ = ["FormError", "FormLimits", "parse_form", "parse_multipart", "parse_urlencoded"]

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"

# python-multipart checks the size of each part-header line before this module sees it; its limit is
# raised out of the way so that `FormLimits.max_part_header_size`, checked here for the whole
# header block of a part, is the one that applies and reports a 413 naming itself.
_LIBRARY_HEADER_LINE_LIMIT = 2**62
# python-multipart's own ceiling on boundary length (RFC 2046 asks for at most 70).
_MAX_BOUNDARY_LENGTH = 256


@dataclass(frozen=True)
class FormLimits:
    """Limits on a form body. Past one, parsing stops with a 413 `FormError` naming the limit.

    Sizes are in bytes. Together they bound the memory a form can use: the non-file data, the
    spooled part of each upload, and one chunk of the body at a time.
    """

    max_fields: int = 1000
    """Number of non-file fields."""
    max_files: int = 100
    """Number of uploaded files."""
    max_field_size: int = 1024 * 1024
    """Size of one non-file field (its name or its value)."""
    max_file_size: int = 100 * 1024 * 1024
    """Size of one uploaded file."""
    max_form_memory: int = 2_621_440
    """Total size of all non-file data (2.5 MiB, Django's default)."""
    spool_threshold: int = 1024 * 1024
    """Size past which an `UploadFile` moves from memory to a temporary file on disk."""
    max_part_header_size: int = 16 * 1024
    """Size of the headers of one multipart part."""

    def __post_init__(self) -> None:
        for limit in fields(self):
            value = getattr(self, limit.name)
            if not isinstance(value, int) or value < 0:
                msg = f"FormLimits.{limit.name} must be a non-negative int, not {value!r}"
                raise ValueError(msg)


DEFAULT_LIMITS = FormLimits()


class FormError(Exception):
    """Raised on malformed or over-limit form input.

    `status_code` is the HTTP status to answer with: 400 (malformed), 413 (over a limit) or 415
    (not a form content type). `message` says what was wrong in a sentence fit for the client.
    """

    status_code: int
    message: str

    def __init__(self, message: str, *, status_code: int = 400) -> None:
        """Create the error; `message` is shown to the client."""
        super().__init__(message)
        self.message = message
        self.status_code = status_code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status_code={self.status_code})"


def _too_large(what: str, limit: int, unit: str = " bytes") -> FormError:
    return FormError(f"{what} (limit {limit}{unit})", status_code=413)


def _quoted(name: str) -> str:
    """A client-sent name, safe and short enough to put in an error message."""
    return repr(name if len(name) <= 40 else name[:37] + "...")


async def parse_form(
    content_type_header: str,
    chunks: AsyncIterable[bytes],
    limits: FormLimits = DEFAULT_LIMITS,
) -> FormData:
    """Parse a url-encoded or multipart form body, choosing by the `Content-Type` header.

    Raises `FormError` with status 415 for any other content type.
    """
    media_type = content_type_header.partition(";")[0].strip().lower()
    if media_type == URLENCODED:
        return await parse_urlencoded(chunks, limits)
    if media_type == MULTIPART:
        return await parse_multipart(content_type_header, chunks, limits)
    shown = repr(media_type) if media_type else "no content type"
    raise FormError(f"expected a form ({URLENCODED} or {MULTIPART}), got {shown}", status_code=415)


# --- application/x-www-form-urlencoded ------------------------------------------------------------


async def parse_urlencoded(
    chunks: AsyncIterable[bytes], limits: FormLimits = DEFAULT_LIMITS
) -> FormData:
    """Parse an `application/x-www-form-urlencoded` body.

    `+` and `%XX` escapes are decoded, the text must be UTF-8, blank values are kept, and a key sent
    several times keeps all its values in order.
    """
    from python_multipart import QuerystringParser

    collector = _UrlencodedCollector(limits)
    parser = QuerystringParser(collector.callbacks())
    async for chunk in chunks:
        parser.write(chunk)
    parser.finalize()
    return FormData(collector.items)


class _UrlencodedCollector:
    """Receives the query-string parser's callbacks and turns them into checked, decoded fields."""

    def __init__(self, limits: FormLimits) -> None:
        self.items: list[tuple[str, FormValue]] = []
        self._limits = limits
        self._memory = 0
        self._name = bytearray()
        self._value = bytearray()

    def callbacks(self) -> QuerystringCallbacks:
        return {
            "on_field_start": self._start,
            "on_field_name": lambda data, start, end: self._add(self._name, data[start:end]),
            "on_field_data": lambda data, start, end: self._add(self._value, data[start:end]),
            "on_field_end": self._end,
        }

    def _start(self) -> None:
        if len(self.items) >= self._limits.max_fields:
            raise _too_large("too many fields", self._limits.max_fields, unit="")
        self._name = bytearray()
        self._value = bytearray()

    def _add(self, buffer: bytearray, data: bytes) -> None:
        if len(buffer) + len(data) > self._limits.max_field_size:
            raise _too_large("a form field is too large", self._limits.max_field_size)
        self._memory += len(data)
        if self._memory > self._limits.max_form_memory:
            raise _too_large("the form is too large", self._limits.max_form_memory)
        buffer += data

    def _end(self) -> None:
        self.items.append((_unquote(self._name), _unquote(self._value)))


def _unquote(raw: bytearray) -> str:
    try:
        return unquote_to_bytes(bytes(raw).replace(b"+", b" ")).decode()
    except UnicodeDecodeError:
        raise FormError("the form is not valid UTF-8") from None


# --- multipart/form-data --------------------------------------------------------------------------


async def parse_multipart(
    content_type_header: str,
    chunks: AsyncIterable[bytes],
    limits: FormLimits = DEFAULT_LIMITS,
) -> FormData:
    """Parse a `multipart/form-data` body; the boundary comes from `content_type_header`.

    A part with a `filename` becomes an `UploadFile` (kept even when the filename is empty, as a
    browser sends for "no file chosen"); any other part becomes a text field. A body with no bytes
    at all is an empty form. On any error, the files created so far are closed and deleted.
    """
    from python_multipart import MultipartParser
    from python_multipart.exceptions import MultipartParseError

    builder = _MultipartBuilder(limits)
    events = _EventRecorder()
    parser = MultipartParser(
        _boundary(content_type_header),
        events.callbacks(),
        max_header_size=_LIBRARY_HEADER_LINE_LIMIT,
    )
    empty = True
    try:
        async for chunk in chunks:
            empty = empty and not chunk
            try:
                parser.write(chunk)
            except MultipartParseError as exc:
                raise FormError(f"malformed multipart body: {exc}") from None
            await builder.apply(events.take())
        if not empty:
            builder.check_complete()
    except BaseException:
        builder.discard()
        raise
    return FormData(builder.items)


def _boundary(content_type_header: str) -> bytes:
    from python_multipart.multipart import parse_options_header

    try:
        # Headers are Latin-1 on the wire; the parser relies on it.
        _, params = parse_options_header(content_type_header.encode("latin-1"))
    except UnicodeEncodeError:
        raise FormError("the multipart Content-Type header is not Latin-1 text") from None
    boundary = params.get(b"boundary", b"")
    if not boundary:
        raise FormError("the multipart Content-Type header has no boundary")
    if not _is_valid_boundary(boundary):
        raise FormError("the multipart boundary in the Content-Type header is invalid")
    return boundary


def _is_valid_boundary(boundary: bytes) -> bool:
    """Printable ASCII, not ending in a space, and not absurdly long."""
    printable = all(0x20 <= byte <= 0x7E for byte in boundary)
    return printable and len(boundary) <= _MAX_BOUNDARY_LENGTH and not boundary.endswith(b" ")


class _Event(enum.Enum):
    PART_BEGIN = enum.auto()
    HEADER_FIELD = enum.auto()
    HEADER_VALUE = enum.auto()
    HEADER_END = enum.auto()
    HEADERS_FINISHED = enum.auto()
    PART_DATA = enum.auto()
    PART_END = enum.auto()
    END = enum.auto()


class _EventRecorder:
    """Records the multipart parser's synchronous callbacks so they can be applied asynchronously.

    The parser calls back from inside `write()`, where nothing can be awaited, yet writing an upload
    to disk must be awaited. So the events of one chunk are recorded here, then applied by
    `_MultipartBuilder.apply`.
    """

    def __init__(self) -> None:
        self._events: list[tuple[_Event, bytes]] = []

    def take(self) -> list[tuple[_Event, bytes]]:
        """The events recorded since the last call."""
        events, self._events = self._events, []
        return events

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._notice(_Event.PART_BEGIN),
            "on_header_field": self._data(_Event.HEADER_FIELD),
            "on_header_value": self._data(_Event.HEADER_VALUE),
            "on_header_end": self._notice(_Event.HEADER_END),
            "on_headers_finished": self._notice(_Event.HEADERS_FINISHED),
            "on_part_data": self._data(_Event.PART_DATA),
            "on_part_end": self._notice(_Event.PART_END),
            "on_end": self._notice(_Event.END),
        }

    def _notice(self, event: _Event) -> Callable[[], None]:
        return lambda: self._events.append((event, b""))

    def _data(self, event: _Event) -> Callable[[bytes, int, int], None]:
        return lambda data, start, end: self._events.append((event, data[start:end]))


class _PartHeaders:
    """The headers of the part being read, collected piece by piece as they arrive."""

    __slots__ = ("_name", "_value", "items", "limit", "size")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: list[tuple[bytes, bytes]] = []
        self.size = 0
        self._name = bytearray()
        self._value = bytearray()

    def add_name(self, data: bytes) -> None:
        self._grow(self._name, data)

    def add_value(self, data: bytes) -> None:
        self._grow(self._value, data)

    def _grow(self, buffer: bytearray, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise _too_large("the headers of a multipart part are too large", self.limit)
        buffer += data

    def end_header(self) -> None:
        self.items.append((bytes(self._name).lower(), bytes(self._value).rstrip(b" \t")))
        self._name = bytearray()
        self._value = bytearray()

    def get(self, name: bytes) -> bytes | None:
        """The value of the last header called `name` (lowercase), if any."""
        values = [value for key, value in self.items if key == name]
        return values[-1] if values else None

    def as_text(self) -> list[tuple[str, str]]:
        return [(name.decode("latin-1"), _decode_header_text(value)) for name, value in self.items]


class _FieldPart:
    """A non-file part being read: its value is collected in memory."""

    __slots__ = ("charset", "name", "value")

    def __init__(self, name: str, charset: str) -> None:
        self.name = name
        self.charset = charset
        self.value = bytearray()


class _FilePart:
    """A file part being read: its data goes into `upload`."""

    __slots__ = ("name", "upload")

    def __init__(self, name: str, upload: UploadFile) -> None:
        self.name = name
        self.upload = upload


class _MultipartBuilder:
    """Applies parser events: checks the limits and builds the fields and uploads of the form."""

    def __init__(self, limits: FormLimits) -> None:
        self.items: list[tuple[str, FormValue]] = []
        self._limits = limits
        self._headers = _PartHeaders(limits.max_part_header_size)
        self._part: _FieldPart | _FilePart | None = None
        self._fields = 0
        self._files = 0
        self._memory = 0
        self._finished = False

    async def apply(self, events: list[tuple[_Event, bytes]]) -> None:
        """Apply the events of one chunk, in order."""
        for event, data in events:
            if event is _Event.PART_DATA:
                await self._part_data(data)
            elif event is _Event.PART_END:
                await self._end_part()
            else:
                self._apply_structure(event, data)

    def _apply_structure(self, event: _Event, data: bytes) -> None:
        match event:
            case _Event.PART_BEGIN:
                self._headers = _PartHeaders(self._limits.max_part_header_size)
            case _Event.HEADER_FIELD:
                self._headers.add_name(data)
            case _Event.HEADER_VALUE:
                self._headers.add_value(data)
            case _Event.HEADER_END:
                self._headers.end_header()
            case _Event.HEADERS_FINISHED:
                self._part = self._start_part(self._headers)
            case _Event.END:
                self._finished = True

    def check_complete(self) -> None:
        """Raise unless the body ended with its closing boundary."""
        if not self._finished:
            raise FormError("the multipart body is truncated: the closing boundary is missing")

    def discard(self) -> None:
        """Close and delete every file created so far (after an error)."""
        uploads = [value for _, value in self.items if isinstance(value, UploadFile)]
        if isinstance(self._part, _FilePart):
            uploads.append(self._part.upload)
        for upload in uploads:
            # Synchronous on purpose: this runs while an error, maybe a cancellation, propagates.
            upload.file.close()

    def _start_part(self, headers: _PartHeaders) -> _FieldPart | _FilePart:
        name, filename = _disposition(headers.get(b"content-disposition"))
        media_type, charset = _content_type(headers.get(b"content-type"))
        if filename is None:
            self._count_field()
            return _FieldPart(name, _checked_charset(charset or "utf-8"))
        self._count_file()
        upload = UploadFile(
            _safe_filename(filename),
            content_type=media_type or "application/octet-stream",
            headers=headers.as_text(),
            spool_threshold=self._limits.spool_threshold,
        )
        return _FilePart(name, upload)

    def _count_field(self) -> None:
        if self._fields >= self._limits.max_fields:
            raise _too_large("too many fields", self._limits.max_fields, unit="")
        self._fields += 1

    def _count_file(self) -> None:
        if self._files >= self._limits.max_files:
            raise _too_large("too many files", self._limits.max_files, unit="")
        self._files += 1

    async def _part_data(self, data: bytes) -> None:
        part = self._part
        if isinstance(part, _FilePart):
            await self._add_file_data(part, data)
        elif part is not None:
            self._add_field_data(part, data)

    async def _add_file_data(self, part: _FilePart, data: bytes) -> None:
        limit = self._limits.max_file_size
        if part.upload.size + len(data) > limit:
            raise _too_large(f"file {_quoted(part.name)} is too large", limit)
        await part.upload.write(data)

    def _add_field_data(self, part: _FieldPart, data: bytes) -> None:
        limit = self._limits.max_field_size
        if len(part.value) + len(data) > limit:
            raise _too_large(f"field {_quoted(part.name)} is too large", limit)
        self._memory += len(data)
        if self._memory > self._limits.max_form_memory:
            raise _too_large("the form is too large", self._limits.max_form_memory)
        part.value += data

    async def _end_part(self) -> None:
        part, self._part = self._part, None
        if isinstance(part, _FilePart):
            self.items.append((part.name, part.upload))
            await part.upload.seek(0)
        elif part is not None:
            self.items.append((part.name, _decode_field(part)))


def _disposition(header: bytes | None) -> tuple[str, str | None]:
    """The field name and filename (`None` for a non-file part) from a Content-Disposition."""
    from python_multipart.multipart import parse_options_header

    if header is None:
        raise FormError("a multipart part has no Content-Disposition header")
    kind, params = parse_options_header(header)
    if kind != b"form-data":
        raise FormError("a multipart part is not form-data")
    name = params.get(b"name")
    if name is None:
        raise FormError("a multipart part has no name")
    filename = params.get(b"filename")
    return _decode_header_text(name), None if filename is None else _decode_header_text(filename)


def _content_type(header: bytes | None) -> tuple[str | None, str | None]:
    """The media type and charset of a part's Content-Type, where given."""
    from python_multipart.multipart import parse_options_header

    if header is None:
        return None, None
    media_type, params = parse_options_header(header)
    charset = params.get(b"charset")
    return media_type.decode("latin-1") or None, charset.decode("latin-1") if charset else None


def _checked_charset(charset: str) -> str:
    try:
        return codecs.lookup(charset).name
    except LookupError:
        raise FormError(f"a multipart part has an unknown charset {_quoted(charset)}") from None


def _decode_field(part: _FieldPart) -> str:
    try:
        return part.value.decode(part.charset)
    except UnicodeDecodeError:
        raise FormError(f"field {_quoted(part.name)} is not valid {part.charset}") from None


def _decode_header_text(raw: bytes) -> str:
    """Header text: UTF-8, as browsers send, or else Latin-1, which decodes any bytes."""
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _safe_filename(filename: str) -> str:
    """The client's filename with any directory part and control characters removed.

    Only the last component of a `/` or `\\` path is kept, and `.` or `..` become empty, so the
    name can never point outside a directory it is joined to.
    """
    base = filename.replace("\\", "/").rpartition("/")[2]
    base = base.translate(_CONTROL_CHARACTERS)
    return "" if base in (".", "..") else base


_CONTROL_CHARACTERS = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)])

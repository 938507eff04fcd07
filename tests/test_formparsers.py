"""Tests for spruce.formparsers and spruce.uploads.

Bodies are built by hand as bytes and fed in chunks of 1 byte, 7 bytes and all at once, so every
test of the parsers also proves that a form split anywhere between chunks parses the same.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tracemalloc
from collections.abc import AsyncIterator

import pytest

from spruce import formparsers
from spruce.formparsers import (
    FormError,
    FormLimits,
    parse_form,
    parse_multipart,
    parse_urlencoded,
)
from spruce.uploads import FormData, UploadFile

BOUNDARY = b"----SpruceBoundary7MA4YWxk"
MULTIPART = "multipart/form-data; boundary=" + BOUNDARY.decode()
URLENCODED = "application/x-www-form-urlencoded"
CHUNK_SIZES = [1, 7, None]  # None: the whole body in one chunk


async def stream(body: bytes, size: int | None = None) -> AsyncIterator[bytes]:
    """Yield `body` in chunks of `size` bytes (all at once when `size` is None)."""
    size = size or max(len(body), 1)
    for start in range(0, len(body), size):
        yield body[start : start + size]


def part(
    name: str,
    content: bytes | str,
    *,
    filename: str | None = None,
    content_type: str | None = None,
) -> bytes:
    """One multipart part: its header block, a blank line and its content."""
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    headers = f"Content-Disposition: {disposition}\r\n"
    if content_type is not None:
        headers += f"Content-Type: {content_type}\r\n"
    if isinstance(content, str):
        content = content.encode()
    return headers.encode() + b"\r\n" + content


def opened(content: bytes) -> bytes:
    """`content` after an opening boundary line: the start of a hand-made (maybe broken) body."""
    return b"--" + BOUNDARY + b"\r\n" + content


CLOSE = b"\r\n--" + BOUNDARY + b"--\r\n"


def multipart(*parts: bytes, boundary: bytes = BOUNDARY) -> bytes:
    """A whole multipart body with its closing boundary."""
    body = b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts)
    return body + b"--" + boundary + b"--\r\n"


async def parse_mp(body: bytes, size: int | None = None, **limits: int) -> FormData:
    return await parse_multipart(MULTIPART, stream(body, size), FormLimits(**limits))


async def parse_ue(body: bytes, size: int | None = None, **limits: int) -> FormData:
    return await parse_urlencoded(stream(body, size), FormLimits(**limits))


async def form_error(parsing: object) -> FormError:
    """Await `parsing`, which must raise FormError, and return the error."""
    with pytest.raises(FormError) as info:
        await parsing  # type: ignore[misc]
    return info.value


class Endless:
    """An endless body after a prefix; counts how many chunks the parser pulled."""

    def __init__(self, prefix: bytes, filler: bytes) -> None:
        self.prefix = prefix
        self.filler = filler
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.prefix
        while self.pulled < 100_000:  # a safety net: a passing test stops far sooner
            self.pulled += 1
            yield self.filler


# --- url-encoded ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", CHUNK_SIZES)
async def test_urlencoded_decodes_plus_percent_blanks_and_repeats(size: int | None) -> None:
    body = (
        b"name=J%C3%BCrgen+M%C3%BCller&empty=&flag&tag=a&tag=b&sym=%2B%26%3D+&caf%C3%A9=%E2%9C%93"
    )
    form = await parse_ue(body, size)
    assert form.multi_items() == [
        ("name", "Jürgen Müller"),
        ("empty", ""),
        ("flag", ""),
        ("tag", "a"),
        ("tag", "b"),
        ("sym", "+&= "),
        ("café", "✓"),
    ]
    assert form["tag"] == "b"
    assert form.getlist("tag") == ["a", "b"]


@pytest.mark.parametrize("body", [b"", b"&", b"&&&"])
async def test_urlencoded_empty_bodies_give_an_empty_form(body: bytes) -> None:
    assert len(await parse_ue(body)) == 0


@pytest.mark.parametrize("size", CHUNK_SIZES)
async def test_urlencoded_invalid_utf8_is_400(size: int | None) -> None:
    error = await form_error(parse_ue(b"ok=1&bad=%FF%FE", size))
    assert error.status_code == 400
    assert "UTF-8" in error.message


async def test_urlencoded_field_count_limit() -> None:
    assert len(await parse_ue(b"a=1&b=2&c=3", max_fields=3)) == 3
    error = await form_error(parse_ue(b"a=1&b=2&c=3&d=4", max_fields=3))
    assert (error.status_code, error.message) == (413, "too many fields (limit 3)")


@pytest.mark.parametrize("body", [b"v=" + b"x" * 11, b"x" * 11 + b"=v"])
async def test_urlencoded_field_size_limit_applies_to_names_and_values(body: bytes) -> None:
    assert len(await parse_ue(b"v=" + b"x" * 10, max_field_size=10)) == 1
    error = await form_error(parse_ue(body, 3, max_field_size=10))
    assert error.status_code == 413
    assert "limit 10 bytes" in error.message


async def test_urlencoded_form_memory_limit() -> None:
    body = b"a=12345&b=12345&c=12345"  # 18 bytes of names and values
    assert len(await parse_ue(body, max_form_memory=18)) == 3
    error = await form_error(parse_ue(body, 1, max_form_memory=17))
    assert error.status_code == 413
    assert "limit 17 bytes" in error.message


async def test_urlencoded_huge_value_is_rejected_without_reading_the_rest() -> None:
    body = Endless(b"big=", b"x" * 1024)
    error = await form_error(parse_urlencoded(body, FormLimits(max_field_size=64 * 1024)))
    assert error.status_code == 413
    assert body.pulled == 65  # 64 KiB fit; the next chunk passes the limit


async def test_urlencoded_many_small_fields_are_rejected_early() -> None:
    body = Endless(b"", b"a=1&")
    error = await form_error(parse_urlencoded(body, FormLimits(max_fields=50)))
    assert error.message == "too many fields (limit 50)"
    assert body.pulled == 51


# --- multipart: fields and files ------------------------------------------------------------------

# Data that looks like the start of a boundary must survive being split anywhere.
TRICKY = b"line one\r\n--" + BOUNDARY[:-1] + b"\r\n-\r\n--\r\n\x00\xff" + b"\r" * 3


@pytest.mark.parametrize("size", CHUNK_SIZES)
async def test_multipart_fields_and_files(size: int | None) -> None:
    body = multipart(
        part("title", "Héllo wörld ✓"),
        part("empty", ""),
        part("doc", TRICKY, filename="résumé 📄.pdf", content_type="application/pdf"),
        part("note", "a\r\nb"),
    )
    form = await parse_mp(body, size)
    try:
        assert form["title"] == "Héllo wörld ✓"
        assert form["empty"] == ""
        assert form["note"] == "a\r\nb"
        upload = form["doc"]
        assert isinstance(upload, UploadFile)
        assert upload.filename == "résumé 📄.pdf"
        assert upload.content_type == "application/pdf"
        assert upload.size == len(TRICKY)
        assert await upload.read() == TRICKY
        assert upload.headers == [
            ("content-disposition", 'form-data; name="doc"; filename="résumé 📄.pdf"'),
            ("content-type", "application/pdf"),
        ]
        assert list(form) == ["title", "empty", "doc", "note"]
    finally:
        await form.close()


@pytest.mark.parametrize(
    "header",
    [
        "multipart/form-data; boundary=" + BOUNDARY.decode(),
        'multipart/form-data; boundary="' + BOUNDARY.decode() + '"',
        "Multipart/Form-Data; charset=utf-8; boundary=" + BOUNDARY.decode() + "; x=y",
    ],
)
async def test_multipart_boundary_quoted_or_not(header: str) -> None:
    form = await parse_multipart(header, stream(multipart(part("a", "1"))), FormLimits())
    assert form["a"] == "1"


async def test_multipart_boundary_with_spaces_and_punctuation() -> None:
    boundary = b"a'()+_,-./:=? z"
    header = f'multipart/form-data; boundary="{boundary.decode()}"'
    body = multipart(part("a", "1"), boundary=boundary)
    assert (await parse_multipart(header, stream(body, 1), FormLimits()))["a"] == "1"


async def test_multipart_field_charset_is_honoured() -> None:
    body = multipart(
        part("latin", "café".encode("latin-1"), content_type="text/plain; charset=ISO-8859-1"),
        part("quoted", "ü".encode("utf-16"), content_type='text/plain; charset="utf-16"'),
    )
    form = await parse_mp(body, 7)
    assert form.to_dict() == {"latin": "café", "quoted": "ü"}


async def test_multipart_invalid_field_encoding_is_400() -> None:
    error = await form_error(parse_mp(multipart(part("name", b"\xff\xfe"))))
    assert error.status_code == 400
    assert error.message == "field 'name' is not valid utf-8"


async def test_multipart_unknown_charset_is_400() -> None:
    body = multipart(part("a", "1", content_type="text/plain; charset=no-such-charset"))
    error = await form_error(parse_mp(body))
    assert error.status_code == 400
    assert "no-such-charset" in error.message


async def test_multipart_file_content_type_defaults_to_octet_stream() -> None:
    form = await parse_mp(multipart(part("f", b"\x00\x01", filename="x.bin")))
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert upload.content_type == "application/octet-stream"
    await form.close()


async def test_multipart_empty_file_input_is_kept_as_an_empty_upload() -> None:
    # What a browser sends for a file input with no file chosen.
    body = multipart(
        part("avatar", b"", filename="", content_type="application/octet-stream"),
        part("name", "Ana"),
    )
    form = await parse_mp(body, 1)
    upload = form["avatar"]
    assert isinstance(upload, UploadFile)
    assert (upload.filename, upload.size) == ("", 0)
    assert await upload.read() == b""
    assert form["name"] == "Ana"
    await form.close()


async def test_multipart_repeated_names_keep_every_value_in_order() -> None:
    body = multipart(
        part("tag", "a"),
        part("files", b"1", filename="one.txt"),
        part("tag", "b"),
        part("files", b"2", filename="two.txt"),
    )
    form = await parse_mp(body, 7)
    assert form.getlist("tag") == ["a", "b"]
    files = form.getlist("files")
    assert [f.filename for f in files if isinstance(f, UploadFile)] == ["one.txt", "two.txt"]
    assert [await f.read() for f in files if isinstance(f, UploadFile)] == [b"1", b"2"]
    await form.close()


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/cron.d/evil", "evil"),
        ("C:\\Users\\ana\\photo.jpg", "photo.jpg"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("\\\\server\\share\\x.txt", "x.txt"),
        ("dir/../..", ""),
        ("..", ""),
        ("dir/", ""),
        ("a\x01b\x7fc.txt", "abc.txt"),
        ("family 👨\u200d👩\u200d👧.png", "family 👨\u200d👩\u200d👧.png"),
        ("plain.txt", "plain.txt"),
    ],
)
async def test_multipart_filenames_lose_any_directory_part(sent: str, kept: str) -> None:
    escaped = sent.replace("\\", "\\\\")  # as a quoted-string, like curl and browsers send it
    form = await parse_mp(multipart(part("f", b"data", filename=escaped)))
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert upload.filename == kept
    await form.close()


@pytest.mark.parametrize("size", [7, None])
async def test_multipart_large_file_rolls_to_disk(size: int | None) -> None:
    data = bytes(range(256)) * 40  # 10 KiB
    body = multipart(part("small", b"tiny", filename="s.txt"), part("big", data, filename="b"))
    form = await parse_mp(body, size, spool_threshold=1024)
    small, big = form["small"], form["big"]
    assert isinstance(small, UploadFile) and isinstance(big, UploadFile)
    assert small.in_memory and not small.file._rolled  # type: ignore[attr-defined]
    assert not big.in_memory and big.file._rolled  # type: ignore[attr-defined]
    assert big.size == len(data)
    assert await big.read(100) == data[:100]
    assert await big.read() == data[100:]
    await big.seek(0)
    assert await big.read() == data
    await form.close()
    assert small.file.closed and big.file.closed


async def test_multipart_upload_memory_stays_bounded() -> None:
    """An 8 MiB upload streamed in 64 KiB chunks never holds much more than one chunk."""
    chunk = hashlib.sha256(b"spruce").digest() * 2048  # 64 KiB
    count = 128
    head = opened(part("f", b"", filename="big.bin"))

    async def body() -> AsyncIterator[bytes]:
        yield head
        for _ in range(count):
            yield chunk
        yield CLOSE

    limits = FormLimits(spool_threshold=256 * 1024)
    tracemalloc.start()
    try:
        form = await parse_multipart(MULTIPART, body(), limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert upload.size == len(chunk) * count
    assert not upload.in_memory
    assert peak < 2 * 1024 * 1024
    digest = hashlib.sha256()
    while data := await upload.read(1024 * 1024):
        digest.update(data)
    assert digest.digest() == hashlib.sha256(chunk * count).digest()
    await form.close()


async def test_multipart_empty_bodies_give_an_empty_form() -> None:
    assert len(await parse_mp(b"")) == 0
    assert len(await parse_mp(b"--" + BOUNDARY + b"--\r\n", 1)) == 0


async def test_multipart_ignores_leading_newlines_and_epilogue() -> None:
    body = b"\r\n" + multipart(part("a", "1")) + b"epilogue, ignored\r\n--" + BOUNDARY
    assert (await parse_mp(body, 7)).multi_items() == [("a", "1")]


# --- multipart: limits ----------------------------------------------------------------------------


async def test_multipart_file_count_limit() -> None:
    files = [part(f"f{i}", b"x", filename=f"{i}.txt") for i in range(3)]
    form = await parse_mp(multipart(*files), max_files=3)
    await form.close()
    error = await form_error(parse_mp(multipart(*files), max_files=2))
    assert (error.status_code, error.message) == (413, "too many files (limit 2)")


async def test_multipart_field_count_limit_ignores_files() -> None:
    body = multipart(part("a", "1"), part("f", b"x", filename="f"), part("b", "2"))
    form = await parse_mp(body, max_fields=2)
    await form.close()
    error = await form_error(parse_mp(multipart(part("a", "1"), part("b", "2")), max_fields=1))
    assert (error.status_code, error.message) == (413, "too many fields (limit 1)")


@pytest.mark.parametrize("size", CHUNK_SIZES)
async def test_multipart_file_size_limit(size: int | None) -> None:
    form = await parse_mp(multipart(part("f", b"x" * 100, filename="f")), size, max_file_size=100)
    await form.close()
    body = multipart(part("f", b"x" * 101, filename="f"))
    error = await form_error(parse_mp(body, size, max_file_size=100))
    assert (error.status_code, error.message) == (413, "file 'f' is too large (limit 100 bytes)")


async def test_multipart_field_size_limit() -> None:
    assert (await parse_mp(multipart(part("bio", "x" * 10)), max_field_size=10))["bio"]
    error = await form_error(parse_mp(multipart(part("bio", "x" * 11)), 1, max_field_size=10))
    assert (error.status_code, error.message) == (413, "field 'bio' is too large (limit 10 bytes)")


async def test_multipart_form_memory_limit_counts_fields_not_files() -> None:
    body = multipart(part("a", "x" * 10), part("f", b"y" * 1000, filename="f"), part("b", "x" * 10))
    form = await parse_mp(body, max_form_memory=20)
    await form.close()
    error = await form_error(parse_mp(body, 7, max_form_memory=19))
    assert (error.status_code, error.message) == (413, "the form is too large (limit 19 bytes)")


async def test_multipart_part_header_size_limit() -> None:
    body = multipart(part("a", "1", content_type="text/plain; x=" + "y" * 200))
    assert (await parse_mp(body, max_part_header_size=300))["a"] == "1"
    error = await form_error(parse_mp(body, 7, max_part_header_size=100))
    assert error.status_code == 413
    assert error.message == "the headers of a multipart part are too large (limit 100 bytes)"


async def test_multipart_huge_header_line_in_one_chunk_is_413() -> None:
    body = multipart(part("a", "1", content_type="text/plain; x=" + "y" * 50_000))
    error = await form_error(parse_mp(body))
    assert error.status_code == 413


async def test_multipart_oversized_file_is_rejected_without_reading_the_rest() -> None:
    head = opened(part("f", b"", filename="f"))
    body = Endless(head, b"x" * 1024)
    limits = FormLimits(max_file_size=32 * 1024)
    error = await form_error(parse_multipart(MULTIPART, body, limits))
    assert error.status_code == 413
    assert body.pulled < 40


# --- multipart: malformed input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        'multipart/form-data; boundary=""',
        "multipart/form-data; charset=utf-8",
    ],
)
async def test_multipart_without_a_boundary_is_400(header: str) -> None:
    error = await form_error(parse_multipart(header, stream(b"x"), FormLimits()))
    assert (error.status_code, error.message) == (
        400,
        "the multipart Content-Type header has no boundary",
    )


@pytest.mark.parametrize(
    "boundary",
    ["caf\u00e9", "check\u2713", "ends-in-space ", "x" * 257, "tab\there"],
)
async def test_multipart_invalid_boundary_is_400(boundary: str) -> None:
    header = f'multipart/form-data; boundary="{boundary}"'
    error = await form_error(parse_multipart(header, stream(b"x"), FormLimits()))
    assert error.status_code == 400
    assert "Content-Type header" in error.message


@pytest.mark.parametrize(
    "body",
    [
        b"hello, this is not multipart",
        b"--wrong-boundary\r\n" + part("a", "1") + b"\r\n--wrong-boundary--\r\n",
        opened(b"Bad Header: x\r\n\r\nvalue") + CLOSE,
        opened(b": no name\r\n\r\nvalue") + CLOSE,
        opened(b"Content-Disposition: form-data\rX\r\n\r\n") + CLOSE,
        b"--" + BOUNDARY + b"junk\r\n",
    ],
)
@pytest.mark.parametrize("size", CHUNK_SIZES)
async def test_multipart_garbage_is_400(body: bytes, size: int | None) -> None:
    error = await form_error(parse_mp(body, size))
    assert error.status_code == 400
    assert error.message.startswith("malformed multipart body")


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (b"Content-Type: text/plain\r\n", "a multipart part has no Content-Disposition header"),
        (b"", "a multipart part has no Content-Disposition header"),
        (b'Content-Disposition: attachment; name="a"\r\n', "a multipart part is not form-data"),
        (b'Content-Disposition: form-data; filename="a"\r\n', "a multipart part has no name"),
    ],
)
async def test_multipart_bad_part_headers_are_400(headers: bytes, message: str) -> None:
    body = multipart(headers + b"\r\nvalue")
    error = await form_error(parse_mp(body, 7))
    assert (error.status_code, error.message) == (400, message)


TRUNCATABLE = multipart(part("a", "1"), part("f", b"file data", filename="f.txt"))


@pytest.mark.parametrize("cut", [1, 10, 40, 60, len(TRUNCATABLE) - 20, len(TRUNCATABLE) - 4])
async def test_multipart_truncated_body_is_400(cut: int) -> None:
    error = await form_error(parse_mp(TRUNCATABLE[:cut], 7))
    assert error.status_code == 400
    assert "truncated" in error.message


# --- multipart: temporary files are cleaned up on error -------------------------------------------


class RecordingUploadFile(UploadFile):
    created: list[UploadFile] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.created.append(self)


@pytest.fixture
def created_uploads(monkeypatch: pytest.MonkeyPatch) -> list[UploadFile]:
    monkeypatch.setattr(formparsers, "UploadFile", RecordingUploadFile)
    RecordingUploadFile.created = []
    return RecordingUploadFile.created


@pytest.mark.parametrize(
    ("body", "limits"),
    [
        # over max_files after two complete files, one of them on disk
        (
            multipart(*(part(f"f{i}", b"z" * 2000, filename=f"{i}") for i in range(3))),
            {"max_files": 2, "spool_threshold": 1000},
        ),
        # the second file goes over max_file_size halfway, on disk
        (
            multipart(part("a", b"1", filename="a"), part("b", b"z" * 5000, filename="b")),
            {"max_file_size": 3000, "spool_threshold": 1000},
        ),
        # truncated in the middle of the second file
        (TRUNCATABLE[:-10], {}),
        # malformed after a complete file
        (opened(part("a", b"1", filename="a")) + b"\r\n" + opened(b"Bad Header: x\r\n\r\n"), {}),
    ],
)
async def test_multipart_errors_close_every_created_file(
    created_uploads: list[UploadFile], body: bytes, limits: dict[str, int]
) -> None:
    await form_error(parse_mp(body, 7, **limits))
    assert created_uploads
    assert all(upload.file.closed for upload in created_uploads)


async def test_multipart_cancellation_closes_created_files(
    created_uploads: list[UploadFile],
) -> None:
    import asyncio

    head = opened(part("f", b"", filename="f"))

    async def body() -> AsyncIterator[bytes]:
        yield head + b"some data"
        await asyncio.Event().wait()  # the client stalls
        yield b""

    task = asyncio.ensure_future(parse_multipart(MULTIPART, body(), FormLimits()))
    for _ in range(5):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(created_uploads) == 1
    assert created_uploads[0].file.closed


# --- parse_form -----------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [URLENCODED, "Application/X-WWW-Form-Urlencoded; charset=UTF-8"])
async def test_parse_form_dispatches_urlencoded(header: str) -> None:
    assert (await parse_form(header, stream(b"a=1"), FormLimits()))["a"] == "1"


async def test_parse_form_dispatches_multipart() -> None:
    form = await parse_form(MULTIPART, stream(multipart(part("a", "1"))), FormLimits())
    assert form["a"] == "1"


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        ("application/json", "'application/json'"),
        ("text/plain; charset=utf-8", "'text/plain'"),
        ("", "no content type"),
    ],
)
async def test_parse_form_rejects_other_content_types_with_415(header: str, shown: str) -> None:
    error = await form_error(parse_form(header, stream(b"{}"), FormLimits()))
    assert error.status_code == 415
    assert error.message.endswith("got " + shown)


async def test_parse_form_uses_default_limits() -> None:
    assert (await parse_form(URLENCODED, stream(b"a=1")))["a"] == "1"


# --- FormLimits and FormError ---------------------------------------------------------------------


def test_form_limits_defaults() -> None:
    limits = FormLimits()
    assert limits.max_fields == 1000
    assert limits.max_files == 100
    assert limits.max_field_size == 1024 * 1024
    assert limits.max_file_size == 100 * 1024 * 1024
    assert limits.max_form_memory == 2_621_440
    assert limits.spool_threshold == 1024 * 1024
    assert limits.max_part_header_size == 16 * 1024


def test_form_limits_are_frozen_and_validated() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        FormLimits().max_files = 5  # type: ignore[misc]
    with pytest.raises(ValueError, match="max_files"):
        FormLimits(max_files=-1)
    with pytest.raises(ValueError, match="max_fields"):
        FormLimits(max_fields=1.5)  # type: ignore[arg-type]


def test_form_error_carries_status_and_message() -> None:
    error = FormError("too big", status_code=413)
    assert (error.status_code, error.message, str(error)) == (413, "too big", "too big")
    assert FormError("bad").status_code == 400
    assert repr(error) == "FormError('too big', status_code=413)"


async def test_error_messages_quote_and_shorten_client_names() -> None:
    name = "n\x1b[31m" + "x" * 100
    body = multipart(part(name, "y" * 20))
    error = await form_error(parse_mp(body, max_field_size=10))
    assert "\x1b" not in error.message
    assert len(error.message) < 100


# --- FormData -------------------------------------------------------------------------------------


async def test_form_data_is_a_read_only_multi_dict() -> None:
    upload = UploadFile("a.txt")
    form = FormData([("a", "1"), ("b", "2"), ("a", "3"), ("f", upload)])
    assert form["a"] == "3"
    assert form.get("a") == "3"
    assert form.get("missing") is None
    assert form.get("missing", "d") == "d"
    with pytest.raises(KeyError):
        form["missing"]
    assert form.getlist("a") == ["1", "3"]
    assert form.getlist("missing") == []
    assert list(form.keys()) == ["a", "b", "f"]
    assert list(form) == ["a", "b", "f"]
    assert list(form.items()) == [("a", "3"), ("b", "2"), ("f", upload)]
    assert list(form.values()) == ["3", "2", upload]
    assert form.multi_items() == [("a", "1"), ("b", "2"), ("a", "3"), ("f", upload)]
    assert "a" in form and "zz" not in form and 1 not in form
    assert len(form) == 3
    assert form.to_dict() == {"a": ["1", "3"], "b": "2", "f": upload}
    assert form.uploads() == [upload]
    assert not hasattr(form, "__setitem__")
    assert repr(FormData([("a", "1")])) == "FormData([('a', '1')])"
    await form.close()


def test_form_data_equality_and_construction() -> None:
    assert FormData({"a": "1"}) == FormData([("a", "1")])
    assert FormData([("a", "1"), ("a", "2")]) != FormData([("a", "2")])
    assert FormData() == FormData([])
    assert FormData([("a", "1")]) != {"a": "1"}
    with pytest.raises(TypeError):
        hash(FormData())


async def test_form_data_close_closes_every_file() -> None:
    first, second = UploadFile("1", spool_threshold=0), UploadFile("2")
    await first.write(b"on disk")
    await second.write(b"in memory")
    form = FormData([("f", first), ("text", "x"), ("f", second)])
    await form.close()
    assert first.file.closed and second.file.closed


# --- UploadFile -----------------------------------------------------------------------------------


async def test_upload_file_write_seek_read() -> None:
    upload = UploadFile("notes.txt", content_type="text/plain", headers=[("x-a", "b")])
    await upload.write(b"hello ")
    await upload.write(b"world")
    assert upload.size == 11
    assert upload.in_memory
    await upload.seek(0)
    assert await upload.read(5) == b"hello"
    assert await upload.read() == b" world"
    assert upload.headers == [("x-a", "b")]
    assert repr(upload) == "UploadFile(filename='notes.txt', content_type='text/plain', size=11)"
    await upload.close()
    assert upload.file.closed


async def test_upload_file_rolls_to_disk_past_the_threshold() -> None:
    upload = UploadFile(spool_threshold=10)
    await upload.write(b"x" * 10)
    assert upload.in_memory  # exactly the threshold stays in memory
    await upload.write(b"y")
    assert not upload.in_memory
    await upload.seek(8)
    assert await upload.read() == b"xxy"
    await upload.close()
    assert upload.file.closed


async def test_upload_file_with_zero_threshold_goes_to_disk_on_first_data() -> None:
    upload = UploadFile(spool_threshold=0)
    await upload.write(b"")
    assert upload.in_memory
    await upload.write(b"a")
    assert not upload.in_memory
    await upload.close()


def test_upload_file_defaults() -> None:
    upload = UploadFile()
    assert (upload.filename, upload.content_type, upload.headers, upload.size) == (
        None,
        "application/octet-stream",
        [],
        0,
    )
    upload.file.close()

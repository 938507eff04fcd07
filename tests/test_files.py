"""Tests for spruce.files: FileResponse served through a real ASGI call (httpx's ASGITransport),
plus direct ASGI calls for what a test client cannot show (pathsend, client disconnects)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from spruce import FileResponse, Spruce
from spruce.conditional import http_date
from spruce.files import MAX_RANGES, content_disposition, guess_media_type, parse_byte_ranges

DATA = bytes(range(256)) * 40  # 10 240 bytes, with every byte value (CR LF included)
SIZE = len(DATA)
MTIME = 1_700_000_000  # Tue, 14 Nov 2023 22:13:20 GMT
LAST_MODIFIED = "Tue, 14 Nov 2023 22:13:20 GMT"


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    os.utime(path, (MTIME, MTIME))
    return path


def file_app(path: Path | str, **options: Any) -> Spruce:
    """An app serving ``path`` at ``/file`` (GET, HEAD, POST) and as a 404 page at ``/gone``."""
    app = Spruce()

    @app.get("/file")
    def serve() -> FileResponse:
        return FileResponse(path, **options)

    @app.post("/file")
    def serve_post() -> FileResponse:
        return FileResponse(path, **options)

    @app.get("/gone")
    def gone() -> FileResponse:
        return FileResponse(path, status_code=404, **options)

    return app


async def fetch(
    app: Spruce,
    method: str = "GET",
    url: str = "/file",
    headers: dict[str, str | bytes] | dict[str, str] | dict[str, bytes] | None = None,
    raise_app_exceptions: bool = True,
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        return await client.request(method, url, headers=headers)


def multipart_parts(response: httpx.Response) -> list[tuple[dict[str, str], bytes]]:
    """Split a multipart/byteranges body into (headers, data) parts, checking its framing."""
    content_type = response.headers["content-type"]
    assert content_type.startswith("multipart/byteranges; boundary=")
    delimiter = b"--" + content_type.split("boundary=", 1)[1].encode()
    body = response.content
    assert body.startswith(delimiter + b"\r\n")
    closing = b"\r\n" + delimiter + b"--\r\n"
    assert body.endswith(closing)
    parts = []
    for raw in body[len(delimiter) + 2 : -len(closing)].split(b"\r\n" + delimiter + b"\r\n"):
        head, _, data = raw.partition(b"\r\n\r\n")
        fields = dict(line.decode().split(": ", 1) for line in head.split(b"\r\n"))
        parts.append(({k.lower(): v for k, v in fields.items()}, data))
    return parts


# -- whole file ---------------------------------------------------------------------------------
async def test_get_sends_the_file_with_validators(data_file: Path) -> None:
    response = await fetch(file_app(data_file))
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["content-length"] == str(SIZE)
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["last-modified"] == LAST_MODIFIED
    stat = data_file.stat()
    assert response.headers["etag"] == f'"{stat.st_mtime_ns:x}-{SIZE:x}"'
    assert "content-disposition" not in response.headers


async def test_etag_changes_when_the_file_changes(data_file: Path) -> None:
    app = file_app(data_file)
    before = (await fetch(app)).headers["etag"]
    data_file.write_bytes(DATA + b"more")
    os.utime(data_file, (MTIME, MTIME))  # same mtime: the size still tells them apart
    assert (await fetch(app)).headers["etag"] != before


async def test_text_files_get_utf8_charset(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("héllo")
    response = await fetch(file_app(path))
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "héllo"


async def test_zero_length_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    app = file_app(path)
    response = await fetch(app)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "0"
    assert response.headers["etag"]
    ranged = await fetch(app, headers={"range": "bytes=0-"})
    assert ranged.status_code == 416
    assert ranged.headers["content-range"] == "bytes */0"
    suffix = await fetch(app, headers={"range": "bytes=-5"})
    assert suffix.status_code == 416


async def test_large_file_is_streamed_in_chunks(data_file: Path) -> None:
    response = await fetch(file_app(data_file, chunk_size=1000))
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["content-length"] == str(SIZE)


async def test_head_sends_the_get_headers_without_a_body(data_file: Path) -> None:
    app = file_app(data_file, filename="data.bin")
    get = await fetch(app)
    head = await fetch(app, "HEAD")
    assert head.status_code == 200
    assert head.content == b""
    assert dict(head.headers) == dict(get.headers)
    assert head.headers["content-length"] == str(SIZE)


async def test_status_code_and_extra_headers(data_file: Path) -> None:
    response = await fetch(
        file_app(data_file, headers={"cache-control": "max-age=60", "x-extra": "1"}), url="/gone"
    )
    assert response.status_code == 404
    assert response.content == DATA
    assert response.headers["cache-control"] == "max-age=60"
    assert response.headers["x-extra"] == "1"


async def test_a_given_content_length_is_replaced(data_file: Path) -> None:
    app = file_app(data_file, headers={"content-length": "3"})
    response = await fetch(app, headers={"range": "bytes=0-9"})
    assert response.headers.get_list("content-length") == ["10"]
    assert response.content == DATA[:10]


async def test_own_etag_and_last_modified_headers_win(data_file: Path) -> None:
    app = file_app(
        data_file, headers={"etag": '"mine"', "last-modified": "Mon, 01 Jan 2001 00:00:00 GMT"}
    )
    response = await fetch(app)
    assert response.headers["etag"] == '"mine"'
    assert response.headers["last-modified"] == "Mon, 01 Jan 2001 00:00:00 GMT"
    assert (await fetch(app, headers={"if-none-match": '"mine"'})).status_code == 304


async def test_stat_result_sets_validators_at_construction(data_file: Path) -> None:
    stat = data_file.stat()
    response = FileResponse(data_file, stat_result=stat)
    assert response.headers["etag"] == f'"{stat.st_mtime_ns:x}-{SIZE:x}"'
    assert response.headers["last-modified"] == LAST_MODIFIED
    app = Spruce()
    app.get("/file")(lambda: FileResponse(data_file, stat_result=stat))
    assert (await fetch(app)).content == DATA


# -- media type and Content-Disposition ---------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("photo.png", "image/png"),
        ("page.html", "text/html"),
        ("data.json", "application/json"),
        ("archive.tar.gz", "application/gzip"),
        ("notes.txt.br", "application/x-brotli"),
        ("mystery.zzzunknown", "application/octet-stream"),
        ("no_extension", "application/octet-stream"),
    ],
)
def test_guess_media_type(name: str, expected: str) -> None:
    assert guess_media_type(name) == expected


async def test_media_type_from_filename_and_explicit(data_file: Path) -> None:
    by_name = await fetch(file_app(data_file, filename="report.pdf"))
    assert by_name.headers["content-type"] == "application/pdf"
    explicit = await fetch(file_app(data_file, media_type="text/csv"))
    assert explicit.headers["content-type"] == "text/csv; charset=utf-8"


async def test_ascii_filename(data_file: Path) -> None:
    response = await fetch(file_app(data_file, filename="report 2024.pdf"))
    assert response.headers["content-disposition"] == 'attachment; filename="report 2024.pdf"'


async def test_non_ascii_filename_uses_rfc5987(data_file: Path) -> None:
    name = "Résumé 日本語.pdf"
    response = await fetch(file_app(data_file, filename=name))
    value = response.headers["content-disposition"]
    assert value.startswith('attachment; filename="Resume .pdf"; ')
    encoded = value.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded, encoding="utf-8") == name
    assert encoded.isascii() and " " not in encoded


async def test_inline_disposition(data_file: Path) -> None:
    response = await fetch(file_app(data_file, filename="a.pdf", content_disposition_type="inline"))
    assert response.headers["content-disposition"] == 'inline; filename="a.pdf"'


@pytest.mark.parametrize("name", ['say "hi".txt', "back\\slash.txt", "evil\r\nSet-Cookie: x=1.txt"])
def test_filename_cannot_break_the_header(name: str) -> None:
    value = content_disposition("attachment", name)
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert '"' not in fallback and "\\" not in fallback
    assert "\r" not in value and "\n" not in value
    assert unquote(value.split("filename*=UTF-8''", 1)[1]) == name
    FileResponse("x.txt", filename=name)  # accepted: the header is safe


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="attachment"):
        FileResponse("x", filename="x", content_disposition_type="evil; x=1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="chunk_size"):
        FileResponse("x", chunk_size=0)


# -- conditional GET ----------------------------------------------------------------------------
async def test_if_none_match_gives_304_without_body(data_file: Path) -> None:
    app = file_app(data_file, headers={"cache-control": "max-age=60"}, filename="d.bin")
    etag = (await fetch(app)).headers["etag"]
    response = await fetch(app, headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["last-modified"] == LAST_MODIFIED
    assert response.headers["cache-control"] == "max-age=60"
    for dropped in ("content-length", "content-type", "content-disposition"):
        assert dropped not in response.headers


@pytest.mark.parametrize(
    ("template", "status"),
    [
        ("{etag}", 304),
        ("W/{etag}", 304),  # weak comparison
        ('"other", {etag}', 304),
        ('"other",{etag} , "third"', 304),
        ("*", 304),
        ('"other"', 200),
        ('"other", W/"nope"', 200),
        ("", 200),
    ],
)
async def test_if_none_match_forms(data_file: Path, template: str, status: int) -> None:
    app = file_app(data_file)
    etag = (await fetch(app)).headers["etag"]
    response = await fetch(app, headers={"if-none-match": template.format(etag=etag)})
    assert response.status_code == status
    assert response.content == (DATA if status == 200 else b"")


@pytest.mark.parametrize(
    ("since", "status"),
    [
        (LAST_MODIFIED, 304),
        ("Tue, 14 Nov 2023 22:13:19 GMT", 200),  # a second before the change
        ("Wed, 15 Nov 2023 00:00:00 GMT", 304),
        ("Tuesday, 14-Nov-23 22:13:20 GMT", 304),  # RFC 850 form
        ("Tue Nov 14 22:13:20 2023", 304),  # asctime form
        ("not a date", 200),
        ("", 200),
    ],
)
async def test_if_modified_since(data_file: Path, since: str, status: int) -> None:
    response = await fetch(file_app(data_file), headers={"if-modified-since": since})
    assert response.status_code == status


async def test_if_none_match_takes_precedence_over_if_modified_since(data_file: Path) -> None:
    response = await fetch(
        file_app(data_file),
        headers={"if-none-match": '"stale"', "if-modified-since": "Wed, 15 Nov 2023 00:00:00 GMT"},
    )
    assert response.status_code == 200


async def test_head_is_conditional_too(data_file: Path) -> None:
    response = await fetch(file_app(data_file), "HEAD", headers={"if-none-match": "*"})
    assert response.status_code == 304


async def test_other_methods_and_statuses_are_not_conditional(data_file: Path) -> None:
    app = file_app(data_file)
    post = await fetch(app, "POST", headers={"if-none-match": "*", "range": "bytes=0-1"})
    assert post.status_code == 200
    assert post.content == DATA
    page = await fetch(app, url="/gone", headers={"if-none-match": "*", "range": "bytes=0-1"})
    assert page.status_code == 404
    assert page.content == DATA


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"if-match": "{etag}"}, 200),
        ({"if-match": '"other", {etag}'}, 200),
        ({"if-match": "*"}, 200),
        ({"if-match": '"other"'}, 412),
        ({"if-match": "W/{etag}"}, 412),  # If-Match compares strongly
        ({"if-unmodified-since": LAST_MODIFIED}, 200),
        ({"if-unmodified-since": "Tue, 14 Nov 2023 22:13:19 GMT"}, 412),
        ({"if-unmodified-since": "garbage"}, 200),
    ],
)
async def test_preconditions(data_file: Path, headers: dict[str, str], status: int) -> None:
    app = file_app(data_file)
    etag = (await fetch(app)).headers["etag"]
    sent = {name: value.format(etag=etag) for name, value in headers.items()}
    response = await fetch(app, headers=sent)
    assert response.status_code == status
    if status == 412:
        assert response.content == b""
        assert response.headers["content-length"] == "0"


# -- byte ranges --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "first", "last"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=0-0", 0, 0),
        ("bytes=100-", 100, SIZE - 1),
        (f"bytes={SIZE - 1}-", SIZE - 1, SIZE - 1),
        (f"bytes={SIZE - 1}-{SIZE - 1}", SIZE - 1, SIZE - 1),
        ("bytes=-1", SIZE - 1, SIZE - 1),
        ("bytes=-500", SIZE - 500, SIZE - 1),
        (f"bytes=-{SIZE}", 0, SIZE - 1),
        (f"bytes=-{SIZE + 1000}", 0, SIZE - 1),  # a suffix longer than the file: all of it
        ("bytes=0-", 0, SIZE - 1),
        (f"bytes=10-{SIZE + 50}", 10, SIZE - 1),  # past the end: clamped
        ("bytes=5-99999999999999999999999999999", 5, SIZE - 1),
        ("bytes=-99999999999999999999999999999", 0, SIZE - 1),
        ("BYTES = 3-4", 3, 4),  # the unit is case-insensitive
        ("bytes=1-2, , ", 1, 2),  # empty list elements are allowed
    ],
)
async def test_single_range(data_file: Path, spec: str, first: int, last: int) -> None:
    response = await fetch(file_app(data_file, chunk_size=1000), headers={"range": spec})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {first}-{last}/{SIZE}"
    assert response.headers["content-length"] == str(last - first + 1)
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == DATA[first : last + 1]


@pytest.mark.parametrize(
    "spec",
    [
        f"bytes={SIZE}-",
        f"bytes={SIZE}-{SIZE + 10}",
        "bytes=99999999999999999999999-",
        "bytes=" + "9" * 5000 + "-",  # past Python's int() digit limit: still no error
        "bytes=-0",
        f"bytes={SIZE + 1}-{SIZE + 2}, -0",
    ],
)
async def test_unsatisfiable_range_gives_416(data_file: Path, spec: str) -> None:
    response = await fetch(file_app(data_file, filename="x.bin"), headers={"range": spec})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{SIZE}"
    assert response.headers["content-length"] == "0"
    assert response.content == b""
    assert "content-type" not in response.headers


@pytest.mark.parametrize(
    "spec",
    [
        "bytes=5-2",  # last before first
        "bytes=abc",
        "bytes=a-b",
        "bytes=-",
        "bytes=",
        "bytes=,,",
        "bytes 0-1",
        "items=0-1",
        "=0-1",
        "bytes=0-1;x",
        "bytes=+1-2",
        "bytes=0x1-2",
        "bytes=1-2, 5-3",  # one bad spec spoils the header
        "bytes=\u00b2-\u00b3".encode("latin-1"),  # digits to str.isdigit(), not to HTTP
        "bytes=0-1, bytes=2-3",  # two Range headers joined
    ],
)
async def test_malformed_range_is_ignored(data_file: Path, spec: str | bytes) -> None:
    response = await fetch(file_app(data_file), headers={"range": spec})
    assert response.status_code == 200
    assert response.content == DATA
    assert "content-range" not in response.headers


async def test_head_with_range_sends_the_206_headers(data_file: Path) -> None:
    response = await fetch(file_app(data_file), "HEAD", headers={"range": "bytes=0-9"})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes 0-9/{SIZE}"
    assert response.headers["content-length"] == "10"
    assert response.content == b""


async def test_several_ranges_give_multipart(data_file: Path) -> None:
    response = await fetch(
        file_app(data_file, chunk_size=1000, media_type="text/plain"),
        headers={"range": "bytes=0-9, 5000-6999, -3"},
    )
    assert response.status_code == 206
    assert response.headers["content-length"] == str(len(response.content))
    assert "content-range" not in response.headers
    parts = multipart_parts(response)
    assert [headers["content-range"] for headers, _ in parts] == [
        f"bytes 0-9/{SIZE}",
        f"bytes 5000-6999/{SIZE}",
        f"bytes {SIZE - 3}-{SIZE - 1}/{SIZE}",
    ]
    assert all(h["content-type"] == "text/plain; charset=utf-8" for h, _ in parts)
    assert [data for _, data in parts] == [DATA[0:10], DATA[5000:7000], DATA[-3:]]


async def test_multipart_head_has_the_exact_length(data_file: Path) -> None:
    app = file_app(data_file)
    get = await fetch(app, headers={"range": "bytes=0-1,4-5"})
    head = await fetch(app, "HEAD", headers={"range": "bytes=0-1,4-5"})
    assert head.status_code == 206
    assert head.content == b""
    assert head.headers["content-length"] == str(len(get.content))


async def test_out_of_order_ranges_are_sorted_and_unsatisfiable_ones_dropped(
    data_file: Path,
) -> None:
    response = await fetch(
        file_app(data_file), headers={"range": f"bytes=200-299, {SIZE + 5}-, 0-99"}
    )
    parts = multipart_parts(response)
    assert [data for _, data in parts] == [DATA[0:100], DATA[200:300]]


@pytest.mark.parametrize(
    ("spec", "first", "last"),
    [
        ("bytes=0-10, 5-20", 0, 20),  # overlapping
        ("bytes=0-9, 10-19", 0, 19),  # adjacent
        ("bytes=0-, 0-, 0-, 0-", 0, SIZE - 1),  # the same range again and again
        ("bytes=-100, 0-", 0, SIZE - 1),
        ("bytes=30-40, 0-100", 0, 100),  # contained
    ],
)
async def test_overlapping_ranges_are_merged(
    data_file: Path, spec: str, first: int, last: int
) -> None:
    response = await fetch(file_app(data_file), headers={"range": spec})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {first}-{last}/{SIZE}"
    assert response.content == DATA[first : last + 1]


async def test_at_most_max_ranges(data_file: Path) -> None:
    app = file_app(data_file)
    allowed = ", ".join(f"{i * 100}-{i * 100 + 9}" for i in range(MAX_RANGES))
    response = await fetch(app, headers={"range": f"bytes={allowed}"})
    assert response.status_code == 206
    assert len(multipart_parts(response)) == MAX_RANGES
    too_many = ", ".join(f"{i * 100}-{i * 100 + 9}" for i in range(MAX_RANGES + 1))
    response = await fetch(app, headers={"range": f"bytes={too_many}"})
    assert response.status_code == 200
    assert response.content == DATA


async def test_thousands_of_ranges_are_cheap(data_file: Path) -> None:
    spec = "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 8000, 2))  # 4 000 one-byte ranges
    huge = "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 400_000, 2))  # 3 MB of them
    started = time.perf_counter()
    response = await fetch(file_app(data_file), headers={"range": spec})
    assert parse_byte_ranges(huge, SIZE) is None
    assert time.perf_counter() - started < 0.5
    assert response.status_code == 200
    assert response.content == DATA


# -- If-Range -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("if_range", "status"),
    [
        ("{etag}", 206),
        ('"other"', 200),
        ("W/{etag}", 200),  # a weak validator never matches If-Range
        (LAST_MODIFIED, 206),
        ("Tue, 14 Nov 2023 22:13:21 GMT", 200),  # any other date: the file may have changed
        ("Tue, 14 Nov 2023 22:13:19 GMT", 200),
        ("garbage", 200),
    ],
)
async def test_if_range(data_file: Path, if_range: str, status: int) -> None:
    app = file_app(data_file)
    etag = (await fetch(app)).headers["etag"]
    response = await fetch(
        app, headers={"range": "bytes=0-9", "if-range": if_range.format(etag=etag)}
    )
    assert response.status_code == status
    assert response.content == (DATA[:10] if status == 206 else DATA)


async def test_if_range_with_unsatisfiable_range_and_stale_validator_sends_all(
    data_file: Path,
) -> None:
    response = await fetch(
        file_app(data_file), headers={"range": f"bytes={SIZE}-", "if-range": '"stale"'}
    )
    assert response.status_code == 200


# -- errors -------------------------------------------------------------------------------------
async def test_missing_file_raises_a_clear_error(tmp_path: Path) -> None:
    app = file_app(tmp_path / "nowhere.txt")
    with pytest.raises(RuntimeError, match="nowhere.txt.*does not exist"):
        await fetch(app)
    response = await fetch(app, raise_app_exceptions=False)
    assert response.status_code == 500


async def test_missing_file_is_a_500_from_the_app_when_middleware_is_installed(
    tmp_path: Path,
) -> None:
    class PassThrough:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await self.app(scope, receive, send)

    app = file_app(tmp_path / "nowhere.txt")
    app.add_middleware(PassThrough)
    response = await fetch(app, headers={"accept": "application/json"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"


async def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not a regular file"):
        await fetch(file_app(tmp_path))


async def test_file_that_shrank_since_its_stat_is_an_error(data_file: Path) -> None:
    stat = data_file.stat()
    data_file.write_bytes(DATA[:100])
    app = Spruce()
    app.get("/file")(lambda: FileResponse(data_file, stat_result=stat))
    with pytest.raises(RuntimeError, match="shorter"):
        await fetch(app)


# -- ASGI details: pathsend, disconnects --------------------------------------------------------
def http_scope(
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": "/file",
        "headers": headers or [],
        "scheme": "http",
        "extensions": extensions or {},
    }


async def no_body() -> dict[str, Any]:
    await asyncio.sleep(3600)  # the client never leaves
    return {"type": "http.disconnect"}


async def test_pathsend_hands_the_whole_file_to_the_server(
    data_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    monkeypatch.chdir(tmp_path)  # a relative path is sent absolute
    scope = http_scope(extensions={"http.response.pathsend": {}})
    await FileResponse("data.bin")(scope, no_body, send)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.pathsend"]
    assert sent[1]["path"] == str(data_file)
    assert (b"content-length", str(SIZE).encode()) in sent[0]["headers"]

    sent.clear()  # a range is still read and sent by Spruce
    scope = http_scope(
        headers=[(b"range", b"bytes=0-1")], extensions={"http.response.pathsend": {}}
    )
    await FileResponse(data_file)(scope, no_body, send)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[1]["body"] == DATA[:2]


async def test_pathsend_through_gzip_middleware(data_file: Path) -> None:
    from spruce.middleware.gzip import GZipMiddleware

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    middleware = GZipMiddleware(FileResponse(data_file, media_type="text/plain"))
    scope = http_scope(
        headers=[(b"accept-encoding", b"gzip")], extensions={"http.response.pathsend": {}}
    )
    await middleware(scope, no_body, send)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.pathsend"]


async def test_streaming_stops_when_the_client_disconnects(data_file: Path) -> None:
    first_chunk_sent = asyncio.Event()
    bodies: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            bodies.append(message["body"])
            first_chunk_sent.set()
            await asyncio.sleep(0.01)

    async def receive() -> dict[str, Any]:
        await first_chunk_sent.wait()
        return {"type": "http.disconnect"}

    await FileResponse(data_file, chunk_size=100)(http_scope(), receive, send)
    assert 1 <= len(bodies) < SIZE // 100


async def test_streaming_ignores_request_body_messages(data_file: Path) -> None:
    bodies: list[bytes] = []
    messages = [{"type": "http.request", "body": b"x", "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            bodies.append(message["body"])

    await FileResponse(data_file, chunk_size=1000)(http_scope(), receive, send)
    assert b"".join(bodies) == DATA


# -- parse_byte_ranges directly ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-4", 10, [(0, 4)]),
        ("bytes=0-4,2-8", 10, [(0, 8)]),
        ("bytes=8-,0-1", 10, [(0, 1), (8, 9)]),
        ("bytes=10-", 10, []),
        ("bytes=-0", 10, []),
        ("bytes=0-", 0, []),
        ("bytes=4-2", 10, None),
        ("octets=0-1", 10, None),
    ],
)
def test_parse_byte_ranges(header: str, size: int, expected: list[tuple[int, int]] | None) -> None:
    assert parse_byte_ranges(header, size) == expected


def test_http_date_of_the_file_mtime() -> None:
    assert http_date(MTIME) == LAST_MODIFIED


# -- over a real socket, through real servers --------------------------------------------------
SERVER_APP = """
from spruce import FileResponse, Spruce

app = Spruce()


@app.get("/file")
def serve():
    return FileResponse("data.bin", filename="données.bin")
"""

SERVERS = {
    "uvicorn": ["-m", "uvicorn", "--host", "127.0.0.1", "--port", "{port}", "server_app:app"],
    "granian": [
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "server_app:app",
    ],
}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
@pytest.mark.parametrize("server", sorted(SERVERS))
def test_over_a_real_server(data_file: Path, tmp_path: Path, server: str) -> None:
    import subprocess
    import sys

    (tmp_path / "server_app.py").write_text(SERVER_APP)
    port = free_port()
    args = [arg.format(port=port) for arg in SERVERS[server]]
    process = subprocess.Popen(
        [sys.executable, *args], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            deadline = time.monotonic() + 15
            while True:
                try:
                    whole = client.get("/file")
                    break
                except httpx.TransportError:
                    assert process.poll() is None, process.stderr.read() if process.stderr else ""
                    assert time.monotonic() < deadline, f"{server} did not start"
                    time.sleep(0.05)
            assert whole.status_code == 200
            assert whole.content == DATA
            assert whole.headers["content-length"] == str(SIZE)
            assert "filename*=UTF-8''donn%C3%A9es.bin" in whole.headers["content-disposition"]

            not_modified = client.get("/file", headers={"if-none-match": whole.headers["etag"]})
            assert not_modified.status_code == 304
            assert not_modified.content == b""

            part = client.get("/file", headers={"range": "bytes=100-199"})
            assert part.status_code == 206
            assert part.content == DATA[100:200]

            parts = client.get("/file", headers={"range": "bytes=0-9,-10"})
            assert [data for _, data in multipart_parts(parts)] == [DATA[:10], DATA[-10:]]

            head = client.head("/file")
            assert head.headers["content-length"] == str(SIZE)
            assert head.content == b""
    finally:
        process.terminate()
        process.wait(timeout=10)

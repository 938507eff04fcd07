"""Tests for spruce.conditional: validators, 304/412 decisions, and conditional_response in an app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from spruce import FileResponse, Request, Response, Spruce, StreamingResponse
from spruce.conditional import (
    NotModifiedResponse,
    conditional_response,
    etag_for,
    http_date,
    is_not_modified,
    is_precondition_failed,
    parse_etags,
    parse_http_date,
)
from spruce.datastructures import Headers

WHEN = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)
WHEN_TEXT = "Fri, 01 Mar 2024 12:00:00 GMT"


async def fetch(
    app: Spruce, method: str = "GET", url: str = "/", headers: dict[str, str] | None = None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        return await client.request(method, url, headers=headers)


# -- helpers ------------------------------------------------------------------------------------
def test_etag_for_is_a_strong_content_hash() -> None:
    tag = etag_for(b"hello")
    assert tag == etag_for(b"hello")
    assert tag != etag_for(b"hello!")
    assert tag.startswith('"') and tag.endswith('"') and len(tag) == 34
    assert etag_for(b"") != tag


def test_http_dates_round_trip() -> None:
    assert http_date(WHEN.timestamp()) == WHEN_TEXT
    assert parse_http_date(WHEN_TEXT) == WHEN.timestamp()
    assert parse_http_date("Friday, 01-Mar-24 12:00:00 GMT") == WHEN.timestamp()
    assert parse_http_date("Fri Mar  1 12:00:00 2024") == WHEN.timestamp()
    assert parse_http_date("yesterday") is None
    assert parse_http_date("") is None


def test_parse_etags() -> None:
    assert parse_etags('"a", W/"b",  "c,d"') == ['"a"', 'W/"b"', '"c,d"']
    assert parse_etags("*") == ["*"]
    assert parse_etags("bare") == ['"bare"']
    assert parse_etags("") == []


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"if-none-match": '"v1"'}, True),
        ({"If-None-Match": '"v1"'}, True),  # a plain dict, any case
        ({"if-none-match": 'W/"v1"'}, True),
        ({"if-none-match": '"v0", "v1"'}, True),
        ({"if-none-match": "*"}, True),
        ({"if-none-match": '"v2"'}, False),
        ({"if-none-match": '"v2"', "if-modified-since": WHEN_TEXT}, False),  # INM wins
        ({"if-modified-since": WHEN_TEXT}, True),
        ({"if-modified-since": "Fri, 01 Mar 2024 11:59:59 GMT"}, False),
        ({"if-modified-since": "nonsense"}, False),
        ({}, False),
    ],
)
def test_is_not_modified(headers: dict[str, str], expected: bool) -> None:
    assert is_not_modified(headers, '"v1"', WHEN) is expected
    assert is_not_modified(Headers(mapping=headers), '"v1"', WHEN) is expected


@pytest.mark.parametrize(
    "last_modified", [WHEN, WHEN.timestamp(), WHEN_TEXT, WHEN.timestamp() + 0.7]
)
def test_last_modified_in_every_form(last_modified: Any) -> None:
    assert is_not_modified({"if-modified-since": WHEN_TEXT}, None, last_modified)
    later = http_date((WHEN - timedelta(seconds=1)).timestamp())
    assert not is_not_modified({"if-modified-since": later}, None, last_modified)


def test_without_validators_nothing_matches_but_a_star() -> None:
    assert not is_not_modified({"if-none-match": '"x"'}, None, None)
    assert not is_not_modified({"if-modified-since": WHEN_TEXT}, None, None)
    assert is_not_modified({"if-none-match": "*"}, None, None)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"if-match": '"v1"'}, False),
        ({"if-match": '"v0", "v1"'}, False),
        ({"if-match": "*"}, False),
        ({"if-match": '"v2"'}, True),
        ({"if-match": 'W/"v1"'}, True),  # strong comparison
        ({"if-unmodified-since": WHEN_TEXT}, False),
        ({"if-unmodified-since": "Fri, 01 Mar 2024 11:00:00 GMT"}, True),
        ({"if-unmodified-since": "bad date"}, False),
        ({"if-match": '"v1"', "if-unmodified-since": "Fri, 01 Mar 2024 11:00:00 GMT"}, False),
        ({}, False),
    ],
)
def test_is_precondition_failed(headers: dict[str, str], expected: bool) -> None:
    assert is_precondition_failed(headers, '"v1"', WHEN) is expected


def test_weak_etag_never_passes_if_match() -> None:
    assert is_precondition_failed({"if-match": 'W/"v1"'}, 'W/"v1"', None)


# -- conditional_response in an application -----------------------------------------------------
def conditional_app() -> Spruce:
    app = Spruce()

    @app.after_request
    async def conditional(request: Request, response: Response) -> Response:
        return conditional_response(request, response)

    @app.get("/")
    def index() -> str:
        return "<p>hello</p>"

    @app.post("/")
    def create() -> str:
        return "<p>hello</p>"

    @app.get("/missing")
    def missing() -> tuple[str, int]:
        return "<p>no</p>", 404

    @app.get("/cookie")
    def cookie() -> Response:
        response = Response(b"data", headers={"cache-control": "max-age=5", "x-other": "1"})
        response.set_cookie("seen", "yes")
        return response

    @app.get("/dated")
    def dated() -> Response:
        return Response(b"data", headers={"last-modified": WHEN_TEXT, "etag": '"mine"'})

    @app.get("/stream")
    def stream() -> StreamingResponse:
        return StreamingResponse(iter([b"a", b"b"]))

    @app.get("/stream-tagged")
    def stream_tagged() -> StreamingResponse:
        return StreamingResponse(iter([b"a", b"b"]), headers={"etag": '"s1"'})

    return app


async def test_adds_an_etag_from_the_body() -> None:
    response = await fetch(conditional_app())
    assert response.status_code == 200
    assert response.headers["etag"] == etag_for(b"<p>hello</p>")
    assert response.text == "<p>hello</p>"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_matching_etag_gives_304_without_body(method: str) -> None:
    app = conditional_app()
    etag = (await fetch(app)).headers["etag"]
    response = await fetch(app, method, headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert "content-length" not in response.headers
    assert "content-type" not in response.headers


async def test_stale_etag_gives_the_full_response() -> None:
    response = await fetch(conditional_app(), headers={"if-none-match": '"stale"'})
    assert response.status_code == 200
    assert response.text == "<p>hello</p>"


async def test_only_successful_get_and_head_are_touched() -> None:
    app = conditional_app()
    post = await fetch(app, "POST", headers={"if-none-match": "*"})
    assert post.status_code == 200
    assert "etag" not in post.headers
    missing = await fetch(app, url="/missing", headers={"if-none-match": "*"})
    assert missing.status_code == 404
    assert "etag" not in missing.headers


async def test_304_keeps_caching_headers_and_cookies() -> None:
    app = conditional_app()
    etag = (await fetch(app, url="/cookie")).headers["etag"]
    response = await fetch(app, url="/cookie", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.headers["cache-control"] == "max-age=5"
    assert "seen=yes" in response.headers["set-cookie"]
    assert "x-other" not in response.headers


async def test_handler_validators_are_used() -> None:
    app = conditional_app()
    assert (await fetch(app, url="/dated")).headers["etag"] == '"mine"'
    by_date = await fetch(app, url="/dated", headers={"if-modified-since": WHEN_TEXT})
    assert by_date.status_code == 304
    assert by_date.headers["last-modified"] == WHEN_TEXT
    assert (await fetch(app, url="/dated", headers={"if-none-match": '"mine"'})).status_code == 304


async def test_failed_precondition_gives_412() -> None:
    response = await fetch(conditional_app(), url="/dated", headers={"if-match": '"other"'})
    assert response.status_code == 412
    assert response.content == b""
    assert response.headers["etag"] == '"mine"'


async def test_streaming_responses_get_no_computed_etag() -> None:
    app = conditional_app()
    response = await fetch(app, url="/stream", headers={"if-none-match": "*"})
    assert response.status_code == 200
    assert response.content == b"ab"
    assert "etag" not in response.headers
    tagged = await fetch(app, url="/stream-tagged", headers={"if-none-match": '"s1"'})
    assert tagged.status_code == 304
    assert tagged.content == b""


async def test_file_responses_are_left_to_themselves(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"file body")
    app = Spruce()
    seen: list[Response] = []

    @app.after_request
    async def conditional(request: Request, response: Response) -> Response:
        result = conditional_response(request, response)
        seen.append(result)
        return result

    @app.get("/")
    def serve() -> FileResponse:
        return FileResponse(path)

    first = await fetch(app)
    assert first.content == b"file body"
    assert isinstance(seen[0], FileResponse)
    again = await fetch(app, headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert isinstance(seen[1], FileResponse)


async def test_not_modified_response_from_response() -> None:
    original = Response(
        b"body", headers={"etag": '"1"', "vary": "Accept", "content-language": "en"}
    )
    not_modified = NotModifiedResponse.from_response(original)
    assert not_modified.status_code == 304
    assert not_modified.headers.items() == [("etag", '"1"'), ("vary", "Accept")]
    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    await not_modified({"type": "http", "method": "GET", "headers": []}, receive, send)
    assert messages[0]["status"] == 304
    assert all(name != b"content-length" for name, _ in messages[0]["headers"])
    assert messages[1] == {"type": "http.response.body", "body": b""}

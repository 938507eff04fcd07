"""Responses: text, HTML, JSON, redirects, cookies, streaming, server-sent events."""

import asyncio
import datetime as dt
import uuid

import pytest

from spruce import (
    EventSourceResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    ServerSentEvent,
    Spruce,
    StreamingResponse,
)
from spruce.responses import html_response, json_response


def serve(response_factory, method="GET", base_url="http://localhost"):
    app = Spruce()
    app.route("/", methods=[method])(lambda: response_factory())
    return app.test_client(base_url=base_url).request(method, "/", follow_redirects=False)


def test_plain_html_json():
    assert (
        serve(lambda: PlainTextResponse("hi")).headers["content-type"]
        == "text/plain; charset=utf-8"
    )
    assert serve(lambda: HTMLResponse("<b>")).headers["content-type"] == "text/html; charset=utf-8"
    response = serve(lambda: JSONResponse({"when": dt.date(2024, 1, 2), "id": uuid.UUID(int=1)}))
    assert response.json() == {"when": "2024-01-02", "id": "00000000-0000-0000-0000-000000000001"}


def test_redirect_defaults_to_302_and_cannot_inject_headers():
    response = serve(lambda: RedirectResponse("/next"))
    assert response.status_code == 302
    assert response.headers["location"] == "/next"
    response = serve(lambda: RedirectResponse("/a\r\nSet-Cookie: x=1", 303))
    assert response.status_code == 303
    assert "\r" not in response.headers["location"]
    assert "set-cookie" not in response.headers


def test_header_injection_is_refused():
    with pytest.raises(ValueError, match="header injection"):
        Response("x", headers={"X-A": "a\r\nb: c"})


def test_cookies_have_secure_defaults():
    def make():
        response = Response("x")
        response.set_cookie("sid", "abc def")
        return response

    cookie = serve(make).headers["set-cookie"]
    assert cookie.startswith("sid=abc%20def;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie
    secure_cookie = serve(make, base_url="https://localhost").headers["set-cookie"]
    assert "Secure" in secure_cookie


def test_cookie_round_trip_and_delete():
    app = Spruce()

    @app.get("/set")
    def set_():
        response = Response("set")
        response.set_cookie("theme", "dark; blue")
        return response

    @app.get("/read")
    def read(request):
        return request.cookies

    @app.get("/del")
    def delete():
        response = Response("gone")
        response.delete_cookie("theme")
        return response

    client = app.test_client()
    client.get("/set")
    assert client.get("/read").json() == {"theme": "dark; blue"}
    header = client.get("/del").headers["set-cookie"]
    assert "Max-Age=0" in header
    assert client.get("/read").json() == {}


def test_streaming_async_and_sync():
    async def agen():
        for i in range(3):
            yield f"{i},"

    assert serve(lambda: StreamingResponse(agen(), media_type="text/csv")).text == "0,1,2,"
    assert serve(lambda: StreamingResponse(iter([b"a", b"b"]))).text == "ab"


def test_server_sent_events():
    async def events():
        yield ServerSentEvent({"n": 1}, event="tick", id="1")
        yield "plain\nmultiline"

    response = serve(lambda: EventSourceResponse(events()))
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.text == 'event: tick\nid: 1\ndata: {"n":1}\n\ndata: plain\ndata: multiline\n\n'


def test_server_sent_events_ping():
    async def slow():
        await asyncio.sleep(0.15)
        yield "late"

    response = serve(lambda: EventSourceResponse(slow(), ping=0.05))
    assert response.text.startswith(": ping\n\n")
    assert response.text.endswith("data: late\n\n")


def test_sse_event_fields_cannot_contain_newlines():
    with pytest.raises(ValueError, match="newlines"):
        ServerSentEvent("x", event="a\nb").encode()


def test_head_sends_no_body_for_streams():
    app = Spruce()

    @app.get("/")
    def index():
        return StreamingResponse(iter([b"abc"]))

    assert app.test_client().head("/").content == b""


def test_quick_builders_match_the_constructors():
    assert vars(json_response({"a": [1, 2]})) == vars(JSONResponse({"a": [1, 2]}))
    assert type(json_response([])) is JSONResponse
    assert vars(html_response("<p>é</p>")) == vars(HTMLResponse("<p>é</p>"))
    assert html_response("x").body == b"x"


def test_str_content_is_rendered_by_the_class_that_knows_it():
    class Shouting(Response):
        def render(self, content: object) -> bytes:
            return str(content).upper().encode()

    assert Shouting("hey").body == b"HEY"
    assert JSONResponse("hey").body == b'"hey"'  # JSON's own render, not a plain encode
    assert PlainTextResponse("héllo").body == "héllo".encode()

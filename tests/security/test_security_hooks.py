"""How the battery plugs into the app: the three core hooks it uses (route wrappers, request
filters, response hooks), each tested on its own, and the battery's place among others."""

from __future__ import annotations

import pytest

from spruce import Request, Response, Spruce, WebSocket
from spruce.exceptions import ImproperlyConfigured
from spruce.testing import WebSocketDenied


def bare_app() -> Spruce:
    app = Spruce(security=False)

    @app.get("/")
    def index():
        return "index"

    @app.post("/items")
    def create():
        return "created"

    @app.websocket("/ws")
    async def ws(websocket: WebSocket):
        await websocket.accept()
        await websocket.close()

    return app


def test_route_wrappers_see_each_http_route_once_and_may_replace_its_handler():
    app = bare_app()
    seen = []

    def wrapper(route, handler):
        seen.append((route.full_path, route.methods))
        if "POST" not in route.methods:
            return None

        async def guarded(request: Request):
            if request.headers.get("x-key") != "open sesame":
                return Response("no", 403)
            return await handler(request)

        return guarded

    app.add_route_wrapper(wrapper)
    client = app.test_client()
    assert client.get("/").text == "index"
    assert client.post("/items").status_code == 403
    assert client.post("/items", headers={"X-Key": "open sesame"}).text == "created"
    assert sorted(seen) == [("/", ("GET",)), ("/items", ("POST",))]  # WebSockets are left alone


def test_the_first_route_wrapper_added_is_the_outermost():
    app = bare_app()
    order = []

    def named(name):
        def wrapper(route, handler):
            async def wrapped(request):
                order.append(name)
                return await handler(request)

            return wrapped

        return wrapper

    app.add_route_wrapper(named("outer"))
    app.add_route_wrapper(named("inner"))
    app.test_client().get("/")
    assert order == ["outer", "inner"]


def test_request_filters_run_before_routing_and_may_answer():
    app = bare_app()

    def only_from_the_office(scope, send):
        if scope["client"][0] != "192.0.2.7":
            return Response("closed", 403)
        return send

    app.add_request_filter(only_from_the_office)
    assert app.test_client().get("/nowhere").status_code == 403  # even unknown paths
    office = app.test_client(client_address=("192.0.2.7", 1))
    assert office.get("/").text == "index"
    with pytest.raises(WebSocketDenied):
        app.test_client().websocket_connect("/ws")
    with office.websocket_connect("/ws"):
        pass


def test_a_request_filter_may_wrap_send():
    app = bare_app()

    def stamp(scope, send):
        async def stamped(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-stamp", b"1")]
            await send(message)

        return stamped

    app.add_request_filter(stamp)
    assert app.test_client().get("/").headers["x-stamp"] == "1"


def test_response_hooks_see_every_response_after_the_after_request_hooks():
    app = bare_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    @app.after_request
    def mark(response: Response):
        response.headers["x-after"] = "1"
        return response

    seen = []

    def hook(scope, response):
        seen.append((scope["path"], response.status_code, response.headers.get("x-after")))
        response.headers["x-hooked"] = "1"
        return response

    app.add_response_hook(hook)
    client = app.test_client()
    for path in ("/", "/boom", "/nowhere"):
        assert client.get(path).headers["x-hooked"] == "1"
    assert client.delete("/").headers["x-hooked"] == "1"  # 405
    assert client.options("/").headers["x-hooked"] == "1"
    assert seen[:2] == [("/", 200, "1"), ("/boom", 500, "1")]


def test_hooks_cannot_be_added_after_startup():
    app = bare_app()
    app.freeze()
    for register in (app.add_route_wrapper, app.add_request_filter, app.add_response_hook):
        with pytest.raises(ImproperlyConfigured, match="after the application has started"):
            register(lambda *args: None)


def test_other_batteries_can_require_security():
    class Auth:
        name = "auth"
        requires = ("security",)

        def install(self, app):
            assert "security" in app.batteries

    app = Spruce(batteries=[Auth()])
    assert list(app.batteries) == ["security", "auth"]

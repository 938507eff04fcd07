"""The request pipeline (spruce.pipeline): the direct call of simple endpoints, the inline send
of plain responses, and that both give way whenever something else must run."""

from __future__ import annotations

from typing import Any

from spruce import HTMLResponse, Request, Response, Router, Spruce, StreamingResponse
from spruce.routing.routes import Route


def _route(app: Spruce, name: str) -> Route:
    app.freeze()
    return next(route for route in app.mounted_routes() if route.name == name)


def test_simple_async_endpoints_are_called_directly() -> None:
    app = Spruce()

    @app.get("/")
    async def index() -> str:
        return "hi"

    @app.get("/items/{item_id:int}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    client = app.test_client()
    assert client.get("/").text == "hi"
    assert client.get("/items/7").json() == {"id": 7}
    assert _route(app, "index").direct_endpoint is index
    assert _route(app, "item").direct_endpoint is item


def test_endpoints_that_need_resolution_or_hooks_go_through_their_handler() -> None:
    app = Spruce()
    api = Router()
    seen: list[str] = []

    @api.before_request
    def note(request: Request) -> None:
        seen.append(request.path)

    @app.get("/sync")
    def sync_endpoint() -> str:
        return "sync"

    @app.get("/query")
    async def with_query(q: int = 0) -> dict[str, int]:
        return {"q": q}

    @app.get("/ignores/{name}")
    async def ignores_path() -> str:
        return "ignored"

    @api.get("/hooked")
    async def hooked() -> str:
        return "hooked"

    app.include(api, prefix="/api")
    client = app.test_client()
    assert client.get("/sync").text == "sync"
    assert client.get("/query?q=3").json() == {"q": 3}
    assert client.get("/query?q=x").status_code == 422
    assert client.get("/ignores/x").text == "ignored"
    assert client.get("/api/hooked").text == "hooked"
    assert seen == ["/api/hooked"]
    for name in ("sync_endpoint", "with_query", "ignores_path"):
        assert _route(app, name).direct_endpoint is None, name
    assert _route(app, "hooked").direct_endpoint is None


def test_a_route_wrapper_turns_the_direct_call_off() -> None:
    calls: list[str] = []

    class Wrapping:
        name = "wrapping"
        requires: tuple[str, ...] = ()

        def install(self, app: Spruce) -> None:
            app.add_route_wrapper(self.wrap)

        def wrap(self, route: Route, handler: Any) -> Any:
            async def wrapped(request: Request) -> Response:
                calls.append(route.name)
                response: Response = await handler(request)
                return response

            return wrapped

    app = Spruce(batteries=[Wrapping()])

    @app.get("/")
    async def index() -> str:
        return "wrapped"

    assert app.test_client().get("/").text == "wrapped"
    assert calls == ["index"]
    assert _route(app, "index").direct_endpoint is None


def test_plain_send_is_known_per_response_class() -> None:
    class Custom(HTMLResponse):
        media_type = "text/html"

    class CustomSend(Response):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await super().__call__(scope, receive, send)

    assert Response.plain_send and HTMLResponse.plain_send and Custom.plain_send
    assert not StreamingResponse.plain_send
    assert not CustomSend.plain_send


def test_messages_carry_length_cookies_and_drop_the_body_for_head() -> None:
    response = Response("hello", 201, {"x-one": "1"})
    response.set_cookie("k", "v")
    start, body = response.messages({"method": "GET", "scheme": "https"})
    headers = dict(start["headers"])
    assert start["status"] == 201
    assert headers[b"content-length"] == b"5"
    assert headers[b"x-one"] == b"1"
    assert b"Secure" in headers[b"set-cookie"]
    assert body == {"type": "http.response.body", "body": b"hello"}
    _, head_body = response.messages({"method": "HEAD", "scheme": "http"})
    assert head_body["body"] == b""
    no_content, _ = Response(None, 204).messages({"method": "GET"})
    assert all(name != b"content-length" for name, _ in no_content["headers"])


def test_custom_send_responses_are_awaited_and_hooks_still_run() -> None:
    sent: list[str] = []

    class Tracked(Response):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            sent.append("custom")
            await super().__call__(scope, receive, send)

    app = Spruce()

    @app.get("/")
    async def index() -> Response:
        return Tracked("tracked")

    response = app.test_client().get("/")
    assert response.text == "tracked"
    assert sent == ["custom"]
    assert response.headers["x-content-type-options"] == "nosniff"  # security's response hook


def test_response_hooks_with_fixed_headers_are_applied_without_the_call() -> None:
    calls: list[str] = []
    fixed: list[tuple[bytes, bytes]] = []
    shared = Response("same object every time", media_type="text/plain")

    def hook(scope: dict[str, Any], response: Response) -> Response:
        calls.append(scope["path"])
        if all(name != b"x-fixed" for name, _ in response.raw_headers):
            response.raw_headers.extend(fixed or [(b"x-fixed", b"from-hook")])
        return response

    class Hooking:
        name = "hooking"
        requires: tuple[str, ...] = ()

        def install(self, app: Spruce) -> None:
            app.add_response_hook(hook, adds_headers=fixed, unless_scope_has="hooking.state")

    app = Spruce(batteries=[Hooking()], security=False)

    @app.get("/plain")
    async def plain() -> str:
        return "plain"

    @app.get("/own-headers")
    async def own_headers() -> Response:
        return Response("x", headers={"x-fixed": "mine"}, media_type="text/plain")

    @app.get("/shared")
    async def shared_response() -> Response:
        return shared

    @app.get("/stateful")
    async def stateful(request: Request) -> str:
        request.scope["hooking.state"] = True
        return "stateful"

    client = app.test_client()
    assert client.get("/plain").headers["x-fixed"] == "from-hook"  # empty list: the hook runs
    assert calls == ["/plain"]
    fixed.append((b"x-fixed", b"fixed"))
    calls.clear()
    assert client.get("/plain").headers["x-fixed"] == "fixed"
    assert calls == []  # applied by the app
    assert client.get("/own-headers").headers.get_list("x-fixed") == ["mine"]
    for _ in range(2):
        assert client.get("/shared").headers.get_list("x-fixed") == ["fixed"]
    assert client.get("/stateful").headers["x-fixed"] == "fixed"
    assert calls == ["/own-headers", "/shared", "/stateful"]


def test_the_app_is_an_asgi3_callable_before_and_after_it_freezes() -> None:
    # uvicorn and other servers decide between ASGI 2 and 3 from ``app.__call__``.
    import asyncio

    app = Spruce()

    @app.get("/")
    async def index() -> str:
        return "hi"

    assert asyncio.iscoroutinefunction(app.__call__)
    assert app.__call__ == app._first_call
    client = app.test_client()
    assert client.get("/").text == "hi"
    assert asyncio.iscoroutinefunction(app.__call__)
    assert app.__call__ is app._stack  # requests enter the pipeline directly


def test_scope_app_is_set_for_handlers_and_middleware() -> None:
    seen: list[Any] = []

    def middleware(inner: Any) -> Any:
        async def wrapped(scope: Any, receive: Any, send: Any) -> None:
            seen.append(scope.get("app"))
            await inner(scope, receive, send)

        return wrapped

    for with_middleware in (False, True):
        seen.clear()
        app = Spruce()
        if with_middleware:
            app.add_middleware(middleware)

        @app.get("/")
        async def index(request: Request) -> dict[str, bool]:
            return {"same": request.scope["app"] is request.app}

        assert app.test_client().get("/").json() == {"same": True}
        if with_middleware:
            assert seen and seen[-1] is app


def test_static_and_parameterised_paths_share_405_and_head() -> None:
    app = Spruce()

    @app.get("/static")
    async def static() -> str:
        return "s"

    @app.get("/items/{item_id:int}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    client = app.test_client()
    for path in ("/static", "/items/3"):
        assert client.head(path).status_code == 200
        response = client.post(path)
        assert response.status_code == 405
        assert "GET" in response.headers["allow"]
    assert client.get("/items/3").json() == {"id": 3}
    assert client.get("/nothing").status_code == 404


def test_the_pipeline_builds_the_same_request_as_the_constructor() -> None:
    # The pipeline sets HTTPConnection.__init__'s attributes itself (no call): keep them in step.
    app = Spruce()
    seen: list[Request] = []

    @app.get("/items/{item_id:int}")
    async def item(request: Request, item_id: int) -> str:
        seen.append(request)
        return "ok"

    assert app.test_client().get("/items/7").text == "ok"
    built = seen[0]
    constructed = Request(built.scope, built._receive, app, {"item_id": 7})
    assert vars(built).keys() - {"route"} == vars(constructed).keys()
    assert built.path_params == constructed.path_params == {"item_id": 7}
    assert built.app is constructed.app is app
    assert built.scope is constructed.scope

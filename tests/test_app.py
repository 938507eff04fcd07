"""The application object: hooks, middleware, lifespan, batteries, freezing, sync handlers."""

import asyncio
import contextlib
import threading
from typing import ClassVar

import pytest

from spruce import Response, Router, Spruce, abort
from spruce.exceptions import ImproperlyConfigured


def test_hello_world():
    app = Spruce()

    @app.get("/")
    def index():
        return "Hello, World!"

    response = app.test_client().get("/")
    assert response.status_code == 200
    assert response.text == "Hello, World!"


def test_sync_handlers_run_off_the_event_loop():
    app = Spruce()

    @app.get("/sync")
    def sync_handler():
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return {"thread": threading.current_thread().name, "loop": False}
        return {"loop": True}

    data = app.test_client().get("/sync").json()
    assert data["loop"] is False
    assert data["thread"].startswith("spruce-sync")


def test_hooks_order_and_short_circuit():
    app = Spruce()
    blog = Router("/blog")
    calls: list[str] = []

    @app.before_request
    def app_before(request):
        calls.append("app-before")
        if request.query_params.get("stop"):
            return "stopped early"
        return None

    @blog.before_request
    async def blog_before(request):
        calls.append("blog-before")

    @app.after_request
    def app_after(request, response):
        calls.append("app-after")
        response.headers["x-app"] = "1"
        return response

    @blog.after_request
    async def blog_after(response):
        calls.append("blog-after")

    @app.teardown
    def app_teardown(request, exc):
        calls.append(f"teardown:{type(exc).__name__ if exc else None}")

    @blog.get("/")
    def index():
        calls.append("handler")
        return "blog"

    app.include(blog)
    client = app.test_client()
    response = client.get("/blog/")
    assert response.text == "blog" and response.headers["x-app"] == "1"
    assert calls == [
        "app-before",
        "blog-before",
        "handler",
        "blog-after",
        "app-after",
        "teardown:None",
    ]
    calls.clear()
    assert client.get("/blog/?stop=1").text == "stopped early"
    assert calls[:1] == ["app-before"] and "handler" not in calls


def test_teardown_gets_the_error_the_handler_raised():
    app = Spruce()
    seen: list[object] = []

    @app.teardown
    def cleanup(request, exc):
        seen.append(exc)

    @app.get("/crash")
    def crash():
        raise ValueError("boom")

    @app.get("/missing")
    def missing():
        abort(404)

    @app.get("/fine")
    def fine():
        return "ok"

    client = app.test_client(raise_server_exceptions=False)
    assert client.get("/crash").status_code == 500
    assert client.get("/missing").status_code == 404
    assert client.get("/fine").status_code == 200
    assert [type(exc).__name__ if exc else None for exc in seen] == ["ValueError", None, None]


def test_hooks_do_not_run_for_other_routers():
    app = Spruce()
    blog = Router("/blog")
    seen: list[str] = []
    blog.before_request(lambda request: seen.append(request.path))

    @app.get("/")
    def index():
        return "x"

    @blog.get("/")
    def blog_index():
        return "y"

    app.include(blog)
    client = app.test_client()
    client.get("/")
    client.get("/blog/")
    assert seen == ["/blog/"]


class HeaderMiddleware:
    def __init__(self, app, name: str, value: str) -> None:
        self.app, self.name, self.value = app, name.encode(), value.encode()

    async def __call__(self, scope, receive, send):
        async def add_header(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((self.name, self.value))
            await send(message)

        await self.app(scope, receive, add_header)


class FailingMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/fail":
            raise RuntimeError("middleware bug")
        await self.app(scope, receive, send)


def test_middleware_stack_order():
    app = Spruce()
    app.add_middleware(HeaderMiddleware, name="x-outer", value="1")
    app.add_middleware(HeaderMiddleware, name="x-inner", value="2")
    app.add_middleware(FailingMiddleware)

    @app.get("/")
    def index():
        return "ok"

    client = app.test_client()
    response = client.get("/")
    assert response.headers["x-outer"] == "1" and response.headers["x-inner"] == "2"
    response = client.get("/fail")
    assert response.status_code == 500
    assert "middleware bug" not in response.text


def test_lifespan_hooks_and_context_managers():
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def resources(app):
        events.append("enter")
        app.state.pool = "pool"
        yield
        events.append("exit")

    app = Spruce(lifespan=resources)

    @app.on_startup
    async def start():
        events.append("startup")

    @app.on_shutdown
    def stop():
        events.append("shutdown")

    @app.get("/")
    def index(request):
        return request.app.state.pool

    with app.test_client() as client:
        assert client.get("/").text == "pool"
        assert events == ["enter", "startup"]
    assert events == ["enter", "startup", "shutdown", "exit"]


def test_failing_startup_is_reported():
    app = Spruce()

    @app.on_startup
    def explode():
        raise RuntimeError("cannot connect")

    with pytest.raises(Exception, match="cannot connect"), app.test_client():
        pass


def test_registration_after_start_raises_everywhere():
    app = Spruce()
    router = Router()
    app.include(router)
    app.freeze()
    for register in (
        lambda: app.add_middleware(HeaderMiddleware, name="a", value="b"),
        lambda: app.on_startup(lambda: None),
        lambda: app.before_request(lambda: None),
        lambda: router.get("/x")(lambda: None),
        lambda: app.add_provider(int, lambda r: 1),
        lambda: app.include(Router()),
    ):
        with pytest.raises(ImproperlyConfigured, match="after the application has started"):
            register()


def test_state_is_an_attribute_bag():
    app = Spruce()
    app.state.counter = 1
    assert app.state.counter == 1
    with pytest.raises(AttributeError, match="set it first"):
        _ = app.state.missing


def test_request_state():
    app = Spruce()

    @app.before_request
    def mark(request):
        request.state.user = "ann"

    @app.get("/")
    def index(request):
        return request.state.user

    assert app.test_client().get("/").text == "ann"


class Greeter:
    name: ClassVar[str] = "greeter"
    requires: ClassVar[tuple[str, ...]] = ()

    def install(self, app: Spruce) -> None:
        app.add_route("/hello", lambda: "hello from a battery", name="greeter.hello")


class Shouter:
    name: ClassVar[str] = "shouter"
    requires: ClassVar[tuple[str, ...]] = ("greeter",)

    def install(self, app: Spruce) -> None:
        assert "greeter" in app.batteries

        @app.after_request
        def shout(response: Response) -> Response:
            response.body = response.body.upper()
            return response


def test_batteries_install_in_dependency_order():
    app = Spruce(batteries=[Shouter(), Greeter()])
    assert list(app.batteries) == ["security", "greeter", "shouter"]  # security: by default
    response = app.test_client().get("/hello")
    assert response.text == "HELLO FROM A BATTERY"


def test_battery_requirements_are_checked():
    with pytest.raises(ImproperlyConfigured, match="'greeter' is not installed"):
        Spruce(batteries=[Shouter()])
    app = Spruce(batteries=[Greeter()])
    with pytest.raises(ImproperlyConfigured, match="installed twice"):
        app.install(Greeter())


def test_concurrent_requests_are_served():
    app = Spruce()

    @app.get("/slow")
    async def slow():
        await asyncio.sleep(0.05)
        return "done"

    async def main():
        from spruce.testing import AsyncTestClient

        async with AsyncTestClient(app) as client:
            responses = await asyncio.gather(*(client.get("/slow") for _ in range(20)))
        return [r.text for r in responses]

    assert asyncio.run(main()) == ["done"] * 20

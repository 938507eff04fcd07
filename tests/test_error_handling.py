"""Errors: HTTPException family, abort, handlers by status and class, JSON vs HTML, bare 500s."""

import logging

import pytest

from spruce import HTTPException, Router, Spruce, abort
from spruce.exceptions import (
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    RequestValidationError,
    TooManyRequests,
)


def test_abort_raises_the_matching_class():
    with pytest.raises(NotFound) as info:
        abort(404, "No such post")
    assert info.value.detail == "No such post"
    with pytest.raises(TooManyRequests):
        abort(429, headers={"Retry-After": "1"})
    with pytest.raises(HTTPException) as other:
        abort(418)
    assert other.value.status_code == 418 and other.value.detail == "I'm a Teapot"


def test_exception_classes():
    assert BadRequest("x").status_code == 400
    assert Forbidden().detail == "Forbidden"
    assert MethodNotAllowed(["GET"]).headers == {"Allow": "GET"}
    error = RequestValidationError(
        [{"location": "query", "field": "a", "message": "m", "type": "t"}]
    )
    assert error.body()["errors"][0]["field"] == "a"


@pytest.fixture
def app() -> Spruce:
    app = Spruce()

    @app.get("/missing")
    def missing():
        abort(404, "No such <thing>")

    @app.get("/crash")
    def crash():
        secret = "hunter2"  # noqa: F841
        raise RuntimeError("internal detail /etc/passwd")

    return app


def test_json_or_html_by_accept(app):
    client = app.test_client()
    response = client.get("/missing")
    assert response.json() == {"detail": "No such <thing>"}
    response = client.get("/missing", headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "No such &lt;thing&gt;" in response.text
    assert "<thing>" not in response.text


def test_unhandled_exception_is_a_bare_logged_500(app, caplog):
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="spruce.error"):
        response = client.get("/crash")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    assert "internal detail" not in response.text and "hunter2" not in response.text
    assert any("RuntimeError" in (r.exc_text or "") for r in caplog.records)


def test_debug_mode_shows_a_traceback():
    app = Spruce(debug=True)

    @app.get("/crash")
    def crash():
        raise RuntimeError("visible in debug")

    response = app.test_client().get("/crash", headers={"Accept": "text/plain"})
    assert response.status_code == 500
    assert "RuntimeError: visible in debug" in response.text


def test_handlers_by_status_and_class_on_app_and_router():
    app = Spruce()
    api = Router("/api")

    class Oops(Exception):
        pass

    @app.errorhandler(404)
    def not_found(request, exc):
        return {"app": "not found", "path": request.path}, 404

    @api.errorhandler(404)
    def api_not_found(request, exc):
        return {"api": exc.detail}, 404

    @app.errorhandler(Oops)
    async def oops(request, exc):
        return "handled oops", 409

    @app.errorhandler(500)
    def server_error(request, exc):
        return "custom 500", 500

    @api.get("/thing")
    def thing():
        abort(404, "no thing")

    @app.get("/oops")
    def raise_oops():
        raise Oops

    @app.get("/boom")
    def boom():
        raise ValueError

    app.include(api)
    client = app.test_client()
    assert client.get("/nowhere").json() == {"app": "not found", "path": "/nowhere"}
    assert client.get("/api/thing").json() == {"api": "no thing"}
    response = client.get("/oops")
    assert (response.status_code, response.text) == (409, "handled oops")
    response = client.get("/boom")
    assert (response.status_code, response.text) == (500, "custom 500")


def test_failing_error_handler_still_gives_500():
    app = Spruce()

    @app.errorhandler(404)
    def broken(request, exc):
        raise RuntimeError("handler bug")

    assert app.test_client().get("/nowhere").status_code == 500


def test_http_exception_headers_are_sent():
    app = Spruce()

    @app.get("/")
    def limited():
        abort(429, "slow down", headers={"Retry-After": "30"})

    response = app.test_client().get("/")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "30"

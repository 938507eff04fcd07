"""The pytest plugin, run on small projects in temporary directories (pytester)."""

from __future__ import annotations

import pytest

APP_MODULE = """
from spruce import Spruce, WebSocket

events = []

def build():
    app = Spruce()

    @app.on_startup
    def start():
        events.append("startup")

    @app.on_shutdown
    def stop():
        events.append("shutdown")

    @app.get("/")
    def index():
        return {"hello": "world"}

    @app.websocket("/ws")
    async def ws(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("hi")

    return app

app = build()
"""

TESTS = """
import {module}

def test_client_fixture(client):
    assert client.get("/").json() == {{"hello": "world"}}
    assert {module}.events[-1] == "startup"

def test_websocket(client):
    with client.websocket_connect("/ws") as ws:
        assert ws.receive_text() == "hi"

async def test_async_client_fixture(async_client):
    response = await async_client.get("/")
    assert response.json() == {{"hello": "world"}}

def test_app_fixture(app):
    from spruce import Spruce
    assert isinstance(app, Spruce)
"""


def _ini(pytester: pytest.Pytester, *lines: str) -> None:
    settings = ["asyncio_mode = auto", "asyncio_default_fixture_loop_scope = function", *lines]
    pytester.makeini("\n".join(["[pytest]", *settings, ""]))


def _project(pytester: pytest.Pytester, module: str, *ini_lines: str) -> None:
    pytester.makepyfile(**{module: APP_MODULE})
    pytester.makepyfile(**{f"test_{module}": TESTS.format(module=module)})
    _ini(pytester, *ini_lines)


def test_spruce_app_ini_option(pytester: pytest.Pytester):
    _project(pytester, "proj_ini", "spruce_app = proj_ini:app")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_spruce_app_may_name_a_factory(pytester: pytest.Pytester):
    _project(pytester, "proj_factory", "spruce_app = proj_factory:build")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_app_fixture_overridden_in_conftest(pytester: pytest.Pytester):
    _project(pytester, "proj_conftest")
    pytester.makeconftest("""
        import pytest
        import proj_conftest

        @pytest.fixture
        def app():
            return proj_conftest.build()
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_lifespan_runs_around_each_test(pytester: pytest.Pytester):
    pytester.makepyfile(proj_life=APP_MODULE)
    pytester.makepyfile(
        test_life="""
        import proj_life

        def test_one(client):
            assert proj_life.events == ["startup"]

        def test_two(client):
            assert proj_life.events == ["startup", "shutdown", "startup"]
    """
    )
    _ini(pytester, "spruce_app = proj_life:app")
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_missing_configuration_says_how_to_fix_it(pytester: pytest.Pytester):
    pytester.makepyfile(
        test_nothing="""
        def test_needs_client(client):
            pass

        def test_unrelated():
            assert True
    """
    )
    _ini(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*the `app` fixture does not know which application to test*",
            "*spruce_app = *",
            "*def app():*",
        ]
    )


def test_bad_target_is_reported(pytester: pytest.Pytester):
    pytester.makepyfile(proj_bad=APP_MODULE)
    pytester.makepyfile(test_bad="def test_it(client):\n    pass\n")
    _ini(pytester, "spruce_app = proj_bad:nothing_here")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*could not load the application*has no attribute 'nothing_here'*"]
    )


def test_projects_not_using_the_plugin_are_unaffected(pytester: pytest.Pytester):
    pytester.makepyfile(test_plain="def test_plain():\n    assert 1 + 1 == 2\n")
    _ini(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    _ini(pytester, "spruce_app = whatever:app")  # a known ini option: no warning
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)


def test_app_beside_the_ini_file_is_importable_from_a_tests_folder(pytester: pytest.Pytester):
    pytester.makepyfile(proj_layout=APP_MODULE)
    tests = pytester.mkdir("tests")
    (tests / "test_layout.py").write_text(
        "def test_it(client):\n    assert client.get('/').status_code == 200\n"
    )
    _ini(pytester, "spruce_app = proj_layout:app")
    result = pytester.runpytest("-p", "no:cacheprovider", "--rootdir", str(pytester.path), "tests")
    result.assert_outcomes(passed=1)

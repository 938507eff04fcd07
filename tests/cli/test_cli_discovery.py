"""How the CLI finds the app: --app, SPRUCE_APP, default files, factories, and the errors."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from spruce import Spruce
from spruce.cli import AppImportError, NoAppError, find_app
from spruce.cli.discovery import AppLocation, load_location, location_of

HELLO = """
    from spruce import Spruce

    app = Spruce()

    @app.get("/")
    def index():
        return "hello from {where}"
"""


def app_source(where: str) -> str:
    return HELLO.replace("{where}", where)


def get_text(app: Spruce, path: str) -> str:
    """The body of a GET request to ``app`` (through httpx's ASGI transport)."""

    async def fetch() -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return (await client.get(path)).text

    return asyncio.run(fetch())


def handler_paths(app: Spruce) -> list[str]:
    return [route.full_path for route in app.mounted_routes()]


def test_app_option_with_module_and_attribute(project):
    project.write(
        "website.py",
        """
        from spruce import Spruce
        web = Spruce()
        web.get("/web")(lambda: "web")
    """,
    )
    app, location = find_app("website:web")
    assert handler_paths(app) == ["/web"]
    assert location == AppLocation("website", "web", factory=False, folder=str(project.root))
    assert location.import_string == "website:web"


def test_module_hidden_by_an_already_imported_one_is_a_clear_error(project):
    project.write("site.py", app_source("site"))
    with pytest.raises(NoAppError) as caught:
        find_app("site")
    assert "Your site.py is hidden by the module 'site'" in caught.value.message
    assert "Rename your module" in caught.value.message


def test_module_alone_uses_its_app_attribute(project):
    project.write("hello.py", app_source("hello"))
    app, location = find_app("hello")
    assert location.import_string == "hello:app"
    assert get_text(app, "/") == "hello from hello"


def test_module_alone_finds_the_only_spruce_instance(project):
    project.write(
        "service.py",
        """
        from spruce import Spruce
        api = Spruce()
        api.get("/ping")(lambda: "pong")
    """,
    )
    app, location = find_app("service")
    assert location.attr == "api"
    assert handler_paths(app) == ["/ping"]


def test_several_apps_in_a_module_is_an_error_naming_them(project):
    project.write(
        "two.py",
        """
        from spruce import Spruce
        public = Spruce()
        admin = Spruce()
    """,
    )
    with pytest.raises(NoAppError) as caught:
        find_app("two")
    assert "several Spruce apps" in caught.value.message
    assert "admin, public" in caught.value.message
    assert "--app two:admin" in caught.value.message


def test_module_alone_calls_the_create_app_factory(project):
    project.write(
        "factory.py",
        """
        from spruce import Spruce
        calls = []
        def create_app():
            calls.append(1)
            app = Spruce()
            app.get("/made")(lambda: "made")
            return app
    """,
    )
    app, location = find_app("factory")
    assert handler_paths(app) == ["/made"]
    assert location == AppLocation("factory", "create_app", factory=True, folder=str(project.root))
    import factory  # type: ignore[import-not-found]

    assert factory.calls == [1]


def test_attribute_naming_a_factory_is_called(project):
    project.write(
        "factory2.py",
        """
        from spruce import Spruce
        def build():
            app = Spruce()
            app.get("/built")(lambda: "built")
            return app
    """,
    )
    app, location = find_app("factory2:build")
    assert location.factory
    assert handler_paths(app) == ["/built"]


def test_factory_needing_arguments_is_a_clear_error(project):
    project.write(
        "needs.py",
        """
        from spruce import Spruce
        def create_app(config):
            return Spruce()
    """,
    )
    with pytest.raises(NoAppError, match=r"create_app\(\) needs arguments \(config\)"):
        find_app("needs")


def test_factory_raising_shows_the_users_error(project):
    project.write(
        "broken_factory.py",
        """
        def create_app():
            raise RuntimeError("database URL is missing")
    """,
    )
    with pytest.raises(AppImportError) as caught:
        find_app("broken_factory")
    assert "database URL is missing" in caught.value.message
    assert "broken_factory.py" in caught.value.message


def test_attribute_that_is_not_an_app_is_an_error(project):
    project.write("notapp.py", "app = 42\nsettings = {}\n")
    with pytest.raises(NoAppError, match="'int', not a Spruce application"):
        find_app("notapp:app")
    with pytest.raises(NoAppError, match="no attribute 'app', no Spruce instance"):
        find_app("notapp")


def test_missing_attribute_is_an_error(project):
    project.write("hello.py", app_source("hello"))
    with pytest.raises(NoAppError) as caught:
        find_app("hello:nope")
    assert "Module 'hello' has no attribute 'nope'" in caught.value.message
    assert "Tried: --app hello:nope" in caught.value.message


def test_dotted_attribute_path(project):
    project.write(
        "holder.py",
        """
        from spruce import Spruce
        class Holder:
            app = Spruce()
    """,
    )
    app, location = find_app("holder:Holder.app")
    assert isinstance(app, Spruce)
    assert location.attr == "Holder.app"


def test_spruce_app_environment_variable(project, monkeypatch):
    project.write("fromenv.py", app_source("env"))
    project.write("app.py", app_source("default file"))
    monkeypatch.setenv("SPRUCE_APP", "fromenv")
    app, location = find_app(None)
    assert location.module == "fromenv"
    assert get_text(app, "/") == "hello from env"


def test_app_option_wins_over_environment_variable(project, monkeypatch):
    project.write("fromenv.py", app_source("env"))
    project.write("fromoption.py", app_source("option"))
    monkeypatch.setenv("SPRUCE_APP", "fromenv")
    _, location = find_app("fromoption")
    assert location.module == "fromoption"


def test_bad_environment_variable_says_where_it_came_from(project, monkeypatch):
    monkeypatch.setenv("SPRUCE_APP", "nowhere_to_be_found")
    with pytest.raises(NoAppError, match="Tried: SPRUCE_APP=nowhere_to_be_found"):
        find_app(None)


@pytest.mark.parametrize("filename", ["app.py", "main.py", "asgi.py"])
def test_default_files(project, filename):
    project.write(filename, app_source(filename))
    app, location = find_app(None)
    assert location.module == filename[:-3]
    assert get_text(app, "/") == f"hello from {filename}"


def test_app_py_comes_before_main_py(project):
    project.write("main.py", app_source("main"))
    project.write("app.py", app_source("app"))
    _, location = find_app(None)
    assert location.module == "app"


def test_default_file_without_an_app_falls_through_to_the_next(project):
    project.write("app.py", "HELPER = True\n")
    project.write("main.py", app_source("main"))
    _, location = find_app(None)
    assert location.module == "main"


def test_no_app_anywhere_says_what_was_tried(project):
    with pytest.raises(NoAppError) as caught:
        find_app(None)
    message = caught.value.message
    assert "Could not find a Spruce app" in message
    assert "--app (not given), SPRUCE_APP (not set), app.py, main.py, asgi.py" in message
    assert str(project.root) in message
    assert "Use --app module:attr" in message


def test_current_folder_is_importable(project):
    project.write("helpers.py", "GREETING = 'hi from a sibling module'\n")
    project.write(
        "app.py",
        """
        from spruce import Spruce
        from helpers import GREETING
        app = Spruce()
        app.get("/")(lambda: GREETING)
    """,
    )
    app, _ = find_app(None)
    assert get_text(app, "/") == "hi from a sibling module"


def test_path_to_a_file_inside_a_package(project):
    project.write("src/shop/__init__.py", "")
    project.write("src/shop/web.py", app_source("the shop"))
    app, location = find_app("src/shop/web.py")
    assert location == AppLocation(
        "shop.web", "app", factory=False, folder=str(project.root / "src")
    )
    assert get_text(app, "/") == "hello from the shop"


def test_missing_file_path(project):
    with pytest.raises(NoAppError, match="Could not find the file 'nope/app.py'"):
        find_app("nope/app.py")


def test_missing_module_of_a_package(project):
    project.write("pkg/__init__.py", "")
    with pytest.raises(NoAppError, match="Could not import 'pkg.missing'"):
        find_app("pkg.missing")


def test_import_error_inside_the_module_shows_the_users_error(project):
    project.write(
        "broken.py",
        """
        from spruce import Spruce
        import a_dependency_that_is_not_installed
        app = Spruce()
    """,
    )
    with pytest.raises(AppImportError) as caught:
        find_app("broken")
    message = caught.value.message
    assert "No module named 'a_dependency_that_is_not_installed'" in message
    assert 'broken.py", line 3' in message
    assert "Could not import" not in message
    assert "importlib" not in message


def test_syntax_error_in_the_module(project):
    project.write("app.py", "x = (\n")
    with pytest.raises(AppImportError, match="SyntaxError"):
        find_app(None)


def test_load_location_imports_the_same_app(project):
    project.write("hello.py", app_source("hello"))
    app, location = find_app("hello")
    assert load_location(location) is app


def test_load_location_calls_factories_again(project):
    project.write(
        "factory.py",
        """
        from spruce import Spruce
        def create_app():
            return Spruce()
    """,
    )
    app, location = find_app("factory")
    again = load_location(location)
    assert isinstance(again, Spruce)
    assert again is not app


def test_location_of_a_module_level_app(project):
    project.write("hello.py", app_source("hello"))
    app, location = find_app("hello")
    assert location_of(app) == location


def test_location_of_an_app_outside_any_module_is_none():
    assert location_of(Spruce()) is None

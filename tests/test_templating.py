"""Templates: rendering from handlers, search order and overrides, autoescaping, undefined names,
blocks, filters/globals/context processors, reloading, and the lazy import of Jinja2."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import jinja2
import pytest

from spruce import Request, Router, Spruce
from spruce.settings import Settings
from spruce.templating import render, render_block, render_to_string
from spruce.testing import TestClient


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def make_app(tmp_path: Path, files: dict[str, str] | None = None, **options) -> Spruce:
    write(tmp_path / "templates", files or {})
    options.setdefault("debug", False)
    return Spruce(root_path=str(tmp_path), **options)


# -- rendering from handlers -------------------------------------------------------------------
def test_render_in_sync_and_async_handlers(tmp_path):
    app = make_app(tmp_path, {"hello.html": "Hello {{ name }} from {{ request.path }}"})

    @app.get("/sync")
    def sync_page():
        return render("hello.html", name="sync")

    @app.get("/async")
    async def async_page():
        return render("hello.html", {"name": "async"})

    client = app.test_client()
    response = client.get("/sync")
    assert response.text == "Hello sync from /sync"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert client.get("/async").text == "Hello async from /async"


def test_status_headers_and_context_precedence(tmp_path):
    app = make_app(tmp_path, {"page.html": "{{ status_code }}/{{ headers }}/{{ a }}"})

    @app.get("/")
    def page():
        context = {"status_code": "ctx-status", "headers": "ctx-headers", "a": "ctx"}
        return render("page.html", context, status_code=201, headers={"x-a": "1"}, a="kw")

    response = app.test_client().get("/")
    assert response.status_code == 201
    assert response.headers["x-a"] == "1"
    assert response.text == "ctx-status/ctx-headers/kw"


def test_render_to_string_and_list_of_names(tmp_path):
    app = make_app(tmp_path, {"fallback.html": "fallback {{ n }}"})

    @app.get("/")
    def page():
        return {"html": render_to_string(["missing.html", "fallback.html"], n=1)}

    assert app.test_client().get("/").json() == {"html": "fallback 1"}


def test_render_outside_a_request_says_what_to_do(tmp_path):
    app = make_app(tmp_path, {"a.html": "{{ x }}"})
    with pytest.raises(RuntimeError, match="render_to_string"):
        render("a.html", x=1)
    assert app.templates.render_to_string("a.html", x=1) == "1"


def test_render_with_an_explicit_request(tmp_path):
    app = make_app(tmp_path, {"a.html": "{{ request.method }} {{ x }}"})
    seen: list[Request] = []

    @app.get("/")
    def page(request: Request):
        seen.append(request)
        return "ok"

    app.test_client().get("/")
    assert render("a.html", request=seen[0], x=2).body == b"GET 2"


def test_render_in_an_error_handler(tmp_path):
    app = make_app(tmp_path, {"404.html": "no {{ request.path }} here"})

    @app.errorhandler(404)
    def not_found(request, exc):
        return render("404.html", status_code=404)

    response = app.test_client().get("/missing")
    assert response.status_code == 404
    assert response.text == "no /missing here"


# -- where templates are found -----------------------------------------------------------------
def test_app_then_routers_then_packages(tmp_path, monkeypatch):
    package = f"tplpkg_{uuid.uuid4().hex}"
    write(
        tmp_path / "site" / package / "templates",
        {
            "spruce/demo/page.html": "package page",
            "spruce/demo/only_package.html": "only in the package",
            "shared.html": "package shared",
        },
    )
    (tmp_path / "site" / package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))

    app = make_app(tmp_path / "app", {"spruce/demo/page.html": "app override"})
    blog = Router("/blog", template_folder="templates", root_path=str(tmp_path / "blog"))
    write(tmp_path / "blog" / "templates", {"shared.html": "blog shared", "blog.html": "blog"})
    nested = Router(template_folder="views", root_path=str(tmp_path / "nested"))
    write(tmp_path / "nested" / "views", {"nested.html": "nested", "blog.html": "nested blog"})
    blog.include(nested)
    app.include(blog)
    app.templates.add_package(package)

    render_ = app.templates.render_to_string
    assert render_("spruce/demo/page.html") == "app override"
    assert render_("spruce/demo/only_package.html") == "only in the package"
    assert render_("shared.html") == "blog shared"
    assert render_("blog.html") == "blog"  # the outer router comes first
    assert render_("nested.html") == "nested"
    assert app.templates.search_path() == [
        str(tmp_path / "app" / "templates"),
        str(tmp_path / "blog" / "templates"),
        str(tmp_path / "nested" / "views"),
    ]


def test_router_included_after_first_render_joins_at_start(tmp_path):
    app = make_app(tmp_path / "app", {"a.html": "a"})
    assert app.templates.render_to_string("a.html") == "a"
    late = Router(template_folder="templates", root_path=str(tmp_path / "late"))
    write(tmp_path / "late" / "templates", {"late.html": "late"})
    app.include(late)

    @app.get("/")
    def page():
        return render("late.html")

    assert app.test_client().get("/").text == "late"


def test_missing_template_names_the_folders(tmp_path):
    app = make_app(tmp_path)
    with pytest.raises(jinja2.TemplateNotFound) as caught:
        app.templates.render_to_string("nope.html")
    assert "nope.html" in str(caught.value)
    assert str(tmp_path / "templates") in str(caught.value)


def test_bad_package_is_a_configuration_error(tmp_path):
    from spruce.exceptions import ImproperlyConfigured

    app = make_app(tmp_path)
    app.templates.add_package("no_such_package_here")
    with pytest.raises(ImproperlyConfigured, match="no_such_package_here"):
        app.templates.render_to_string("x.html")


# -- escaping ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["p.html", "p.htm", "p.xml", "p.svg", "p.jinja", "p.j2", "p.xhtml", "p.other"]
)
def test_autoescape_on_for_markup(tmp_path, name):
    app = make_app(tmp_path, {name: "{{ value }}"})
    html = app.templates.render_to_string(name, value="<script>alert('x')</script>")
    assert html == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"


def test_autoescape_off_for_plain_text(tmp_path):
    app = make_app(tmp_path, {"mail.txt": "Hi {{ name }} & co"})
    assert app.templates.render_to_string("mail.txt", name="<Ann>") == "Hi <Ann> & co"


def test_autoescape_for_string_templates(tmp_path):
    app = make_app(tmp_path)
    template = app.templates.environment.from_string("{{ v }}")
    assert template.render(v="<b>") == "&lt;b&gt;"


def test_safe_is_an_explicit_opt_out(tmp_path):
    app = make_app(tmp_path, {"p.html": "{{ v | safe }}"})
    assert app.templates.render_to_string("p.html", v="<b>bold</b>") == "<b>bold</b>"


# -- undefined names ---------------------------------------------------------------------------
def test_undefined_is_an_error_in_debug(tmp_path):
    app = make_app(tmp_path, {"p.html": "Hello {{ usr.name }}"}, debug=True)
    with pytest.raises(jinja2.UndefinedError, match="'usr' is undefined"):
        app.templates.render_to_string("p.html", user={"name": "x"})


def test_undefined_renders_empty_in_production(tmp_path):
    app = make_app(tmp_path, {"p.html": "Hello [{{ usr.name.first }}]{% if usr %}!{% endif %}"})
    assert app.templates.render_to_string("p.html") == "Hello []"


# -- blocks (partials) -------------------------------------------------------------------------
BLOCK_TEMPLATES = {
    "base.html": """\
        <html>{% block nav %}<nav>{{ self.title() }}</nav>{% endblock %}
        {% block title %}Base{% endblock %}{% block content %}{% endblock %}</html>""",
    "page.html": """\
        {% extends "base.html" %}
        {% block title %}Page {{ n }}{% endblock %}
        {% block content %}<ul>{% for i in items %}<li>{{ i }}</li>{% endfor %}</ul>{% endblock %}""",
    "deeper.html": """\
        {% extends "page.html" %}{% block content %}deeper {{ super() }}{% endblock %}""",
}


def test_render_block_alone(tmp_path):
    app = make_app(tmp_path, BLOCK_TEMPLATES)

    @app.get("/items")
    def items(request: Request):
        if request.headers.get("hx-request"):
            return render_block("page.html", "content", items=["<a>", "b"])
        return render("page.html", items=["<a>", "b"], n=1)

    client = app.test_client()
    assert client.get("/items", headers={"hx-request": "true"}).text == (
        "<ul><li>&lt;a&gt;</li><li>b</li></ul>"
    )
    assert "<html>" in client.get("/items").text


def test_block_from_a_parent_template(tmp_path):
    app = make_app(tmp_path, BLOCK_TEMPLATES)
    block = app.templates.render_block_to_string
    assert block("page.html", "nav", n=3) == "<nav>Page 3</nav>"  # self.title() is the child's
    assert block("deeper.html", "content", items=[1]) == "deeper <ul><li>1</li></ul>"
    assert block("deeper.html", "title", n=2) == "Page 2"
    assert block("deeper.html", "nav", n=4) == "<nav>Page 4</nav>"  # two levels up


def test_extends_cycle_does_not_hang(tmp_path):
    app = make_app(
        tmp_path,
        {
            "a.html": '{% extends "b.html" %}{% block x %}a{% endblock %}',
            "b.html": '{% extends "a.html" %}',
        },
    )
    assert app.templates.render_block_to_string("a.html", "x") == "a"


def test_unknown_block_lists_the_known_ones(tmp_path):
    app = make_app(tmp_path, BLOCK_TEMPLATES)
    with pytest.raises(LookupError, match="no block 'sidebar'.*content"):
        app.templates.render_block_to_string("page.html", "sidebar")


# -- filters, globals, tests, context processors ------------------------------------------------
def test_filters_globals_and_tests(tmp_path):
    app = make_app(
        tmp_path,
        {
            "p.html": (
                "{{ 1234.5 | money }} {{ 'x' | shout }} {{ site }} {{ now() }} {{ year() }}"
                " {{ 4 is even_number }}"
            )
        },
    )

    @app.templates.filter
    def money(value):
        return f"${value:,.2f}"

    @app.templates.filter("shout")
    def make_loud(value):
        return value.upper() + "!"

    @app.templates.function
    def now():
        return "NOW"

    @app.templates.function("year")
    def current_year():
        return 2024

    app.templates.add_global("site", "Spruce")
    app.templates.add_test(lambda n: n % 2 == 0, "even_number")
    assert app.templates.render_to_string("p.html") == "$1,234.50 X! Spruce NOW 2024 True"


def test_registration_after_first_render_applies(tmp_path):
    app = make_app(tmp_path, {"p.html": "{{ 'a' | twice }} {{ late }}"})
    app.templates.environment  # built now
    app.templates.add_filter(lambda v: v * 2, "twice")
    app.templates.add_global("late", "yes")
    assert app.templates.render_to_string("p.html") == "aa yes"


def test_context_processors_run_for_requests(tmp_path):
    app = make_app(tmp_path, {"p.html": "{{ user }} {{ theme }}"})
    app.templates.add_context_processor(
        lambda request: {"user": request.headers.get("x-user", "anon"), "theme": "dark"}
    )

    @app.get("/")
    def page():
        return render("p.html", theme="light")  # the template's own variables win

    assert app.test_client().get("/", headers={"x-user": "ann"}).text == "ann light"
    assert app.templates.render_to_string("p.html") == " "  # no request: no processors


def test_context_processor_as_a_decorator(tmp_path):
    app = make_app(tmp_path, {"p.html": "{{ greeting }}"})

    @app.templates.add_context_processor
    def greeting(request):
        return {"greeting": f"hello {request.method}"}

    @app.get("/")
    def page():
        return render("p.html")

    assert callable(greeting)
    assert app.test_client().get("/").text == "hello GET"


def test_current_request_is_set_during_a_request_only(tmp_path):
    from spruce.requests import current_request

    app = make_app(tmp_path)

    @app.get("/sync")
    def sync_handler(request: Request):
        return {"same": current_request() is request}

    @app.get("/async")
    async def async_handler(request: Request):
        return {"same": current_request() is request}

    client = app.test_client()
    assert client.get("/sync").json() == {"same": True}
    assert client.get("/async").json() == {"same": True}
    assert current_request() is None


async def test_current_request_is_reset_on_the_callers_task(tmp_path):
    import httpx

    from spruce.requests import current_request

    app = make_app(tmp_path)

    @app.get("/")
    async def index():
        return "ok"

    transport = httpx.ASGITransport(app=app)  # runs the app on this very task
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        assert (await client.get("/")).text == "ok"
    assert current_request() is None


def test_url_for_request_and_static_globals(tmp_path):
    app = make_app(
        tmp_path,
        {"p.html": "{{ url_for('post', id=3, page=2) }} {{ static('css/site.css') }}"},
    )

    @app.get("/posts/{id:int}", name="post")
    def post(id: int):
        return "post"

    @app.get("/")
    def page():
        return render("p.html")

    assert app.test_client().get("/").text == "/posts/3?page=2 /static/css/site.css"
    assert app.templates.render_to_string("p.html") == "/posts/3?page=2 /static/css/site.css"

    async def mounted(scope, receive, send):  # as when served under a path prefix
        await app({**scope, "root_path": "/mounted"}, receive, send)

    text = TestClient(mounted).get("/").text
    assert text == "/mounted/posts/3?page=2 /mounted/static/css/site.css"


def test_static_can_be_replaced(tmp_path):
    app = make_app(tmp_path, {"p.html": "{{ static('a.css') }}"})
    app.templates.add_global("static", lambda path: f"/assets/{path}?v=1")
    assert app.templates.render_to_string("p.html") == "/assets/a.css?v=1"


def test_get_flashed_messages_without_sessions_is_empty(tmp_path):
    app = make_app(tmp_path, {"p.html": "[{{ get_flashed_messages() | join(',') }}]"})

    @app.get("/")
    def page():
        return render("p.html")

    assert app.test_client().get("/").text == "[]"


# -- caching and reloading ---------------------------------------------------------------------
def _touch_later(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    later = time.time() + 10
    os.utime(path, (later, later))


def test_templates_reload_in_debug(tmp_path):
    app = make_app(tmp_path, {"p.html": "one"}, debug=True)
    assert app.templates.render_to_string("p.html") == "one"
    _touch_later(tmp_path / "templates" / "p.html", "two")
    assert app.templates.render_to_string("p.html") == "two"


def test_templates_are_cached_in_production(tmp_path):
    app = make_app(tmp_path, {"p.html": "one"})
    assert app.templates.render_to_string("p.html") == "one"
    _touch_later(tmp_path / "templates" / "p.html", "two")
    assert app.templates.render_to_string("p.html") == "one"


def test_debug_comes_from_settings(tmp_path):
    write(tmp_path / "templates", {"p.html": "{{ missing }}"})
    app = Spruce(root_path=str(tmp_path), settings=Settings(debug=True))
    with pytest.raises(jinja2.UndefinedError, match="'missing' is undefined"):
        app.templates.render_to_string("p.html")


# -- cost --------------------------------------------------------------------------------------
def test_jinja2_is_imported_only_when_rendering(tmp_path):
    write(tmp_path / "templates", {"p.html": "hi"})
    code = textwrap.dedent(
        f"""
        import sys
        import spruce
        app = spruce.Spruce(root_path={str(tmp_path)!r})
        app.templates.add_package("spruce", "sessions")
        app.templates.add_filter(str.upper, "up")
        app.templates.add_global("x", 1)
        assert "jinja2" not in sys.modules, "registration imported jinja2"
        assert app.templates.render_to_string("p.html") == "hi"
        assert "jinja2" in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_small_page_renders_quickly(tmp_path):
    app = make_app(tmp_path, BLOCK_TEMPLATES)
    items = [f"item {i}" for i in range(50)]
    app.templates.render_to_string("page.html", items=items, n=1)
    best = min(_timed(lambda: app.templates.render_to_string("page.html", items=items, n=1)))
    assert best < 0.02  # about a millisecond on a loaded VM; generous so that CI never flakes


def _timed(func, runs: int = 20):
    for _ in range(runs):
        started = time.perf_counter()
        func()
        yield time.perf_counter() - started

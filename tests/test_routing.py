"""Routing: decorators, routers, converters, HEAD/OPTIONS/405, trailing slashes, url_for."""

import uuid

import pytest

from spruce import Router, Spruce
from spruce.exceptions import ImproperlyConfigured, NoMatch
from spruce.routing.converters import Converter


@pytest.fixture
def app() -> Spruce:
    app = Spruce()

    @app.get("/")
    def index():
        return "home"

    @app.route("/items", methods=["GET", "POST"])
    async def items(request):
        return request.method

    @app.put("/items/{id:int}")
    async def put_item(id: int):
        return {"put": id}

    @app.patch("/items/{id:int}")
    async def patch_item(id: int):
        return {"patch": id}

    @app.delete("/items/{id:int}")
    async def delete_item(id: int):
        return None

    @app.get("/items/{id:int}")
    async def get_item(id: int):
        return {"id": id, "type": type(id).__name__}

    @app.get("/items/new")
    async def new_item():
        return "static wins"

    @app.get("/f/{x:float}")
    async def floats(x: float):
        return {"x": x}

    @app.get("/u/{key:uuid}")
    async def uuids(key: uuid.UUID):
        return {"key": str(key), "type": type(key).__name__}

    @app.get("/s/{slug:slug}")
    async def slugs(slug: str):
        return {"slug": slug}

    @app.get("/files/{rest:path}")
    async def files(rest: str):
        return {"rest": rest}

    @app.get("/n/{name}.{ext}")
    async def mixed(name: str, ext: str):
        return {"name": name, "ext": ext}

    @app.get("/inferred/{id}")
    async def inferred(id: int):
        return {"id": id}

    @app.get("/slash/")
    async def slash():
        return "with slash"

    return app


@pytest.fixture
def client(app):
    return app.test_client()


def test_static_and_dynamic_routes(client):
    assert client.get("/").text == "home"
    assert client.get("/items/7").json() == {"id": 7, "type": "int"}
    assert client.get("/items/new").text == "static wins"


def test_methods(client):
    assert client.post("/items").text == "POST"
    assert client.get("/items").text == "GET"
    assert client.put("/items/3").json() == {"put": 3}
    assert client.patch("/items/3").json() == {"patch": 3}
    response = client.delete("/items/3")
    assert response.status_code == 204
    assert response.content == b""


def test_converters(client):
    assert client.get("/f/1.5").json() == {"x": 1.5}
    key = uuid.uuid4()
    assert client.get(f"/u/{key}").json() == {"key": str(key), "type": "UUID"}
    assert client.get("/u/not-a-uuid").status_code == 404
    assert client.get("/s/hello-world_1").json() == {"slug": "hello-world_1"}
    assert client.get("/s/no%20spaces").status_code == 404
    assert client.get("/files/a/b/c.txt").json() == {"rest": "a/b/c.txt"}
    assert client.get("/n/report.pdf").json() == {"name": "report", "ext": "pdf"}
    assert client.get("/items/abc").status_code == 404


def test_converter_inferred_from_annotation(client):
    assert client.get("/inferred/12").json() == {"id": 12}
    assert client.get("/inferred/x").status_code == 404


def test_head_is_answered_for_get_routes(client):
    response = client.head("/")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "4"


def test_options_lists_allowed_methods(client):
    response = client.options("/items/1")
    assert response.status_code == 204
    assert set(response.headers["allow"].split(", ")) == {
        "DELETE",
        "GET",
        "HEAD",
        "OPTIONS",
        "PATCH",
        "PUT",
    }


def test_405_with_allow_header(client):
    response = client.post("/")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response.json() == {"detail": "Method Not Allowed"}


def test_404(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_trailing_slash_redirects_to_canonical_form(client):
    response = client.get("/items/5/?a=1", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "/items/5?a=1"
    response = client.get("/slash", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "/slash/"
    assert client.get("/slash").text == "with slash"


def test_trailing_slash_redirect_can_be_turned_off():
    app = Spruce(redirect_slashes=False)

    @app.get("/a")
    def a():
        return "a"

    assert app.test_client().get("/a/", follow_redirects=False).status_code == 404


def test_routers_nest_with_prefixes_and_names():
    app = Spruce()
    blog = Router("/blog", name="blog")
    admin = Router(name="admin")

    @blog.get("/")
    def index():
        return "blog index"

    @blog.get("/{slug}")
    def show(slug: str):
        return f"post {slug}"

    @admin.get("/stats")
    def stats():
        return "stats"

    blog.include(admin, prefix="/admin")
    app.include(blog, prefix="/v1")
    client = app.test_client()
    assert client.get("/v1/blog/").text == "blog index"
    assert client.get("/v1/blog/hello").text == "post hello"
    assert client.get("/v1/blog/admin/stats").text == "stats"
    assert app.url_for("blog.show", slug="hi") == "/v1/blog/hi"
    assert app.url_for("blog.admin.stats") == "/v1/blog/admin/stats"


def test_user_registered_converter():
    class Year(Converter):
        regex = "[0-9]{4}"
        python_type = int

        def to_python(self, text):
            return int(text)

    app = Spruce()
    app.add_converter("year", Year)

    @app.get("/archive/{y:year}")
    def archive(y: int):
        return {"year": y}

    client = app.test_client()
    assert client.get("/archive/2024").json() == {"year": 2024}
    assert client.get("/archive/24").status_code == 404
    assert app.url_for("archive", y=1999) == "/archive/1999"


def test_unknown_converter_is_a_clear_startup_error():
    app = Spruce()

    @app.get("/x/{a:nope}")
    def x(a):
        return ""

    with pytest.raises(ImproperlyConfigured, match="unknown converter 'nope'"):
        app.freeze()


def test_duplicate_route_is_an_error():
    app = Spruce()

    @app.get("/x")
    def one():
        return ""

    @app.get("/x", name="two")
    def two():
        return ""

    with pytest.raises(ImproperlyConfigured, match="routed twice"):
        app.freeze()


def test_url_for(app):
    assert app.url_for("get_item", id=3) == "/items/3"
    assert app.url_for("get_item", id=3, q="a b", tag=["x", "y"]) == "/items/3?q=a+b&tag=x&tag=y"
    assert app.url_for("files", rest="a/b c") == "/files/a/b%20c"
    assert app.url_for("index", _anchor="top") == "/#top"


def test_url_for_errors_are_clear(app):
    with pytest.raises(NoMatch, match="no route named 'nope'"):
        app.url_for("nope")
    with pytest.raises(NoMatch, match="missing parameter"):
        app.url_for("get_item")
    with pytest.raises(NoMatch, match="parameter 'id'"):
        app.url_for("get_item", id="abc")
    with pytest.raises(NoMatch, match="server_name"):
        app.url_for("index", _external=True)


def test_request_url_for_builds_external_urls(app):
    @app.get("/where")
    def where(request):
        return {
            "path": request.url_for("get_item", id=1),
            "external": request.url_for("get_item", id=1, _external=True),
        }

    assert app.test_client().get("/where").json() == {
        "path": "/items/1",
        "external": "http://localhost/items/1",
    }


def test_registration_after_start_raises(app):
    app.freeze()
    with pytest.raises(ImproperlyConfigured, match="after the application has started"):

        @app.get("/late")
        def late():
            return ""


def test_dispatch_cost_does_not_depend_on_route_count():
    """1,000 routes: the last one is found by walking the trie, not by scanning every route."""
    app = Spruce()
    for i in range(1000):
        app.add_route(f"/r{i}/{{id:int}}", lambda id: "ok", name=f"r{i}")
    app.freeze()
    table = app._compiled.table
    match = table.match("/r999/5")
    assert match is not None and match.params == {"id": 5}
    root = table._root
    assert len(root.static) == 1000 and not root.params


def test_int_larger_than_a_bigint_does_not_match(client):
    assert client.get(f"/items/{2**63 - 1}").json()["id"] == 2**63 - 1
    assert client.get(f"/items/{2**63}").status_code == 404
    assert client.get("/items/99999999999999999999").status_code == 404

"""Handler parameters: query, headers, cookies, bodies, providers, return values."""

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Annotated, Literal

import pydantic
import pytest

from spruce import Body, Cookie, Header, Provide, Query, Request, Response, Spruce
from spruce.exceptions import ImproperlyConfigured


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Item(pydantic.BaseModel):
    name: str = pydantic.Field(min_length=1)
    price: float = pydantic.Field(gt=0)
    tags: list[str] = []


@pytest.fixture
def app() -> Spruce:
    app = Spruce()

    @app.get("/q")
    def query(
        i: int,
        f: float = 1.0,
        b: bool = False,
        s: str = "x",
        c: Color = Color.RED,
        u: uuid.UUID | None = None,
        d: dt.date | None = None,
        when: dt.datetime | None = None,
        dec: Decimal | None = None,
        tag: list[int] = [],  # noqa: B006
        mode: Literal["a", "b"] = "a",
        opt: int | None = None,
    ):
        return {
            "i": i,
            "f": f,
            "b": b,
            "s": s,
            "c": c.value,
            "u": str(u) if u else None,
            "d": d.isoformat() if d else None,
            "when": when.isoformat() if when else None,
            "dec": str(dec) if dec is not None else None,
            "tag": tag,
            "mode": mode,
            "opt": opt,
        }

    @app.get("/constrained")
    def constrained(page: Annotated[int, Query(ge=1, le=10)] = 1, q: str = Query("", max_length=5)):
        return {"page": page, "q": q}

    @app.get("/alias")
    def alias(search: Annotated[str, Query(alias="q")]):
        return {"search": search}

    @app.get("/headers")
    def headers(
        x_token: Annotated[str, Header()],
        user_agent: str = Header("none"),
        accept_language: str | None = Header(None),
    ):
        return {"x_token": x_token, "user_agent": user_agent, "accept_language": accept_language}

    @app.get("/cookies")
    def cookies(theme: Annotated[str, Cookie()] = "light", sid: str | None = Cookie(None)):
        return {"theme": theme, "sid": sid}

    @app.post("/items")
    async def create(item: Item):
        return item

    @app.post("/raw")
    async def raw(payload: Annotated[dict[str, int], Body()]):
        return payload

    @app.post("/optional-body")
    async def optional_body(item: Item | None = None):
        return {"item": item.model_dump() if item else None}

    return app


@pytest.fixture
def client(app):
    return app.test_client()


def test_query_conversion(client):
    u = uuid.uuid4()
    response = client.get(
        "/q",
        params=[
            ("i", "5"),
            ("f", "2.5"),
            ("b", "yes"),
            ("s", "hi"),
            ("c", "blue"),
            ("u", str(u)),
            ("d", "2024-02-29"),
            ("when", "2024-01-01T10:00:00+00:00"),
            ("dec", "1.10"),
            ("tag", "1"),
            ("tag", "2"),
            ("mode", "b"),
            ("opt", ""),
        ],
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "i": 5,
        "f": 2.5,
        "b": True,
        "s": "hi",
        "c": "blue",
        "u": str(u),
        "d": "2024-02-29",
        "when": "2024-01-01T10:00:00+00:00",
        "dec": "1.10",
        "tag": [1, 2],
        "mode": "b",
        "opt": None,
    }


def test_query_defaults(client):
    data = client.get("/q?i=1").json()
    assert data["f"] == 1.0 and data["b"] is False and data["tag"] == [] and data["c"] == "red"


@pytest.mark.parametrize(
    ("query", "field", "kind"),
    [
        ("", "i", "missing"),
        ("i=abc", "i", "int_parsing"),
        ("i=1&f=nan", "f", "finite_number"),
        ("i=1&b=maybe", "b", "bool_parsing"),
        ("i=1&c=green", "c", "enum"),
        ("i=1&u=xyz", "u", "uuid_parsing"),
        ("i=1&d=2024-13-01", "d", "date_parsing"),
        ("i=1&tag=1&tag=x", "tag.1", "int_parsing"),
        ("i=1&mode=c", "mode", "literal_error"),
        ("i=1&dec=abc", "dec", "decimal_parsing"),
        ("i=" + "9" * 5000, "i", "int_parsing_size"),  # past int()'s digit limit: no 500
    ],
)
def test_invalid_query_gives_422_with_field_errors(client, query, field, kind):
    response = client.get(f"/q?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Validation failed"
    assert {"location": "query", "field": field, "type": kind}.items() <= body["errors"][0].items()
    assert body["errors"][0]["message"]


def test_several_errors_reported_at_once(client):
    body = client.get("/q?f=x&b=x").json()
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"i", "f", "b"}


def test_constraints_through_pydantic(client):
    assert client.get("/constrained?page=3&q=abc").json() == {"page": 3, "q": "abc"}
    response = client.get("/constrained?page=11")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "page"
    assert client.get("/constrained?q=toolong").status_code == 422


def test_alias(client):
    assert client.get("/alias?q=spruce").json() == {"search": "spruce"}
    assert client.get("/alias?search=spruce").status_code == 422


def test_headers(client):
    response = client.get("/headers", headers={"X-Token": "t", "User-Agent": "ua"})
    assert response.json() == {"x_token": "t", "user_agent": "ua", "accept_language": None}
    response = client.get("/headers")
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "location": "header",
        "field": "x-token",
        "message": "Field required",
        "type": "missing",
    }


def test_cookies(client):
    assert client.get("/cookies").json() == {"theme": "light", "sid": None}
    response = client.get("/cookies", headers={"Cookie": 'theme=dark; sid="abc"'})
    assert response.json() == {"theme": "dark", "sid": "abc"}


def test_json_body(client):
    response = client.post("/items", json={"name": "pen", "price": 1.5, "tags": ["a"]})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"name": "pen", "price": 1.5, "tags": ["a"]}


def test_form_body_with_repeated_keys(client):
    response = client.post("/items", data={"name": "pen", "price": "2", "tags": ["a", "b"]})
    assert response.status_code == 200, response.text
    assert response.json() == {"name": "pen", "price": 2.0, "tags": ["a", "b"]}


def test_multipart_body(client):
    response = client.post(
        "/items", data={"name": "pen", "price": "2"}, files={"unused": ("a.txt", b"hello")}
    )
    assert response.status_code == 200, response.text


def test_body_validation_errors(client):
    response = client.post("/items", json={"name": "", "price": -1})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {(e["location"], e["field"]) for e in errors} == {("body", "name"), ("body", "price")}


def test_malformed_json_is_400(client):
    response = client.post(
        "/items", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "Malformed JSON" in response.json()["detail"]


def test_empty_json_body_is_400(client):
    response = client.post("/items", content=b"", headers={"content-type": "application/json"})
    assert response.status_code == 400


def test_wrong_content_type_is_415(client):
    response = client.post("/items", content=b"name=x", headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


def test_deeply_nested_json_is_400(client):
    body = b"[" * 5000 + b"]" * 5000
    response = client.post("/raw", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_body_marker_with_plain_type(client):
    assert client.post("/raw", json={"a": 1}).json() == {"a": 1}
    assert client.post("/raw", json={"a": "x"}).status_code == 422


def test_optional_body(client):
    assert client.post("/optional-body").json() == {"item": None}
    response = client.post("/optional-body", json={"name": "a", "price": 1})
    assert response.json() == {"item": {"name": "a", "price": 1.0, "tags": []}}


def test_providers_by_type_and_explicit():
    app = Spruce()
    events: list[str] = []

    class Session:
        def __init__(self) -> None:
            self.committed = False

    async def session_provider(request):
        session = Session()
        events.append("open")
        try:
            yield session
        except Exception:
            events.append("rollback")
            raise
        else:
            events.append("commit")
        finally:
            events.append("close")

    app.add_provider(Session, session_provider)

    def current_user(request: Request) -> str:
        return request.headers.get("x-user", "anonymous")

    @app.get("/ok")
    async def ok(session: Session, user: Annotated[str, Provide(current_user)]):
        return {"session": type(session).__name__, "user": user}

    @app.get("/fail")
    def fail(session: Session):
        raise RuntimeError("boom")

    client = app.test_client()
    assert client.get("/ok", headers={"x-user": "ann"}).json() == {
        "session": "Session",
        "user": "ann",
    }
    assert events == ["open", "commit", "close"]
    events.clear()
    assert client.get("/fail").status_code == 500
    assert events == ["open", "rollback", "close"]


def test_request_and_app_injection():
    app = Spruce()

    @app.get("/who")
    def who(request: Request, application: Spruce):
        return {"path": request.path, "same": application is app}

    @app.get("/bare")
    def bare(request):
        return request.method

    client = app.test_client()
    assert client.get("/who").json() == {"path": "/who", "same": True}
    assert client.get("/bare").text == "GET"


def test_two_bodies_is_a_startup_error():
    app = Spruce()

    @app.post("/x")
    def x(a: Item, b: Item):
        return ""

    with pytest.raises(ImproperlyConfigured, match="two bodies"):
        app.freeze()


@pytest.mark.parametrize(
    ("value", "status", "content_type", "body"),
    [
        ("hi", 200, "text/html; charset=utf-8", b"hi"),
        ({"a": 1}, 200, "application/json", b'{"a":1}'),
        ([1, 2], 200, "application/json", b"[1,2]"),
        (None, 204, None, b""),
        (b"\x00\x01", 200, "application/octet-stream", b"\x00\x01"),
        (("created", 201), 201, "text/html; charset=utf-8", b"created"),
        (({"a": 1}, 202, {"X-Extra": "1"}), 202, "application/json", b'{"a":1}'),
        (Item(name="n", price=1), 200, "application/json", b'{"name":"n","price":1.0,"tags":[]}'),
        (
            Response("plain", 418, media_type="text/plain"),
            418,
            "text/plain; charset=utf-8",
            b"plain",
        ),
    ],
)
def test_return_values(value, status, content_type, body):
    app = Spruce()

    @app.get("/")
    def index():
        return value

    response = app.test_client().get("/")
    assert response.status_code == status
    assert response.headers.get("content-type") == content_type
    assert response.content == body
    if isinstance(value, tuple) and len(value) == 3:
        assert response.headers["x-extra"] == "1"


def test_unsupported_return_value_is_a_500():
    app = Spruce()

    @app.get("/")
    def index():
        return object()

    assert app.test_client().get("/").status_code == 500

"""Forms as handler parameters: GET-render / POST-validate / redirect-or-re-render, JSON 422."""

from typing import Any

import pytest
from pydantic import SecretStr, model_validator

from spruce import RedirectResponse, Request, Spruce
from spruce.forms import Email, Form, InvalidInput, field


class Signup(Form):
    name: str = field(max_length=20)
    email: Email
    password: SecretStr = field(min_length=8)
    confirm: SecretStr
    age: int | None = field(default=None, ge=13)

    @model_validator(mode="after")
    def passwords_match(self) -> "Signup":
        if self.password.get_secret_value() != self.confirm.get_secret_value():
            raise InvalidInput(
                "The passwords do not match.", field="confirm", code="password_mismatch"
            )
        return self


class Search(Form):
    q: str = ""
    page: int = field(default=1, ge=1)

    class Meta:
        method = "get"


created: list[dict[str, Any]] = []


@pytest.fixture
def app() -> Spruce:
    app = Spruce()

    @app.route("/signup", methods=["GET", "POST"])
    async def signup(form: Signup):
        if form.is_valid:
            created.append({"name": form.name, "email": form.email})
            return RedirectResponse("/welcome", 303)
        return form.render(submit="Sign up")

    @app.route("/sync-signup", methods=["GET", "POST"])
    def sync_signup(form: Signup):
        return {"bound": form.is_bound, "valid": form.is_valid}

    @app.get("/search")
    def search(form: Search):
        return {
            "bound": form.is_bound,
            "valid": form.is_valid,
            "q": form.q if form.is_valid else None,
            "errors": form.error_list(),
        }

    @app.post("/api/signup")
    async def api_signup(form: Signup):
        return {"name": form.name, "valid": form.is_valid, "age": form.age}

    return app


def test_get_renders_a_blank_form(app):
    response = app.test_client().get("/signup")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<form action="" method="post">' in html
    assert 'name="email"' in html
    assert "errorlist" not in html
    assert '<button type="submit">Sign up</button>' in html


def test_invalid_post_re_renders_with_errors_and_values(app):
    response = app.test_client().post(
        "/signup",
        data={
            "name": "<b>Ada</b>",
            "email": "not-an-email",
            "password": "hunter22",
            "confirm": "x",
        },
    )
    assert response.status_code == 200
    html = response.text
    assert "Enter a valid email address." in html
    assert 'value="&lt;b&gt;Ada&lt;/b&gt;"' in html
    assert 'value="not-an-email"' in html
    assert "hunter22" not in html  # passwords are never sent back
    assert 'aria-invalid="true"' in html


def test_valid_post_redirects(app):
    created.clear()
    response = app.test_client().post(
        "/signup",
        data={
            "name": "Ada",
            "email": "ada@example.com",
            "password": "hunter22",
            "confirm": "hunter22",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/welcome"
    assert created == [{"name": "Ada", "email": "ada@example.com"}]


def test_whole_form_validator_error_is_attached_to_its_field(app):
    html = (
        app.test_client()
        .post(
            "/signup",
            data={
                "name": "Ada",
                "email": "ada@example.com",
                "password": "hunter22",
                "confirm": "hunter23",
            },
        )
        .text
    )
    assert '<ul class="errorlist" id="id_confirm_errors">' in html
    assert "The passwords do not match." in html


def test_sync_handler(app):
    client = app.test_client()
    assert client.get("/sync-signup").json() == {"bound": False, "valid": False}
    assert client.post("/sync-signup", data={"name": "x"}).json() == {"bound": True, "valid": False}


def test_json_valid(app):
    response = app.test_client().post(
        "/api/signup",
        json={
            "name": "Ada",
            "email": "ada@example.com",
            "password": "hunter22",
            "confirm": "hunter22",
            "age": 30,
        },
    )
    assert response.json() == {"name": "Ada", "valid": True, "age": 30}


def test_json_invalid_gives_the_core_422_shape(app):
    response = app.test_client().post(
        "/api/signup",
        json={"name": "A" * 21, "email": "nope", "password": "hunter22", "confirm": "hunter22"},
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Validation failed",
        "errors": [
            {
                "location": "body",
                "field": "name",
                "message": "Ensure this value has at most 20 characters.",
                "type": "string_too_long",
            },
            {
                "location": "body",
                "field": "email",
                "message": "Enter a valid email address.",
                "type": "email",
            },
        ],
    }


def test_json_whole_form_error(app):
    response = app.test_client().post(
        "/api/signup",
        json={
            "name": "Ada",
            "email": "ada@example.com",
            "password": "hunter22",
            "confirm": "other",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "location": "body",
            "field": "confirm",
            "message": "The passwords do not match.",
            "type": "password_mismatch",
        }
    ]


def test_json_malformed_is_400(app):
    response = app.test_client().post(
        "/api/signup", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    empty = app.test_client().post(
        "/api/signup", content=b"", headers={"content-type": "application/json"}
    )
    assert empty.status_code == 400


def test_json_too_deep_is_400(app):
    deep = b"[" * 200 + b"]" * 200
    response = app.test_client().post(
        "/api/signup", content=deep, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


def test_other_content_types_are_415(app):
    response = app.test_client().post(
        "/api/signup", content=b"name=Ada", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415


def test_no_body_is_a_bound_empty_form(app):
    response = app.test_client().post("/sync-signup")
    assert response.json() == {"bound": True, "valid": False}


def test_get_form_bound_to_the_query_string(app):
    client = app.test_client()
    assert client.get("/search").json() == {"bound": False, "valid": False, "q": None, "errors": []}
    assert client.get("/search", params={"q": " spruce ", "page": "2"}).json() == {
        "bound": True,
        "valid": True,
        "q": "spruce",
        "errors": [],
    }
    invalid = client.get("/search", params={"page": "0"}).json()
    assert invalid["bound"] is True
    assert invalid["errors"] == [
        {
            "location": "query",
            "field": "page",
            "message": "Ensure this value is greater than or equal to 1.",
            "type": "greater_than_equal",
        }
    ]


def test_unrelated_query_keeps_a_get_form_unbound(app):
    assert app.test_client().get("/search", params={"utm_source": "x"}).json()["bound"] is False


def test_get_forms_render_without_csrf_and_with_method_get():
    html = str(Search.blank().render())
    assert 'method="get"' in html
    assert "csrf" not in html


def test_optional_form_parameter_and_request_together():
    app = Spruce()

    @app.post("/x")
    async def handler(request: Request, form: Signup | None = None):
        return {"type": type(form).__name__, "path": request.path}

    assert app.test_client().post("/x", data={}).json() == {"type": "Signup", "path": "/x"}


def test_the_params_hook_is_general():
    """Any class with ``__spruce_body__`` reads the request itself (the hook forms use)."""

    class RawBody:
        def __init__(self, text: str) -> None:
            self.text = text

        @classmethod
        async def __spruce_body__(cls, request: Request) -> "RawBody":
            return cls((await request.body()).decode().upper())

    app = Spruce()

    @app.route("/raw", methods=["GET", "PUT"])
    async def raw(body: RawBody):
        return body.text

    client = app.test_client()
    assert client.put("/raw", content=b"hello").text == "HELLO"
    assert client.get("/raw").text == ""


def test_reading_an_invalid_forms_value_says_why():
    form = Signup.bind({"name": "Ada"})
    with pytest.raises(AttributeError, match="the form is invalid"):
        form.email  # noqa: B018
    blank = Signup.blank()
    with pytest.raises(AttributeError, match="not bound"):
        blank.email  # noqa: B018
    assert form.data == {}


def test_the_csrf_field_of_the_security_battery_round_trips(app):
    """The security battery (on by default) gives the page a token; the rendered form carries it
    and the browser's next post passes the CSRF check with it."""
    import re

    assert "security" in app.batteries
    client = app.test_client()
    html = client.get("/signup").text
    found = re.search(r'<input type="hidden" name="(csrf_token)" value="([^"]+)">', html)
    assert found, html
    data = {
        "name": "Ada",
        "email": "ada@example.com",
        "password": "hunter22",
        "confirm": "hunter22",
    }
    refused = client.post("/signup", data=data, follow_redirects=False)
    assert refused.status_code == 403  # a cookie but no token
    accepted = client.post(
        "/signup", data={**data, "csrf_token": found.group(2)}, follow_redirects=False
    )
    assert accepted.status_code == 303

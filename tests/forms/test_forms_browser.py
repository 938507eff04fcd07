"""A real browser fills a form: its own checks stop an empty submit, the server's errors come
back next to the fields with the input kept (escaped), and a correct submit goes through."""

from collections.abc import Iterator

import pytest
from pydantic import SecretStr, field_validator, model_validator

from browser_support import app_server, chromium_page
from spruce import RedirectResponse, Spruce
from spruce.forms import Email, Form, InvalidInput, field

pytestmark = [pytest.mark.browser, pytest.mark.slow]


class Signup(Form):
    username: str = field(min_length=3, max_length=40, help_text="Letters and digits.")
    email: Email
    password: SecretStr = field(min_length=8)
    confirm: SecretStr = field(label="Password again")
    plan: str = field(default="free", choices={"free": "Free", "pro": "Pro"}, widget="radio")
    terms: bool = field(default=False, label="I accept the terms")

    @model_validator(mode="after")
    def check(self) -> "Signup":
        if self.password.get_secret_value() != self.confirm.get_secret_value():
            raise InvalidInput("The passwords do not match.", field="confirm", code="mismatch")
        if self.username == "admin":
            raise InvalidInput("That name is taken.", field="username", code="taken")
        return self

    @field_validator("username")
    @classmethod
    def letters_and_digits(cls, value: str) -> str:
        if not value.isalnum():
            raise InvalidInput("Use letters and digits only.", code="username_chars")
        return value


def make_app() -> Spruce:
    app = Spruce()
    accounts: list[str] = []

    @app.route("/signup", methods=["GET", "POST"])
    async def signup(form: Signup):
        if form.is_valid:
            accounts.append(form.username)
            return RedirectResponse(f"/welcome?plan={form.plan}", 303)
        return (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Sign up</title>"
            f"</head><body><h1>Sign up</h1>{form.render(submit='Create account')}</body></html>"
        )

    @app.get("/welcome")
    def welcome(plan: str):
        return f"<!doctype html><p id='done'>Welcome {accounts[-1]} on {plan}</p>"

    return app


@pytest.fixture
def server() -> Iterator[str]:
    with app_server(make_app()) as url:
        yield url


@pytest.fixture
def page():
    with chromium_page(timeout_ms=5000) as tab:
        yield tab


def fill(page, **values: str) -> None:
    """Type ``values`` into the form's fields (``username=...`` fills ``#id_username``)."""
    for name, value in values.items():
        page.fill(f"#id_{name}", value)


def test_fill_submit_errors_then_success(server, page):
    page.goto(f"{server}/signup")
    assert page.title() == "Sign up"

    # the browser's own checks, from the rendered attributes, stop an empty form
    page.click("button[type=submit]")
    assert page.evaluate("document.querySelector('#id_username').validity.valueMissing")
    assert page.url.endswith("/signup")

    # input the browser accepts but the server refuses
    fill(page, username="admin", email="ada@example.com", password="correct horse")
    fill(page, confirm="wrong horse!")
    page.check("#id_plan_1")
    page.click("button[type=submit]")
    page.wait_for_selector("#id_confirm_errors")
    assert page.inner_text("#id_confirm_errors") == "The passwords do not match."
    assert page.get_attribute("#id_confirm", "aria-invalid") == "true"
    assert "id_confirm_errors" in page.get_attribute("#id_confirm", "aria-describedby")
    assert page.input_value("#id_username") == "admin"
    assert page.input_value("#id_email") == "ada@example.com"
    assert page.input_value("#id_password") == ""  # never sent back
    assert page.is_checked("#id_plan_1")

    fill(page, password="correct horse", confirm="correct horse")
    fill(page, username="<script>window.hacked=1</script>")
    page.click("button[type=submit]")
    page.wait_for_selector("#id_username_errors")
    assert page.inner_text("#id_username_errors") == "Use letters and digits only."
    assert page.evaluate("window.hacked === undefined")  # shown as text, not run
    assert page.input_value("#id_username") == "<script>window.hacked=1</script>"

    # a correct submit goes through (the CSRF field rode along in every post)
    fill(page, username="ada", password="correct horse", confirm="correct horse")
    page.check("#id_terms")
    page.click("button[type=submit]")
    page.wait_for_selector("#done")
    assert page.inner_text("#done") == "Welcome ada on pro"

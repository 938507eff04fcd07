"""Rendering: attributes from constraints, accessibility, values kept (never passwords), escaping,
templates the app overrides, the CSRF field."""

import datetime as dt
import decimal
import enum
import re
from typing import Literal

import pytest
from pydantic import SecretStr

from spruce import Spruce
from spruce.forms import Email, Form, Textarea, field
from spruce.forms.rendering import html_attrs, html_pattern
from spruce.templating import render


def tag(html: str, name: str) -> str:
    """The first tag in ``html`` whose ``name`` attribute is ``name``."""
    match = re.search(rf'<(?:input|select|textarea)[^>]*\bname="{name}"[^>]*>', html)
    assert match, f"no control named {name} in {html}"
    return match.group(0)


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Profile(Form):
    name: str = field(min_length=2, max_length=30, placeholder="Ada", autocomplete="name")
    email: Email = field(help_text="We never share it.")
    code: str = field(default="", pattern=r"^[A-Z]{3}$")
    contains: str = field(default="", pattern="abc")
    python_only: str = field(default="", pattern=r"(?P<x>a)b")
    password: SecretStr = field(min_length=8)
    age: int | None = field(default=None, ge=13, le=120)
    exclusive: int = field(default=5, gt=0, lt=10)
    stars: int = field(default=5, multiple_of=5)
    ratio: float = 0.5
    price: decimal.Decimal = field(default=decimal.Decimal("9.99"), decimal_places=2)
    born: dt.date | None = field(default=None, ge=dt.date(1900, 1, 1), le=dt.date(2100, 12, 31))
    alarm: dt.time | None = None
    meeting: dt.datetime | None = None
    newsletter: bool = False
    terms: Literal[True]
    colour: Colour = Colour.RED
    size: Literal["s", "m"]
    mood: str | None = field(default=None, choices={"happy": "Happy", "sad": "Sad"})
    shape: str = field(choices={"o": "Circle", "x": "Cross"}, widget="radio")
    tags: list[Literal["a", "b"]] = field(default_factory=list)
    toppings: list[str] = field(
        default_factory=list, choices=["nuts", "cream"], widget="checkboxes"
    )
    bio: str = field(default="", widget=Textarea(rows=4, attrs={"class": "wide"}))
    next_url: str = field(default="/", widget="hidden")


def test_text_attributes():
    html = str(Profile.blank()["name"])
    control = tag(html, "name")
    assert 'id="id_name"' in control
    assert 'type="text"' in control
    assert " required" in control
    assert 'minlength="2"' in control
    assert 'maxlength="30"' in control
    assert 'placeholder="Ada"' in control
    assert 'autocomplete="name"' in control
    assert "aria-invalid" not in control
    assert '<label for="id_name">Name</label>' in html


def test_patterns_match_what_the_server_accepts():
    form = Profile.blank()
    assert 'pattern="[A-Z]{3}"' in tag(str(form["code"]), "code")
    assert 'pattern=".*(?:abc).*"' in tag(str(form["contains"]), "contains")
    assert "pattern" not in tag(str(form["python_only"]), "python_only")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("^a+$", "a+"),
        ("^a", "(?:a).*"),
        ("a$", ".*(?:a)"),
        ("a\\$", ".*(?:a\\$).*"),
        ("(?i)abc", None),
        ("(?P<year>\\d{4})", None),
        ("\\Aabc\\Z", None),
        ("a++", None),
    ],
)
def test_html_pattern(pattern, expected):
    assert html_pattern(pattern) == expected


def test_number_attributes():
    form = Profile.blank()
    age = tag(str(form["age"]), "age")
    assert 'type="number"' in age and 'min="13"' in age and 'max="120"' in age
    assert "required" not in age
    exclusive = tag(str(form["exclusive"]), "exclusive")
    assert 'min="1"' in exclusive and 'max="9"' in exclusive
    assert 'step="5"' in tag(str(form["stars"]), "stars")
    assert 'step="any"' in tag(str(form["ratio"]), "ratio")
    price = tag(str(form["price"]), "price")
    assert 'step="0.01"' in price and 'value="9.99"' in price


def test_date_and_time_attributes_and_initial_values():
    form = Profile.blank(
        born=dt.date(1990, 5, 17),
        alarm=dt.time(7, 30),
        meeting=dt.datetime(2024, 3, 1, 18, 45, tzinfo=dt.UTC),
    )
    born = tag(str(form["born"]), "born")
    assert 'type="date"' in born and 'min="1900-01-01"' in born and 'max="2100-12-31"' in born
    assert 'value="1990-05-17"' in born
    alarm = tag(str(form["alarm"]), "alarm")
    assert 'type="time"' in alarm and 'value="07:30"' in alarm
    meeting = tag(str(form["meeting"]), "meeting")
    assert 'type="datetime-local"' in meeting and 'value="2024-03-01T18:45"' in meeting


def test_email_help_text_and_describedby():
    html = str(Profile.blank()["email"])
    control = tag(html, "email")
    assert 'type="email"' in control
    assert 'aria-describedby="id_email_help"' in control
    assert '<div class="helptext" id="id_email_help">We never share it.</div>' in html


def test_errors_are_announced():
    form = Profile.bind({"email": "nope"})
    html = str(form["email"])
    control = tag(html, "email")
    assert 'aria-invalid="true"' in control
    assert 'aria-describedby="id_email_help id_email_errors"' in control
    assert '<ul class="errorlist" id="id_email_errors">' in html
    assert "<li>Enter a valid email address.</li>" in html
    assert 'value="nope"' in control


def test_passwords_are_never_rendered():
    bound = Profile.bind({"password": "correct horse"})
    assert "correct horse" not in str(bound.render())
    assert "value" not in tag(str(bound["password"]), "password")
    blank = Profile.blank(password=SecretStr("initial secret"))
    assert "initial secret" not in str(blank["password"])
    assert "**" not in str(blank["password"])


def test_checkboxes():
    blank = Profile.blank(newsletter=True)
    assert " checked" in tag(str(blank["newsletter"]), "newsletter")
    terms = tag(str(blank["terms"]), "terms")
    assert " required" in terms and 'type="checkbox"' in terms
    assert "required" not in tag(str(blank["newsletter"]), "newsletter")
    bound = Profile.bind({"newsletter": "on"})
    assert " checked" in tag(str(bound["newsletter"]), "newsletter")
    assert "checked" not in tag(str(bound["terms"]), "terms")
    html = str(blank["newsletter"])
    assert html.index("<input") < html.index("<label")  # a checkbox's label follows it


def test_selects():
    blank = Profile.blank()
    colour = str(blank["colour"])
    assert '<option value="red" selected>Red</option>' in colour
    assert 'value=""' not in colour  # a default is chosen: no empty option
    size = str(blank["size"])
    assert '<option value="" selected>---------</option>' in size
    assert "required" in tag(size, "size")
    mood = str(blank["mood"])
    assert '<option value="" selected>---------</option>' in mood  # optional: None
    bound = Profile.bind({"size": "m", "tags": ["a", "b"]})
    assert '<option value="m" selected>m</option>' in str(bound["size"])
    tags = str(bound["tags"])
    assert " multiple" in tag(tags, "tags")
    assert '<option value="a" selected>' in tags and '<option value="b" selected>' in tags


def test_radio_and_checkbox_groups_are_fieldsets():
    bound = Profile.bind({"shape": "x", "toppings": ["cream"]})
    shape = str(bound["shape"])
    assert "<fieldset" in shape and "<legend>Shape</legend>" in shape
    assert 'type="radio" name="shape" value="o" id="id_shape_0" required' in shape
    assert 'value="x" id="id_shape_1" checked required' in shape
    assert '<label for="id_shape_1">' in shape
    toppings = str(bound["toppings"])
    assert 'type="checkbox" name="toppings" value="cream" id="id_toppings_1" checked' in toppings
    assert "required" not in toppings


def test_textarea_escapes_and_keeps_a_leading_newline():
    form = Profile.bind({"bio": "\nline</textarea><script>x</script>", "size": "s"})
    html = str(form["bio"])
    assert "</textarea><script>" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html
    assert 'rows="4"' in html and 'class="wide"' in html


def test_extra_attributes_at_render_time():
    control = str(
        Profile.blank()["name"].control(class_="big", data_role="x", **{"aria-label": "N"})
    )
    assert 'class="big"' in control and 'data-role="x"' in control and 'aria-label="N"' in control


def test_parts_of_a_field():
    field_ = Profile.bind({"email": "x"})["email"]
    assert str(field_.label_tag(class_="lbl")) == '<label for="id_email" class="lbl">Email</label>'
    assert str(field_.help_tag()).startswith('<div class="helptext"')
    assert "Enter a valid email address." in str(field_.errors_tag())
    assert str(Profile.blank()["name"].errors_tag()) == ""
    assert str(Profile.blank()["name"].help_tag()) == ""
    assert field_.value == "x"


def test_hidden_fields_come_first_without_labels_and_their_errors_are_listed():
    class WithHidden(Form):
        step: int = field(widget="hidden")
        name: str

    html = str(WithHidden.bind({"step": "x", "name": "n"}).render())
    assert html.index('type="hidden"') < html.index('name="name"')
    assert '<label for="id_step"' not in html
    assert '<ul class="errorlist nonfield" role="alert">' in html
    assert "<li>Step: Enter a whole number.</li>" in html


def test_non_field_errors():
    form = Profile.bind({})
    form.add_error(None, "Wrong <b>password</b>")
    html = form.__html__()
    assert '<ul class="errorlist nonfield" role="alert">' in html
    assert "<li>Wrong &lt;b&gt;password&lt;/b&gt;</li>" in html


def test_malicious_labels_choices_and_help_are_escaped():
    class Evil(Form):
        pick: str = field(
            label="<script>1</script>",
            help_text="<img src=x onerror=alert(1)>",
            placeholder='"><script>',
            choices={'"><script>': "<b>bold</b>"},
        )

    html = str(Evil.bind({"pick": '"><script>alert(1)</script>'}).render())
    assert "<script>" not in html
    assert "<img" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;1&lt;/script&gt;" in html


def test_attribute_names_are_checked():
    with pytest.raises(ValueError, match="not a valid HTML attribute"):
        html_attrs({'onclick="x" a': "1"})
    assert str(html_attrs({"a": True, "b": False, "c": None, "d": '"'})) == ' a d="&#34;"'


def test_unknown_field():
    with pytest.raises(KeyError, match="no field 'nope'"):
        Profile.blank()["nope"]


def test_whole_form_markup():
    html = str(
        Profile.blank().render(action="/p?a=1&b=2", submit="Save", class_="stacked", id="profile")
    )
    assert html.startswith(
        '<form action="/p?a=1&amp;b=2" method="post" class="stacked" id="profile">'
    )
    assert html.rstrip().endswith('<button type="submit">Save</button>\n</form>')
    assert "enctype" not in html


# -- in templates and overridden ---------------------------------------------------------------------
@pytest.fixture
def site(tmp_path):
    templates = tmp_path / "templates"
    (templates / "spruce" / "forms").mkdir(parents=True)
    (templates / "page.html").write_text(
        "<main>{{ form }}</main>"
        "<p>{{ form['email'].label_tag() }}|{{ form['email'].control(class_='x') }}</p>"
        "{% for f in form.fields %}[{{ f.name }}]{% endfor %}"
    )
    app = Spruce(root_path=str(tmp_path))

    class Small(Form):
        name: str
        email: Email

    @app.route("/", methods=["GET", "POST"])
    async def page(form: Small):
        return render("page.html", form=form)

    return app, templates


def test_forms_in_templates(site):
    app, _ = site
    html = app.test_client().post("/", data={"name": "<x>", "email": "bad"}).text
    assert html.startswith("<main>")
    assert 'value="&lt;x&gt;"' in html
    assert '<label for="id_email">Email</label>|<input id="id_email"' in html
    assert 'class="x"' in html
    assert "[name][email]" in html


def test_the_app_overrides_a_widget_template(site):
    app, templates = site
    (templates / "spruce" / "forms" / "input.html").write_text('<input class="custom"{{ attrs }}>')
    html = app.test_client().get("/").text
    assert '<input class="custom" id="id_name"' in html


def without_security() -> Spruce:
    """An app without the security battery (installed by default)."""
    return Spruce(security=False)


def test_csrf_field_from_a_context_processor():
    app = without_security()
    app.templates.add_context_processor(lambda request: {"csrf_token": lambda: "tok<en>"})

    @app.get("/")
    def page():
        return Profile.blank().render()

    html = app.test_client().get("/").text
    assert '<input type="hidden" name="csrf_token" value="tok&lt;en&gt;">' in html


class FakeSecurity:
    name = "security"
    requires = ()

    class csrf:
        enabled = True
        field_name = "csrf"

        @staticmethod
        def token(request):
            return "masked-token"

    def install(self, app):
        pass


def test_csrf_field_from_the_security_battery():
    app = without_security()
    app.batteries["security"] = FakeSecurity()

    @app.get("/")
    def page():
        return Profile.blank().__html__()

    assert (
        '<input type="hidden" name="csrf" value="masked-token">' in app.test_client().get("/").text
    )


def test_no_csrf_field_when_csrf_is_off():
    app = without_security()
    security = FakeSecurity()
    security.csrf = type("Off", (), {"enabled": False})
    app.batteries["security"] = security

    @app.get("/")
    def page():
        return Profile.blank().render()

    assert "csrf" not in app.test_client().get("/").text


def test_no_csrf_field_without_protection_or_outside_a_request():
    app = without_security()

    @app.get("/")
    def page():
        return Profile.blank().render()

    assert "csrf" not in app.test_client().get("/").text
    assert "csrf" not in str(Profile.blank().render())

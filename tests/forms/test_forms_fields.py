"""Every field kind: valid, invalid, edge and malicious input, bound the way browsers send it."""

import datetime as dt
import decimal
import enum
import uuid
from typing import Literal

import pytest
from pydantic import SecretStr

from spruce.exceptions import ImproperlyConfigured
from spruce.forms import Email, Form, Url, field
from spruce.forms.fields import validate_email


def codes(form: Form) -> dict[str, list[str]]:
    return {name: [error.code for error in errors] for name, errors in form.errors.items()}


class Colour(enum.Enum):
    RED = "red"
    DARK_BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


# -- text ----------------------------------------------------------------------------------------
class TextForm(Form):
    name: str = field(min_length=2, max_length=10)
    nickname: str = "anon"
    motto: str | None = None
    code: str = field(default="", pattern=r"^[A-Z]{3}$")


def test_text_valid_is_stripped():
    form = TextForm.bind({"name": "  Ada  ", "code": " ABC "})
    assert form.is_valid
    assert form.name == "Ada"
    assert form.code == "ABC"
    assert form.motto is None


def test_null_characters_are_a_field_error_not_a_database_error():
    form = TextForm.bind({"name": "Ad\x00a", "motto": "ok"})
    assert not form.is_valid
    assert codes(form)["name"] == ["null_characters"]


@pytest.mark.parametrize(
    ("value", "code"),
    [("", "missing"), ("   ", "missing"), ("A", "string_too_short"), ("A" * 11, "string_too_long")],
)
def test_text_invalid(value, code):
    form = TextForm.bind({"name": value})
    assert not form.is_valid
    assert codes(form) == {"name": [code]}


def test_text_length_edges():
    assert TextForm.bind({"name": "Ab"}).is_valid
    assert TextForm.bind({"name": "A" * 10}).is_valid
    assert TextForm.bind({"name": "é" * 10}).is_valid  # characters, not bytes


def test_text_empty_with_default_is_empty_string_and_optional_is_none():
    form = TextForm.bind({"name": "Ada", "nickname": "", "motto": "  "})
    assert form.is_valid
    assert form.nickname == ""
    assert form.motto is None


def test_text_missing_keeps_default():
    form = TextForm.bind({"name": "Ada"})
    assert form.nickname == "anon"


def test_pattern():
    assert codes(TextForm.bind({"name": "Ada", "code": "abc"})) == {
        "code": ["string_pattern_mismatch"]
    }


def test_repeated_key_takes_the_last_value():
    form = TextForm.bind({"name": ["First", "Last"]})
    assert form.name == "Last"


def test_malicious_text_is_kept_verbatim_for_the_app_and_escaped_in_html():
    payload = '<script>alert("x")</script>'
    form = TextForm.bind({"name": payload})
    assert not form.is_valid  # too long, so it is shown again
    html = str(form["name"])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_control_characters_other_than_nul_do_not_break_validation():
    form = TextForm.bind({"name": "a\x01b"})
    assert form.is_valid
    assert form.name == "a\x01b"


# -- email and url -------------------------------------------------------------------------------
class ContactForm(Form):
    email: Email
    site: Url | None = None


@pytest.mark.parametrize(
    "address",
    ["ada@example.com", "first.last+tag@sub.example.co.uk", "ü@exämple.de", "a@b.io"],
)
def test_valid_emails(address):
    assert ContactForm.bind({"email": address}).is_valid


@pytest.mark.parametrize(
    "address",
    [
        "plain",
        "@example.com",
        "ada@",
        "ada@localhost",
        "ada@example..com",
        "ada@-example.com",
        ".ada@example.com",
        "a..da@example.com",
        "ada example@example.com",
        '"<script>"@example.com',
        "ada@example.com<script>",
        "a" * 65 + "@example.com",
        "ada@" + "a" * 250 + ".com",
        "ada@1.2.3.4",
    ],
)
def test_invalid_emails(address):
    form = ContactForm.bind({"email": address})
    assert codes(form) == {"email": ["email"]}


def test_validate_email_returns_the_value():
    assert validate_email("Ada@Example.com") == "Ada@Example.com"


@pytest.mark.parametrize("url", ["https://example.com", "http://example.com/a?b=c#d"])
def test_valid_urls(url):
    form = ContactForm.bind({"email": "a@b.io", "site": url})
    assert form.is_valid
    assert form.site == url


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.com", "example", "http://"])
def test_invalid_urls(url):
    form = ContactForm.bind({"email": "a@b.io", "site": url})
    assert not form.is_valid
    assert list(codes(form)) == ["site"]
    assert str(form.errors["site"][0]).startswith("Enter a")


# -- password ------------------------------------------------------------------------------------
class LoginForm(Form):
    password: SecretStr = field(min_length=8)


def test_password_is_a_secret_and_not_stripped():
    form = LoginForm.bind({"password": "  secret  "})
    assert form.is_valid
    assert form.password.get_secret_value() == "  secret  "
    assert "secret" not in repr(form)


def test_password_too_short():
    assert codes(LoginForm.bind({"password": "short"})) == {"password": ["string_too_short"]}


# -- numbers -------------------------------------------------------------------------------------
class NumberForm(Form):
    count: int = field(ge=0, le=100)
    step: int = field(default=0, multiple_of=5)
    ratio: float = field(default=0.0, gt=0, lt=1)
    price: decimal.Decimal = field(default=decimal.Decimal("0"), max_digits=6, decimal_places=2)
    maybe: int | None = None


def test_numbers_valid():
    form = NumberForm.bind(
        {"count": " 42 ", "step": "15", "ratio": "0.25", "price": "1234.50", "maybe": ""}
    )
    assert form.is_valid, form.errors
    assert form.count == 42
    assert form.ratio == 0.25
    assert form.price == decimal.Decimal("1234.50")
    assert form.maybe is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"count": "abc"}, {"count": ["int_parsing"]}),
        ({"count": "1.5"}, {"count": ["int_parsing"]}),
        ({"count": "-1"}, {"count": ["greater_than_equal"]}),
        ({"count": "101"}, {"count": ["less_than_equal"]}),
        ({"count": "9" * 5000}, {"count": ["int_parsing_size"]}),
        ({"count": "1", "step": "7"}, {"step": ["multiple_of"]}),
        ({"count": "1", "ratio": "nan"}, {"ratio": ["finite_number"]}),
        ({"count": "1", "ratio": "inf"}, {"ratio": ["finite_number"]}),
        ({"count": "1", "ratio": "1"}, {"ratio": ["less_than"]}),
        ({"count": "1", "price": "1.234"}, {"price": ["decimal_max_places"]}),
        ({"count": "1", "price": "12345.6"}, {"price": ["decimal_whole_digits"]}),
        ({"count": "1", "price": "NaN"}, {"price": ["finite_number"]}),
        ({"count": "1", "price": "1e400"}, {"price": ["decimal_max_digits"]}),
    ],
)
def test_numbers_invalid(data, expected):
    assert codes(NumberForm.bind(data)) == expected


def test_number_edges():
    assert NumberForm.bind({"count": "0"}).is_valid
    assert NumberForm.bind({"count": "100"}).is_valid
    assert NumberForm.bind({"count": "+7"}).count == 7


def test_number_empty_required_and_with_default():
    assert codes(NumberForm.bind({"count": ""})) == {"count": ["missing"]}
    form = NumberForm.bind({"count": "1", "step": ""})
    assert form.step == 0


def test_number_messages_carry_the_limits():
    form = NumberForm.bind({"count": "101"})
    assert str(form.errors["count"][0]) == "Ensure this value is less than or equal to 100."


# -- booleans ------------------------------------------------------------------------------------
class PrefsForm(Form):
    newsletter: bool = False
    dark: bool = True
    terms: Literal[True]


def test_checked_and_unchecked_checkboxes():
    form = PrefsForm.bind({"newsletter": "on", "terms": "on"})
    assert form.is_valid
    assert form.newsletter is True
    assert form.dark is False  # unchecked boxes are not sent: False, not the default


@pytest.mark.parametrize("value", ["", "off", "false", "0", "no", "OFF"])
def test_falsy_checkbox_values(value):
    form = PrefsForm.bind({"newsletter": value, "terms": "on"})
    assert form.newsletter is False


@pytest.mark.parametrize("value", ["on", "true", "1", "yes", "<script>"])
def test_truthy_checkbox_values(value):
    assert PrefsForm.bind({"newsletter": value, "terms": "on"}).newsletter is True


def test_a_must_check_box():
    form = PrefsForm.bind({})
    assert codes(form) == {"terms": ["required_checkbox"]}
    assert str(form.errors["terms"][0]) == "Check this box to continue."


# -- dates and times -----------------------------------------------------------------------------
class WhenForm(Form):
    day: dt.date = field(ge=dt.date(2000, 1, 1))
    at: dt.time | None = None
    moment: dt.datetime | None = None


def test_dates_and_times_as_browsers_send_them():
    form = WhenForm.bind({"day": "2024-02-29", "at": "09:30", "moment": "2024-03-01T18:45"})
    assert form.is_valid, form.errors
    assert form.day == dt.date(2024, 2, 29)
    assert form.at == dt.time(9, 30)
    assert form.moment == dt.datetime(2024, 3, 1, 18, 45)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"day": "2023-02-29"}, "date_from_datetime_parsing"),
        ({"day": "yesterday"}, "date_from_datetime_parsing"),
        ({"day": "1999-12-31"}, "greater_than_equal"),
        ({"day": "2024-01-01", "at": "25:00"}, "time_parsing"),
        ({"day": "2024-01-01", "moment": "2024-13-01T00:00"}, "datetime_from_date_parsing"),
    ],
)
def test_dates_invalid(data, code):
    form = WhenForm.bind(data)
    assert not form.is_valid
    assert [error.code for errors in form.errors.values() for error in errors] == [code]
    assert str(next(iter(form.errors.values()))[0]).startswith(("Enter a valid", "Ensure"))


# -- choices -------------------------------------------------------------------------------------
class ChoiceForm(Form):
    colour: Colour = Colour.RED
    level: Level | None = None
    size: Literal["s", "m", "l"]
    count: Literal[1, 2, 3] = 1
    flavour: str = field(default="", choices={"": "None", "v": "Vanilla", "c": "Chocolate"})
    tags: list[Literal["a", "b", "c"]] = []
    colours: set[Colour] = set()
    toppings: list[str] = field(default_factory=list, choices=["nuts", "cream"])


def test_choices_valid():
    form = ChoiceForm.bind(
        {
            "colour": "blue",
            "level": "2",
            "size": "m",
            "count": "3",
            "flavour": "c",
            "tags": ["a", "c"],
            "colours": ["red", "blue"],
            "toppings": ["cream"],
        }
    )
    assert form.is_valid, form.errors
    assert form.colour is Colour.DARK_BLUE
    assert form.level is Level.HIGH
    assert form.count == 3
    assert form.tags == ["a", "c"]
    assert form.colours == {Colour.RED, Colour.DARK_BLUE}
    assert form.toppings == ["cream"]


def test_choices_absent_lists_are_empty():
    form = ChoiceForm.bind({"size": "s"})
    assert form.is_valid
    assert form.tags == []
    assert form.level is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"size": "xl"}, {"size": ["literal_error"]}),
        ({"size": "s", "colour": "green"}, {"colour": ["enum"]}),
        ({"size": "s", "count": "4"}, {"count": ["literal_error"]}),
        ({"size": "s", "flavour": "<script>"}, {"flavour": ["invalid_choice"]}),
        ({"size": "s", "tags": ["a", "z"]}, {"tags": ["literal_error"]}),
        ({"size": "s", "toppings": ["nuts", "ham"]}, {"toppings": ["invalid_choice"]}),
        ({}, {"size": ["missing"]}),
        ({"size": ""}, {"size": ["missing"]}),
    ],
)
def test_choices_invalid(data, expected):
    form = ChoiceForm.bind(data)
    assert codes(form) == expected
    for errors in form.errors.values():
        assert str(errors[0]) in ("Select a valid choice.", "This field is required.")


def test_enum_labels():
    assert ChoiceForm._field_specs()["colour"].choices == (
        (Colour.RED, "Red"),
        (Colour.DARK_BLUE, "Dark blue"),
    )


# -- uuid ----------------------------------------------------------------------------------------
class TokenForm(Form):
    token: uuid.UUID


def test_uuid():
    value = uuid.uuid4()
    assert TokenForm.bind({"token": str(value)}).token == value
    assert codes(TokenForm.bind({"token": "nope"})) == {"token": ["uuid_parsing"]}


# -- hidden --------------------------------------------------------------------------------------
class HiddenForm(Form):
    next_url: str = field(default="/", widget="hidden")
    step: int = field(widget="hidden")


def test_hidden_fields_validate_like_others():
    form = HiddenForm.bind({"next_url": "/home", "step": "2"})
    assert form.is_valid
    assert form.step == 2
    assert codes(HiddenForm.bind({"step": "x"})) == {"step": ["int_parsing"]}


# -- textarea ------------------------------------------------------------------------------------
class NoteForm(Form):
    body: str = field(widget="textarea", max_length=1000)
    raw: str = field(default="", widget="textarea", strip=False)


def test_textarea_keeps_inner_newlines_and_strips_the_ends():
    form = NoteForm.bind({"body": "\n line 1\r\nline 2 \n", "raw": "  x  "})
    assert form.body == "line 1\r\nline 2"
    assert form.raw == "  x  "


# -- only declared fields are read -----------------------------------------------------------------
def test_unknown_fields_are_ignored():
    form = TextForm.bind({"name": "Ada", "is_admin": "1", "__class__": "x", "model_config": "y"})
    assert form.is_valid
    assert "is_admin" not in form.data
    assert not hasattr(form, "is_admin")


# -- declaration mistakes ------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:Field name")
def test_reserved_names_are_refused():
    with pytest.raises(ImproperlyConfigured, match="reserved"):

        class Bad(Form):
            errors: str


def test_a_list_needs_choices():
    with pytest.raises(ImproperlyConfigured, match="needs choices"):

        class Bad(Form):
            words: list[str]


def test_a_widget_must_fit_the_field():
    with pytest.raises(ImproperlyConfigured, match="does not fit"):

        class Bad(Form):
            word: str = field(widget="checkboxes")


def test_unknown_widget_name():
    with pytest.raises(ImproperlyConfigured, match="unknown widget"):

        class Bad(Form):
            word: str = field(widget="slider")


# -- one schema: the JSON schema (and so OpenAPI) sees the same fields --------------------------------
def test_json_schema():
    from spruce.forms import File, Image

    class Upload(Form):
        name: str = field(label="Your name", help_text="As on your passport.", max_length=5)
        email: Email
        site: Url | None = None
        document: File
        photo: Image | None = None
        password: SecretStr
        size: Literal["s", "m"] = "s"

    schema = Upload.model_json_schema()
    properties = schema["properties"]
    assert properties["name"] == {
        "title": "Your name",
        "description": "As on your passport.",
        "maxLength": 5,
        "type": "string",
    }
    assert properties["email"]["format"] == "email"
    assert properties["site"]["anyOf"][0]["format"] == "uri"
    assert properties["document"]["format"] == "binary"
    assert properties["password"]["writeOnly"] is True
    assert properties["size"]["enum"] == ["s", "m"]
    assert schema["required"] == ["name", "email", "document", "password"]

"""Messages: stable codes, translation at use time, site-wide wording, validators' own messages."""

import pytest
from pydantic import field_validator, model_validator

from spruce.forms import (
    ErrorMessage,
    Form,
    InvalidInput,
    LazyText,
    field,
    set_message,
    set_translator,
)
from spruce.forms import gettext_lazy as _
from spruce.forms.messages import MESSAGES, gettext, message_for


@pytest.fixture
def german():
    catalog = {
        "This field is required.": "Dieses Feld ist zwingend erforderlich.",
        "Ensure this value has at most {max_length} characters.": "Höchstens {max_length} Zeichen.",
        "Taken": "Vergeben",
    }
    set_translator(lambda msgid: catalog.get(msgid, msgid))
    yield
    set_translator(None)


class Account(Form):
    username: str = field(max_length=5)
    email: str = ""

    @field_validator("username")
    @classmethod
    def not_admin(cls, value: str) -> str:
        if value == "admin":
            raise InvalidInput(_("Taken"), code="username_taken")
        if value == "root":
            raise ValueError("No root, please.")
        return value

    @model_validator(mode="after")
    def email_for_bob(self) -> "Account":
        if self.username == "bob" and not self.email:
            raise ValueError("Bob needs an email.")
        return self


def test_messages_are_translated_when_shown(german):
    form = Account.bind({"username": "x" * 6})
    assert str(form.errors["username"][0]) == "Höchstens 5 Zeichen."
    assert "Höchstens 5 Zeichen." in str(form["username"])
    form = Account.bind({})
    assert str(form.errors["username"][0]) == "Dieses Feld ist zwingend erforderlich."


def test_the_translation_follows_the_current_translator():
    form = Account.bind({})
    error = form.errors["username"][0]
    assert str(error) == "This field is required."
    set_translator(lambda msgid: "[" + msgid + "]")
    try:
        assert str(error) == "[This field is required.]"
    finally:
        set_translator(None)


def test_codes_do_not_depend_on_the_language(german):
    assert Account.bind({}).errors["username"][0].code == "missing"


def test_validator_messages_and_codes(german):
    taken = Account.bind({"username": "admin"}).errors["username"][0]
    assert (taken.code, str(taken)) == ("username_taken", "Vergeben")
    root = Account.bind({"username": "root"}).errors["username"][0]
    assert (root.code, str(root)) == ("value_error", "No root, please.")
    bob = Account.bind({"username": "bob"})
    assert [(e.code, str(e)) for e in bob.non_field_errors] == [
        ("value_error", "Bob needs an email.")
    ]
    assert bob.errors == {"__all__": bob.non_field_errors}


def test_set_message_changes_the_wording_site_wide():
    original = MESSAGES["missing"]
    try:
        set_message("missing", "Please fill this in.")
        assert str(Account.bind({}).errors["username"][0]) == "Please fill this in."
    finally:
        MESSAGES["missing"] = original


def test_lazy_text():
    text = _("Hello {name}").format(name="Ada")
    assert str(text) == "Hello Ada"
    assert text == _("Hello {name}").format(name="Ada")
    assert text != _("Hello {name}")
    assert str(_("{unknown} stays")) == "{unknown} stays"
    assert _("a") == _("a")
    assert repr(_("a")) == "LazyText('a')"
    assert text.__html__() == "Hello Ada"
    assert _("<b>").__html__() == "&lt;b&gt;"
    broken = LazyText("x {")
    assert str(broken.format(a=1)) == "x {"


def test_message_for():
    assert str(message_for("string_too_short", {"min_length": 3})) == (
        "Ensure this value has at least 3 characters."
    )
    assert message_for("no-such-code") is None
    assert gettext("Hi") == "Hi"


def test_every_message_formats_without_error():
    for code, message in MESSAGES.items():
        assert str(message), code


def test_add_error_from_a_handler():
    form = Account.bind({"username": "ann"})
    assert form.is_valid
    form.add_error("username", _("Wrong password for {name}").format(name="ann"), code="login")
    assert not form.is_valid
    assert form.data == {}
    assert form.error_list() == [
        {
            "location": "body",
            "field": "username",
            "message": "Wrong password for ann",
            "type": "login",
        }
    ]
    with pytest.raises(KeyError):
        form.add_error("nope", "x")


def test_error_message_with_params():
    error = ErrorMessage("x", _("at most {n}"), {"n": 3})
    assert str(error) == "at most 3"
    assert str(ErrorMessage("y", "plain")) == "plain"

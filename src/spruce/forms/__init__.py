"""Forms: one pydantic class for an HTML form, a JSON body and a model form.

::

    from spruce import RedirectResponse, Spruce
    from spruce.forms import Email, Form, field
    from spruce.templating import render

    class Contact(Form):
        name: str = field(max_length=100)
        email: Email
        message: str = field(widget="textarea", min_length=10)

    @app.route("/contact", methods=["GET", "POST"])
    async def contact(form: Contact):
        if form.is_valid:
            await send_message(**form.data)
            return RedirectResponse("/thanks", 303)
        return render("contact.html", form=form)    # {{ form.render(submit="Send") }}

``ModelForm`` (in ``spruce.forms.modelforms``, needs the ``db`` battery) builds a form from a
SQLAlchemy model and saves it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .battery import Forms
from .errors import ErrorMessage, InvalidInput
from .fields import NON_FIELD, Email, File, Image, Url, field
from .form import Form
from .messages import LazyText, gettext_lazy, set_message, set_translator
from .widgets import (
    CheckboxInput,
    CheckboxSelectMultiple,
    DateInput,
    DateTimeInput,
    EmailInput,
    FileInput,
    HiddenInput,
    NumberInput,
    PasswordInput,
    RadioSelect,
    Select,
    SelectMultiple,
    Textarea,
    TextInput,
    TimeInput,
    URLInput,
    Widget,
)

if TYPE_CHECKING:
    from .modelforms import ModelForm

__all__ = [
    "NON_FIELD",
    "CheckboxInput",
    "CheckboxSelectMultiple",
    "DateInput",
    "DateTimeInput",
    "Email",
    "EmailInput",
    "ErrorMessage",
    "File",
    "FileInput",
    "Form",
    "Forms",
    "HiddenInput",
    "Image",
    "InvalidInput",
    "LazyText",
    "ModelForm",
    "NumberInput",
    "PasswordInput",
    "RadioSelect",
    "Select",
    "SelectMultiple",
    "TextInput",
    "Textarea",
    "TimeInput",
    "URLInput",
    "Url",
    "Widget",
    "field",
    "gettext_lazy",
    "set_message",
    "set_translator",
]


def __getattr__(name: str) -> Any:
    """``ModelForm`` loads SQLAlchemy, so it is imported on first use."""
    if name == "ModelForm":
        from .modelforms import ModelForm

        globals()["ModelForm"] = ModelForm
        return ModelForm
    raise AttributeError(f"module 'spruce.forms' has no attribute {name!r}")

"""Widgets: how a field is drawn in HTML.

A widget names the template that draws the control and a few facts the renderer needs (the
``type`` of an ``<input>``, whether it draws one control per choice, whether it may show the
submitted value again). ``attrs`` are extra HTML attributes for the control::

    bio: str = field(widget=Textarea(rows=8))
    colour: Colour = field(widget=RadioSelect())
    token: str = field(widget="hidden")

Every field kind has a default widget; ``field(widget=...)`` takes a widget or one of the names in
``WIDGETS`` (``"textarea"``, ``"radio"``, ``"checkboxes"``, ``"hidden"``, ``"password"``...).
The templates live in ``spruce/forms/`` and a project overrides them by putting a file of the same
name in its own ``templates/spruce/forms/`` folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..exceptions import ImproperlyConfigured

__all__ = [
    "WIDGETS",
    "CheckboxInput",
    "CheckboxSelectMultiple",
    "DateInput",
    "DateTimeInput",
    "EmailInput",
    "FileInput",
    "HiddenInput",
    "NumberInput",
    "PasswordInput",
    "RadioSelect",
    "Select",
    "SelectMultiple",
    "TextInput",
    "Textarea",
    "TimeInput",
    "URLInput",
    "Widget",
    "widget_from",
]


@dataclass(frozen=True)
class Widget:
    """The base widget: an ``<input>`` of ``input_type``, drawn by ``template``."""

    attrs: Mapping[str, Any] = field(default_factory=dict)
    """Extra HTML attributes of the control (``{"class": "wide", "rows": 4}``)."""

    template: ClassVar[str] = "spruce/forms/input.html"
    input_type: ClassVar[str] = "text"
    is_hidden: ClassVar[bool] = False
    """Hidden controls are drawn without a label, before the visible fields."""
    renders_value: ClassVar[bool] = True
    """False for passwords: a submitted password is never sent back to the browser."""
    multiple: ClassVar[bool] = False
    """The control submits several values (``<select multiple>``, a group of checkboxes)."""
    grouped: ClassVar[bool] = False
    """One control per choice, in a ``<fieldset>`` whose ``<legend>`` is the label."""
    label_after: ClassVar[bool] = False
    """The label follows the control (a single checkbox)."""
    value_attribute: ClassVar[bool] = True
    """The value goes in the control's ``value`` attribute (an ``<input>``)."""


@dataclass(frozen=True)
class TextInput(Widget):
    """``<input type="text">``."""


@dataclass(frozen=True)
class EmailInput(Widget):
    """``<input type="email">``."""

    input_type = "email"


@dataclass(frozen=True)
class URLInput(Widget):
    """``<input type="url">``."""

    input_type = "url"


@dataclass(frozen=True)
class PasswordInput(Widget):
    """``<input type="password">``; never shows a value."""

    input_type = "password"
    renders_value = False


@dataclass(frozen=True)
class NumberInput(Widget):
    """``<input type="number">`` with ``min``, ``max`` and ``step`` from the constraints."""

    input_type = "number"


@dataclass(frozen=True)
class DateInput(Widget):
    """``<input type="date">`` (value ``YYYY-MM-DD``)."""

    input_type = "date"


@dataclass(frozen=True)
class TimeInput(Widget):
    """``<input type="time">`` (value ``HH:MM`` or ``HH:MM:SS``)."""

    input_type = "time"


@dataclass(frozen=True)
class DateTimeInput(Widget):
    """``<input type="datetime-local">`` (value ``YYYY-MM-DDTHH:MM``)."""

    input_type = "datetime-local"


@dataclass(frozen=True)
class HiddenInput(Widget):
    """``<input type="hidden">``."""

    input_type = "hidden"
    is_hidden = True


@dataclass(frozen=True)
class FileInput(Widget):
    """``<input type="file">``; ``accept`` comes from the field's allowed content types. A
    browser cannot be told to keep a chosen file, so a re-rendered form asks for it again."""

    input_type = "file"
    renders_value = False


@dataclass(frozen=True)
class CheckboxInput(Widget):
    """One ``<input type="checkbox">`` for a ``bool``; unchecked means ``False``."""

    template = "spruce/forms/checkbox.html"
    input_type = "checkbox"
    label_after = True
    value_attribute = False


@dataclass(frozen=True)
class Textarea(Widget):
    """``<textarea>``; ``rows`` and ``cols`` set its size."""

    rows: int | None = None
    cols: int | None = None

    template = "spruce/forms/textarea.html"
    input_type = ""
    value_attribute = False


@dataclass(frozen=True)
class Select(Widget):
    """``<select>`` with one ``<option>`` per choice (and an empty one when no choice is
    selected by default)."""

    template = "spruce/forms/select.html"
    input_type = ""
    value_attribute = False


@dataclass(frozen=True)
class SelectMultiple(Select):
    """``<select multiple>``."""

    multiple = True


@dataclass(frozen=True)
class RadioSelect(Widget):
    """One radio button per choice, in a ``<fieldset>``."""

    template = "spruce/forms/choices.html"
    input_type = "radio"
    grouped = True
    value_attribute = False


@dataclass(frozen=True)
class CheckboxSelectMultiple(Widget):
    """One checkbox per choice, in a ``<fieldset>``; submits every checked value."""

    template = "spruce/forms/choices.html"
    input_type = "checkbox"
    grouped = True
    multiple = True
    value_attribute = False


WIDGETS: dict[str, type[Widget]] = {
    "text": TextInput,
    "email": EmailInput,
    "url": URLInput,
    "password": PasswordInput,
    "number": NumberInput,
    "date": DateInput,
    "time": TimeInput,
    "datetime": DateTimeInput,
    "hidden": HiddenInput,
    "file": FileInput,
    "checkbox": CheckboxInput,
    "textarea": Textarea,
    "select": Select,
    "multiselect": SelectMultiple,
    "radio": RadioSelect,
    "checkboxes": CheckboxSelectMultiple,
}
"""The widget names ``field(widget="...")`` accepts."""


def widget_from(hint: Widget | type[Widget] | str) -> Widget:
    """A widget instance from a widget, a widget class or a name in ``WIDGETS``."""
    if isinstance(hint, Widget):
        return hint
    if isinstance(hint, type) and issubclass(hint, Widget):
        return hint()
    if isinstance(hint, str) and hint in WIDGETS:
        return WIDGETS[hint]()
    known = ", ".join(sorted(WIDGETS))
    raise ImproperlyConfigured(f"unknown widget {hint!r}: use a Widget or one of {known}")

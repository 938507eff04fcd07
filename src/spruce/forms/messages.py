"""Translatable messages with stable error codes.

Every message the forms battery shows is written as ``_("...")`` (``gettext_lazy``): a
``LazyText`` that stays untranslated until it is turned into a string, when the current
translator is asked for it. Without the i18n battery the translator returns the English text;
the i18n battery installs its own with ``set_translator`` (and finds these strings with its
extraction tools, which know ``_`` as a marker).

Each validation error has a *code* that never changes between versions or languages: pydantic's
error type where pydantic found the problem (``missing``, ``string_too_long``,
``greater_than_equal``...), Spruce's own for what pydantic does not check (``email``,
``invalid_choice``, ``file_too_large``, ``unique``...), or the one your validator gives. Code
that reacts to an error tests the code, never the text. ``MESSAGES`` maps codes to texts with
``{placeholders}`` filled from the error's parameters; ``set_message`` replaces one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "MESSAGES",
    "LazyText",
    "gettext",
    "gettext_lazy",
    "message_for",
    "set_message",
    "set_translator",
]

Translator = Callable[[str], str]


def _untranslated(text: str) -> str:
    return text


_translator: Translator = _untranslated


def set_translator(translator: Translator | None) -> None:
    """Translate every forms message with ``translator(msgid) -> str`` from now on (``None``
    restores English). The i18n battery calls this; its translator picks the language of the
    request being handled."""
    global _translator
    _translator = translator or _untranslated


def gettext(msgid: str) -> str:
    """``msgid`` in the current language."""
    return _translator(msgid)


class LazyText:
    """A message translated when it is used, not when it is written.

    ``str(text)`` translates then fills the ``{placeholders}`` from ``params``;
    ``text.format(max_length=5)`` gives a copy with parameters. Module-level messages must be
    lazy: the language is only known while a request is handled.
    """

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, params: Mapping[str, Any] | None = None) -> None:
        self.msgid = msgid
        self.params: Mapping[str, Any] = params or {}

    def format(self, **params: Any) -> LazyText:
        """A copy of this message with ``params`` for its placeholders."""
        return LazyText(self.msgid, {**self.params, **params})

    def __str__(self) -> str:
        text = _translator(self.msgid)
        if not self.params:
            return text
        try:
            return text.format_map(_Params(self.params))
        except (ValueError, IndexError):  # a broken translation must not break the page
            return text

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyText):
            return self.msgid == other.msgid and dict(self.params) == dict(other.params)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.msgid)

    def __repr__(self) -> str:
        return f"LazyText({self.msgid!r})"


class _Params(dict[str, Any]):
    """Placeholders the message has no value for stay as they are (``{name}``)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def gettext_lazy(msgid: str) -> LazyText:
    """Mark ``msgid`` for translation; it is translated each time it is shown."""
    return LazyText(msgid)


_ = gettext_lazy

MESSAGES: dict[str, LazyText] = {
    # presence
    "missing": _("This field is required."),
    "required_checkbox": _("Check this box to continue."),
    # text
    "string_type": _("Enter text."),
    "string_too_short": _("Ensure this value has at least {min_length} characters."),
    "string_too_long": _("Ensure this value has at most {max_length} characters."),
    "string_pattern_mismatch": _("Enter a value in the expected format."),
    "email": _("Enter a valid email address."),
    "url_parsing": _("Enter a valid URL."),
    "url_scheme": _("Enter a URL starting with {expected_schemes}."),
    "url_type": _("Enter a valid URL."),
    "url_too_long": _("Ensure this URL has at most {max_length} characters."),
    "uuid_parsing": _("Enter a valid UUID."),
    "uuid_type": _("Enter a valid UUID."),
    # numbers
    "int_parsing": _("Enter a whole number."),
    "int_type": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "int_parsing_size": _("Enter a smaller number."),
    "float_parsing": _("Enter a number."),
    "float_type": _("Enter a number."),
    "finite_number": _("Enter a finite number."),
    "decimal_parsing": _("Enter a number."),
    "decimal_type": _("Enter a number."),
    "decimal_max_digits": _("Ensure that there are no more than {max_digits} digits in total."),
    "decimal_max_places": _("Ensure that there are no more than {decimal_places} decimal places."),
    "decimal_whole_digits": _(
        "Ensure that there are no more than {whole_digits} digits before the decimal point."
    ),
    "greater_than": _("Ensure this value is greater than {gt}."),
    "greater_than_equal": _("Ensure this value is greater than or equal to {ge}."),
    "less_than": _("Ensure this value is less than {lt}."),
    "less_than_equal": _("Ensure this value is less than or equal to {le}."),
    "multiple_of": _("Ensure this value is a multiple of {multiple_of}."),
    # booleans, dates and times
    "bool_parsing": _("Enter yes or no."),
    "bool_type": _("Enter yes or no."),
    "date_parsing": _("Enter a valid date."),
    "date_from_datetime_parsing": _("Enter a valid date."),
    "date_from_datetime_inexact": _("Enter a date without a time."),
    "date_type": _("Enter a valid date."),
    "time_parsing": _("Enter a valid time."),
    "time_type": _("Enter a valid time."),
    "datetime_parsing": _("Enter a valid date and time."),
    "datetime_from_date_parsing": _("Enter a valid date and time."),
    "datetime_type": _("Enter a valid date and time."),
    # choices
    "literal_error": _("Select a valid choice."),
    "enum": _("Select a valid choice."),
    "invalid_choice": _("Select a valid choice."),
    "too_short": _("Select at least {min_length} items."),
    "too_long": _("Select at most {max_length} items."),
    "list_type": _("Select a valid list of choices."),
    # files
    "file_missing": _("No file was submitted."),
    "file_empty": _("The submitted file is empty."),
    "null_characters": _("Null characters are not allowed."),
    "file_too_large": _("The file is too large: at most {max_size} bytes are allowed."),
    "file_type": _("Files of type {content_type} are not allowed here."),
    "invalid_image": _("Upload a valid image: the file is not an image of an allowed type."),
    # the database (model forms)
    "unique": _("{model} with this {field_label} already exists."),
    "unique_together": _("{model} with this {field_labels} already exists."),
    "integrity": _("This value conflicts with existing data."),
    # anything else
    "value_error": _("Enter a valid value."),
    "assertion_error": _("Enter a valid value."),
    "invalid": _("Enter a valid value."),
}
"""The message of each error code (``{placeholders}`` come from the error's parameters)."""


def set_message(code: str, message: str | LazyText) -> None:
    """Show ``message`` for errors with ``code`` (site-wide wording, or a new code of yours)."""
    MESSAGES[code] = message if isinstance(message, LazyText) else LazyText(message)


def message_for(code: str, params: Mapping[str, Any] | None = None) -> LazyText | None:
    """The message for ``code`` with ``params`` filled in, or ``None`` for an unknown code."""
    message = MESSAGES.get(code)
    if message is None:
        return None
    return message.format(**params) if params else message

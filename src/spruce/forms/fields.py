"""Declaring form fields: ``field()`` for labels, help texts, widgets and choices; the types
``Email``, ``Url``, ``File`` and ``Image``; and ``FieldSpec``, what a form knows about each
field once its class is read.

A form field is a pydantic field. Its type gives the kind of input (``int`` -> a number input,
``bool`` -> a checkbox, ``Literal[...]`` or an ``Enum`` -> a select, ``list[...]`` of those ->
a multi-select, ``datetime`` -> ``datetime-local``, ``SecretStr`` -> a password input,
``UploadFile`` -> a file input...), its constraints give the HTML attributes (``max_length`` ->
``maxlength``, ``ge`` -> ``min``...), and ``field()`` adds what only HTML needs::

    class Signup(Form):
        name: str = field(label="Your name", max_length=50, placeholder="Ada Lovelace")
        email: Email = field(help_text="We never share it.")
        size: str = field(choices={"s": "Small", "m": "Medium", "l": "Large"}, widget="radio")
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import re
import types
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from dataclasses import fields as dataclass_fields
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, Field, SecretStr, TypeAdapter, ValidationError, WithJsonSchema
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError, PydanticUndefined

from ..exceptions import ImproperlyConfigured
from ..uploads import UploadFile
from .messages import LazyText
from .widgets import (
    CheckboxInput,
    DateInput,
    DateTimeInput,
    EmailInput,
    FileInput,
    NumberInput,
    PasswordInput,
    Select,
    SelectMultiple,
    TextInput,
    TimeInput,
    URLInput,
    Widget,
    widget_from,
)

__all__ = [
    "IMAGE_TYPES",
    "NON_FIELD",
    "Email",
    "FieldSpec",
    "File",
    "FormOptions",
    "Image",
    "Url",
    "choice_key",
    "field",
    "field_spec",
    "validate_email",
]

NON_FIELD = "__all__"
"""The key of errors that belong to the whole form rather than to one field."""

Text = str | LazyText
ChoiceList = tuple[tuple[Any, Text], ...]
Choices = Mapping[Any, Text] | Iterable[Any] | type[enum.Enum]

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
"""The content types an ``Image`` field accepts by default (no SVG: it can carry scripts)."""


@dataclass(frozen=True, slots=True)
class FormOptions:
    """What ``field()`` (and the ``Email``/``Url``/``Image`` types) add to a pydantic field.

    Found in the field's metadata; several are merged, later values winning."""

    label: Text | None = None
    help_text: Text | None = None
    placeholder: Text | None = None
    widget: Widget | type[Widget] | str | None = None
    choices: Choices | None = None
    strip: bool | None = None
    max_size: int | None = None
    content_types: tuple[str, ...] | None = None
    autocomplete: str | None = None
    attrs: Mapping[str, Any] | None = None
    kind: str | None = None

    def merged(self, other: FormOptions) -> FormOptions:
        """These options with every value ``other`` sets replacing ours."""
        changes = {
            item.name: getattr(other, item.name)
            for item in dataclass_fields(other)
            if getattr(other, item.name) is not None
        }
        return replace(self, **changes)


def field(
    default: Any = PydanticUndefined,
    *,
    label: Text | None = None,
    help_text: Text | None = None,
    placeholder: Text | None = None,
    widget: Widget | type[Widget] | str | None = None,
    choices: Choices | None = None,
    strip: bool | None = None,
    max_size: int | None = None,
    content_types: Iterable[str] | None = None,
    autocomplete: str | None = None,
    attrs: Mapping[str, Any] | None = None,
    default_factory: Callable[[], Any] | None = None,
    alias: str | None = None,
    **constraints: Any,
) -> Any:
    """A form field: ``pydantic.Field`` plus what HTML needs.

    ``label`` (default: the name, capitalised, underscores as spaces), ``help_text`` and
    ``placeholder`` are shown to the user (``label`` and ``help_text`` also become the JSON
    schema's ``title`` and ``description``). ``widget`` overrides the default control.
    ``choices`` (a dict of value -> label, pairs, plain values or an ``Enum``) makes a select and
    is enforced on the server. ``strip=False`` keeps surrounding whitespace (passwords are never
    stripped). ``max_size`` (bytes) and ``content_types`` (``"image/*"`` works) limit uploads.
    ``autocomplete`` and ``attrs`` go on the control. Other keyword arguments are pydantic
    constraints: ``min_length``, ``max_length``, ``pattern``, ``gt``, ``ge``, ``lt``, ``le``,
    ``multiple_of``, ``max_digits``, ``decimal_places``...
    """
    schema: dict[str, Any] = {}
    if label is not None:
        schema["title"] = str(label)
    if help_text is not None:
        schema["description"] = str(help_text)
    if default_factory is not None:
        info: FieldInfo = Field(
            default_factory=default_factory, alias=alias, **schema, **constraints
        )
    else:
        info = Field(default, alias=alias, **schema, **constraints)
    options = FormOptions(
        label=label,
        help_text=help_text,
        placeholder=placeholder,
        widget=widget,
        choices=choices,
        strip=strip,
        max_size=max_size,
        content_types=tuple(content_types) if content_types is not None else None,
        autocomplete=autocomplete,
        attrs=attrs,
    )
    info.metadata.append(options)
    if choices is not None:
        info.metadata.append(AfterValidator(_choice_validator(normalize_choices(choices))))
    return info


# -- the special types ---------------------------------------------------------------------------

_EMAIL_LOCAL = re.compile(r"^[^\s@\"(),:;<>\[\\\]]+$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def validate_email(value: str) -> str:
    """``value`` if it looks like a deliverable address (``local@domain.tld``), else a
    ``PydanticCustomError`` with code ``email``. The domain may be internationalised; the value
    is returned as given (surrounding whitespace is stripped by the form)."""
    local, at, domain = value.rpartition("@")
    if (
        not at
        or len(value) > 254
        or not 0 < len(local) <= 64
        or not _EMAIL_LOCAL.match(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or not _valid_domain(domain)
    ):
        raise PydanticCustomError("email", "Enter a valid email address.")
    return value


def _valid_domain(domain: str) -> bool:
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    labels = ascii_domain.split(".")
    return (
        len(labels) >= 2
        and all(_DOMAIN_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    )


_HTTP_URL: TypeAdapter[Any] | None = None


def _validate_url(value: str) -> str:
    global _HTTP_URL
    if _HTTP_URL is None:
        from pydantic import HttpUrl

        _HTTP_URL = TypeAdapter(HttpUrl)
    try:
        _HTTP_URL.validate_python(value)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise PydanticCustomError(
            str(first["type"]), "Enter a valid URL.", dict(first.get("ctx") or {})
        ) from None
    return value


Email = Annotated[
    str,
    AfterValidator(validate_email),
    Field(json_schema_extra={"format": "email"}),
    FormOptions(kind="email"),
]
"""An email address (a ``str``), drawn as ``<input type="email">``."""

Url = Annotated[
    str,
    AfterValidator(_validate_url),
    Field(json_schema_extra={"format": "uri"}),
    FormOptions(kind="url"),
]
"""An http or https URL (kept as the ``str`` the user typed), drawn as ``<input type="url">``."""

_BINARY_SCHEMA = WithJsonSchema({"type": "string", "format": "binary"})

File = Annotated[UploadFile, _BINARY_SCHEMA, FormOptions(kind="file")]
"""An uploaded file (``UploadFile``); limit it with ``field(max_size=..., content_types=...)``."""

Image = Annotated[UploadFile, _BINARY_SCHEMA, FormOptions(kind="image", content_types=IMAGE_TYPES)]
"""An uploaded image: PNG, JPEG, GIF or WebP, checked by its first bytes, not only by the type
the browser claims."""


# -- choices -------------------------------------------------------------------------------------


def choice_key(value: Any) -> str:
    """The text a choice's value has in HTML (an enum member's value, ``true``/``false``...)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _enum_label(member: enum.Enum) -> Text:
    label = getattr(member, "label", None)
    if isinstance(label, (str, LazyText)):
        return label
    return member.name.replace("_", " ").capitalize()


def normalize_choices(choices: Choices) -> ChoiceList:
    """``choices`` as ``((value, label), ...)``."""
    if isinstance(choices, type) and issubclass(choices, enum.Enum):
        return tuple((member, _enum_label(member)) for member in choices)
    if isinstance(choices, Mapping):
        return tuple((value, label) for value, label in choices.items())
    normalized: list[tuple[Any, Text]] = []
    for item in choices:
        if isinstance(item, tuple) and len(item) == 2:
            normalized.append((item[0], item[1]))
        else:
            normalized.append((item, choice_key(item)))
    return tuple(normalized)


def _choice_validator(choices: ChoiceList) -> Callable[[Any], Any]:
    allowed = {choice_key(value) for value, _ in choices}

    def check(value: Any) -> Any:
        items = value if isinstance(value, (list, set, frozenset, tuple)) else [value]
        for item in items:
            if item is not None and choice_key(item) not in allowed:
                raise PydanticCustomError("invalid_choice", "Select a valid choice.")
        return value

    return check


# -- what a form knows about each field ----------------------------------------------------------

CONSTRAINTS = (
    "min_length",
    "max_length",
    "pattern",
    "gt",
    "ge",
    "lt",
    "le",
    "multiple_of",
    "max_digits",
    "decimal_places",
)


@dataclass(slots=True)
class FieldSpec:
    """One form field, read once from the form class."""

    name: str
    """The attribute name."""
    html_name: str
    """The name in the HTML form and in JSON (the alias, if the field has one)."""
    kind: str
    """``text``, ``email``, ``url``, ``password``, ``int``, ``float``, ``decimal``, ``bool``,
    ``date``, ``time``, ``datetime``, ``choice``, ``multichoice``, ``file`` or ``image``."""
    widget: Widget
    label: Text
    help_text: Text | None = None
    placeholder: Text | None = None
    required: bool = True
    """No default: the user must give a value."""
    nullable: bool = False
    """``None`` is allowed (an empty input means ``None``)."""
    must_be_true: bool = False
    """A ``Literal[True]`` checkbox: it must be checked."""
    default: Any = PydanticUndefined
    choices: ChoiceList | None = None
    strip: bool = True
    constraints: dict[str, Any] = dataclass_field(default_factory=dict)
    max_size: int | None = None
    content_types: tuple[str, ...] | None = None
    autocomplete: str | None = None
    attrs: Mapping[str, Any] = dataclass_field(default_factory=dict)

    @property
    def many(self) -> bool:
        """The field takes several values."""
        return self.kind == "multichoice"

    @property
    def is_file(self) -> bool:
        """The field is an upload."""
        return self.kind in ("file", "image")

    @property
    def is_text(self) -> bool:
        """An empty input is the empty string (for text kinds with a default)."""
        return self.kind in ("text", "email", "url", "password")

    def with_choices(self, choices: ChoiceList) -> FieldSpec:
        """A copy with other choices (model forms load theirs from the database)."""
        return replace(self, choices=choices)


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """``(type, annotated metadata, nullable)`` with ``Annotated`` and ``| None`` removed."""
    extras: list[Any] = []
    nullable = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *more = get_args(annotation)
            extras.extend(more)
            continue
        if origin is Union or origin is types.UnionType:
            args = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(args) == 1 and len(get_args(annotation)) == 2:
                nullable = True
                annotation = args[0]
                continue
        return annotation, extras, nullable


def _flatten(metadata: Iterable[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in metadata:
        if isinstance(item, FieldInfo):
            flat.extend(_flatten(item.metadata))
        else:
            flat.append(item)
    return flat


def _constraints(metadata: Iterable[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FormOptions):
            continue
        for name in CONSTRAINTS:
            value = getattr(item, name, None)
            if value is not None:
                found[name] = value
    return found


def _is_url_type(annotation: Any) -> bool:
    from pydantic import AnyUrl
    from pydantic_core import Url as CoreUrl

    return isinstance(annotation, type) and issubclass(annotation, (AnyUrl, CoreUrl))


_SCALAR_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "bool"),
    (int, "int"),
    (float, "float"),
    (decimal.Decimal, "decimal"),
    (dt.datetime, "datetime"),  # before date: a datetime is a date
    (dt.date, "date"),
    (dt.time, "time"),
    (SecretStr, "password"),
    (UploadFile, "file"),
    (uuid.UUID, "text"),
)


def _kind_and_choices(base: Any) -> tuple[str, ChoiceList | None]:
    if get_origin(base) is Literal:
        values = get_args(base)
        if values == (True,):
            return "bool", None
        return "choice", tuple((value, choice_key(value)) for value in values)
    if isinstance(base, type):
        if issubclass(base, enum.Enum):
            return "choice", normalize_choices(base)
        for cls, kind in _SCALAR_KINDS:
            if issubclass(base, cls):
                return kind, None
        if _is_url_type(base):
            return "url", None
    return "text", None


_DEFAULT_WIDGETS: dict[str, type[Widget]] = {
    "text": TextInput,
    "email": EmailInput,
    "url": URLInput,
    "password": PasswordInput,
    "int": NumberInput,
    "float": NumberInput,
    "decimal": NumberInput,
    "bool": CheckboxInput,
    "date": DateInput,
    "time": TimeInput,
    "datetime": DateTimeInput,
    "choice": Select,
    "multichoice": SelectMultiple,
    "file": FileInput,
    "image": FileInput,
}


def default_label(name: str) -> str:
    """``date_of_birth`` -> ``Date of birth``."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def field_spec(name: str, info: FieldInfo, owner: str = "form") -> FieldSpec:
    """Read the pydantic field ``name`` of form ``owner`` into a ``FieldSpec``."""
    base, extras, nullable = _unwrap(info.annotation)
    metadata = _flatten([*info.metadata, *extras])
    many = False
    origin = get_origin(base)
    if origin in (list, set, frozenset, tuple) or base in (list, set, frozenset, tuple):
        args = [arg for arg in get_args(base) if arg is not Ellipsis]
        if origin is tuple and len(get_args(base)) != 2:
            raise ImproperlyConfigured(
                f"{owner}.{name}: a form field may be a list, set or tuple[T, ...] of choices, "
                "not a fixed-length tuple"
            )
        base, item_extras, _ = _unwrap(args[0] if args else str)
        metadata.extend(_flatten(item_extras))
        many = True
    options = FormOptions()
    for item in metadata:
        if isinstance(item, FormOptions):
            options = options.merged(item)
    kind, choices = _kind_and_choices(base)
    if options.kind is not None:
        kind = options.kind
    if options.choices is not None:
        choices = normalize_choices(options.choices)
    if choices is not None:
        kind = "multichoice" if many else "choice"
    elif many and options.kind != "multichoice":
        raise ImproperlyConfigured(
            f"{owner}.{name}: a list field needs choices (field(choices=...), a Literal or an "
            "Enum item type)"
        )
    widget = widget_from(options.widget) if options.widget else _DEFAULT_WIDGETS[kind]()
    if widget.multiple != (kind == "multichoice"):
        raise ImproperlyConfigured(
            f"{owner}.{name}: widget {type(widget).__name__} does not fit a field of kind {kind}"
        )
    has_default = not info.is_required()
    default = info.get_default(call_default_factory=True) if has_default else PydanticUndefined
    literal_true = get_origin(base) is Literal and get_args(base) == (True,)
    label = options.label or info.title or default_label(name)
    return FieldSpec(
        name=name,
        html_name=info.alias or name,
        kind=kind,
        widget=widget,
        label=label,
        help_text=options.help_text if options.help_text is not None else info.description,
        placeholder=options.placeholder,
        required=not has_default and not nullable,
        nullable=nullable,
        must_be_true=literal_true,
        default=default,
        choices=choices,
        strip=options.strip if options.strip is not None else kind != "password",
        constraints=_constraints(metadata),
        max_size=options.max_size,
        content_types=options.content_types,
        autocomplete=options.autocomplete,
        attrs=dict(options.attrs or {}),
    )


def field_specs(fields: Mapping[str, FieldInfo], owner: str) -> dict[str, FieldSpec]:
    """The specs of a form's fields, in declaration order."""
    return {name: field_spec(name, info, owner) for name, info in fields.items()}

"""Drawing forms as accessible HTML from templates a project can override.

``{{ form }}`` draws the fields, ``{{ form.render(submit="Save") }}`` the whole ``<form>``,
``{{ form["email"] }}`` one field, and ``form["email"].label_tag()``, ``.control()``,
``.help_tag()`` and ``.errors_tag()`` its parts. Every control gets ``id``, ``name`` and the
attributes its constraints imply (``required``, ``maxlength``, ``minlength``, ``pattern``,
``min``, ``max``, ``step``, ``accept``...); an invalid one gets ``aria-invalid="true"``, and
``aria-describedby`` points at its help text and errors. A re-rendered form shows what the user
submitted, escaped, except passwords and files.

The markup comes from the templates in ``spruce/forms/``: ``field.html`` (one row), ``label.html``,
``input.html``, ``checkbox.html``, ``textarea.html``, ``select.html``, ``choices.html`` (radio
buttons and checkbox groups), ``help.html``, ``errors.html``, ``fields.html`` (``{{ form }}``)
and ``form.html``. A file of the same name in the app's ``templates/spruce/forms/`` replaces one.
Outside a request the package's own templates are used.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape
from pydantic_core import PydanticUndefined

from ..requests import current_request
from .binding import is_checked
from .csrf import csrf_field
from .fields import IMAGE_TYPES, FieldSpec, Text, choice_key
from .form import Form, form_option

if TYPE_CHECKING:
    import jinja2

    from ..app import Spruce
    from .errors import ErrorMessage
    from .widgets import Widget

__all__ = ["BoundField", "Option", "html_attrs", "html_pattern", "render_fields", "render_form"]

TEMPLATE_PACKAGE = "spruce.forms"
_REGISTERED = "spruce.forms.templates"


# -- templates -----------------------------------------------------------------------------------
def add_templates(app: Spruce) -> None:
    """Let ``app``'s template engine find the forms templates (after the app's own folders, so
    the app can override them)."""
    if not app.extensions.get(_REGISTERED):
        app.extensions[_REGISTERED] = True
        app.templates.add_package(TEMPLATE_PACKAGE)


_standalone: jinja2.Environment | None = None


def _environment() -> jinja2.Environment:
    request = current_request()
    if request is not None:
        add_templates(request.app)
        return request.app.templates.environment
    global _standalone
    if _standalone is None:
        import jinja2

        _standalone = jinja2.Environment(
            loader=jinja2.PackageLoader(TEMPLATE_PACKAGE, "templates"), autoescape=True
        )
    return _standalone


def render_template(name: str, **context: Any) -> Markup:
    """Template ``name`` rendered with ``context``, as markup."""
    return Markup(_environment().get_template(name).render(context))


# -- attributes ----------------------------------------------------------------------------------
_ATTR_NAME = re.compile(r"^[a-zA-Z_:][-a-zA-Z0-9_:.]*$")


def _attr_name(key: str) -> str:
    """``class_`` -> ``class``, ``data_id`` -> ``data-id``: attribute names written as Python
    keyword arguments. Names with a hyphen are kept as they are."""
    return key if "-" in key else key.rstrip("_").replace("_", "-")


def html_attrs(attrs: Mapping[str, Any]) -> Markup:
    """``attrs`` as HTML attributes with a leading space; ``True`` writes the bare name, ``False``
    and ``None`` leave the attribute out, values are escaped."""
    parts: list[str] = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        if not _ATTR_NAME.match(key):
            raise ValueError(f"{key!r} is not a valid HTML attribute name")
        if value is True:
            parts.append(f" {key}")
        else:
            parts.append(f' {key}="{escape(value)}"')
    return Markup("".join(parts))


_PYTHON_ONLY_REGEX = re.compile(r"\(\?P|\\[AZ]|\(\?#|\(\?>|[*+?}]\+|\(\?[aiLmsux-]+[:)]")


def html_pattern(pattern: str) -> str | None:
    """A ``pattern`` attribute that accepts what pydantic's ``pattern`` accepts (it searches, an
    HTML pattern must match the whole value), or ``None`` when the regex uses syntax browsers do
    not know. The server checks the value either way."""
    if _PYTHON_ONLY_REGEX.search(pattern):
        return None
    starts = pattern.startswith("^")
    ends = pattern.endswith("$") and not pattern.endswith("\\$")
    core = pattern[1 if starts else 0 : len(pattern) - 1 if ends else len(pattern)]
    if starts and ends:
        return core
    return f"{'' if starts else '.*'}(?:{core}){'' if ends else '.*'}"


def _number(value: Any) -> str:
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _constraint_attrs(spec: FieldSpec) -> dict[str, Any]:
    limits = spec.constraints
    attrs: dict[str, Any] = {}
    if spec.is_text:
        attrs["minlength"] = limits.get("min_length")
        attrs["maxlength"] = limits.get("max_length")
        pattern = limits.get("pattern")
        if pattern is not None:
            attrs["pattern"] = html_pattern(str(getattr(pattern, "pattern", pattern)))
    elif spec.kind in ("int", "float", "decimal"):
        low, high = limits.get("ge"), limits.get("le")
        if spec.kind == "int":
            if low is None and limits.get("gt") is not None:
                low = int(limits["gt"]) + 1
            if high is None and limits.get("lt") is not None:
                high = int(limits["lt"]) - 1
        attrs["min"] = None if low is None else _number(low)
        attrs["max"] = None if high is None else _number(high)
        attrs["step"] = _step(spec)
    elif spec.kind in ("date", "time", "datetime"):
        for bound, key in (("ge", "min"), ("le", "max")):
            value = limits.get(bound)
            attrs[key] = None if value is None else _format_value(value)
    return attrs


def _step(spec: FieldSpec) -> str | None:
    multiple = spec.constraints.get("multiple_of")
    if multiple is not None:
        return _number(multiple)
    if spec.kind == "float":
        return "any"
    if spec.kind == "decimal":
        places = spec.constraints.get("decimal_places")
        return "any" if places is None else _number(decimal.Decimal(1).scaleb(-int(places)))
    return None


# -- values --------------------------------------------------------------------------------------
def _format_value(value: Any) -> str:
    if isinstance(value, (enum.Enum, bool)):
        return choice_key(value)
    if isinstance(value, dt.datetime):
        naive: dt.datetime = value.replace(tzinfo=None)
        if not naive.second and not naive.microsecond:
            return naive.isoformat(timespec="minutes")
        return naive.isoformat(timespec="seconds")
    if isinstance(value, dt.time):
        if not value.second and not value.microsecond:
            return value.isoformat(timespec="minutes")
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def _typed_values(value: Any) -> list[str]:
    if value is None or value is PydanticUndefined:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_format_value(item) for item in value if item is not None]
    return [_format_value(value)]


_NO_ATTRS = Markup("")


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a select or a group of radio buttons or checkboxes."""

    value: str
    label: Text
    selected: bool
    id: str
    attrs: Markup = _NO_ATTRS


# -- one field -----------------------------------------------------------------------------------
class BoundField:
    """A form's field, ready to render: its spec, the form's values and errors for it."""

    __slots__ = ("form", "spec")

    def __init__(self, form: Form, spec: FieldSpec) -> None:
        self.form = form
        self.spec = spec

    # facts
    @property
    def name(self) -> str:
        """The ``name`` attribute (the field's alias, if it has one)."""
        return self.spec.html_name

    @property
    def id(self) -> str:
        """The control's ``id`` (``id_<name>``)."""
        return f"id_{self.spec.html_name}"

    @property
    def label(self) -> Text:
        """The label text."""
        return self.spec.label

    @property
    def help_text(self) -> Text | None:
        """The help text, if any."""
        return self.spec.help_text

    @property
    def widget(self) -> Widget:
        """The widget that draws the control."""
        return self.spec.widget

    @property
    def is_hidden(self) -> bool:
        """A hidden input (drawn without label)."""
        return self.spec.widget.is_hidden

    @property
    def required(self) -> bool:
        """The control carries ``required``."""
        spec = self.spec
        if spec.kind == "bool":
            return spec.must_be_true
        return spec.required and not (spec.many and spec.widget.grouped)

    @property
    def errors(self) -> list[ErrorMessage]:
        """This field's errors."""
        return self.form.errors.get(self.spec.name, [])

    @property
    def help_id(self) -> str:
        """The ``id`` of the help text element."""
        return f"{self.id}_help"

    @property
    def errors_id(self) -> str:
        """The ``id`` of the error list element."""
        return f"{self.id}_errors"

    @property
    def values(self) -> list[str]:
        """The values to show, as text: what was submitted on a bound form, the initial or
        default value otherwise. Never a password or a file."""
        if not self.spec.widget.renders_value:
            return []
        raw = self.form._raw
        if raw is not None and self.form.is_bound:
            return list(raw.get(self.spec.html_name, []))
        value = self.form.__dict__.get(self.spec.name, self.spec.default)
        return _typed_values(value)

    @property
    def value(self) -> str:
        """The single value to show (``""`` when there is none)."""
        values = self.values
        return values[-1] if values else ""

    @property
    def checked(self) -> bool:
        """For a checkbox: whether it is drawn checked."""
        raw = self.form._raw
        if raw is not None and self.form.is_bound:
            return is_checked(raw.get(self.spec.html_name, []))
        return bool(self.form.__dict__.get(self.spec.name, self.spec.default is True))

    @property
    def options(self) -> list[Option]:
        """The choices, with the submitted or initial ones marked ``selected``."""
        spec = self.spec
        chosen = set(self.values)
        options: list[Option] = []
        grouped = spec.widget.grouped
        if not grouped and not spec.many and (spec.nullable or spec.default is PydanticUndefined):
            options.append(Option("", "---------", not chosen, f"{self.id}_empty"))
        for index, (value, label) in enumerate(spec.choices or ()):
            key = choice_key(value)
            option_id = f"{self.id}_{index}"
            attrs = Markup("")
            if grouped:
                attrs = html_attrs(
                    {
                        "type": spec.widget.input_type,
                        "name": self.name,
                        "value": key,
                        "id": option_id,
                        "checked": key in chosen,
                        "required": self.required and not spec.many,
                        **self._aria(),
                    }
                )
            options.append(Option(key, label, key in chosen, option_id, attrs))
        return options

    # attributes
    def _aria(self) -> dict[str, Any]:
        described = []
        if self.spec.help_text:
            described.append(self.help_id)
        if self.errors:
            described.append(self.errors_id)
        return {
            "aria-invalid": "true" if self.errors else None,
            "aria-describedby": " ".join(described) or None,
        }

    def attrs(self, **extra: Any) -> dict[str, Any]:
        """The control's HTML attributes (``extra`` last: ``class_="wide"``)."""
        spec = self.spec
        widget = spec.widget
        attrs: dict[str, Any] = {"id": self.id, "name": self.name}
        if widget.input_type and not widget.grouped:
            attrs["type"] = widget.input_type
        attrs["required"] = self.required
        attrs.update(_constraint_attrs(spec))
        if spec.is_file:
            types = spec.content_types or (IMAGE_TYPES if spec.kind == "image" else None)
            attrs["accept"] = ",".join(types) if types else None
        attrs["multiple"] = widget.multiple and not widget.grouped
        attrs["placeholder"] = None if spec.placeholder is None else str(spec.placeholder)
        attrs["autocomplete"] = spec.autocomplete
        if spec.kind == "bool" and not widget.grouped:
            attrs["checked"] = self.checked
        elif widget.value_attribute and widget.renders_value:
            attrs["value"] = self.value or None
        attrs.update(self._aria())
        for key in ("rows", "cols"):
            size = getattr(widget, key, None)
            if size is not None:
                attrs[key] = size
        for source in (widget.attrs, spec.attrs, extra):
            for key, value in source.items():
                attrs[_attr_name(key)] = value
        return attrs

    # HTML
    def label_tag(self, **attrs: Any) -> Markup:
        """``<label for="...">`` (a ``<legend>`` is used instead for grouped choices)."""
        label_attrs = {"for": self.id, **{_attr_name(k): v for k, v in attrs.items()}}
        return render_template("spruce/forms/label.html", field=self, attrs=html_attrs(label_attrs))

    def control(self, **attrs: Any) -> Markup:
        """The input, select, textarea or group of choices."""
        return render_template(
            self.spec.widget.template,
            field=self,
            attrs=html_attrs(self.attrs(**attrs)),
            value=self.value,
            options=self.options if self.spec.choices is not None else [],
        )

    def help_tag(self) -> Markup:
        """The help text element (empty when there is none)."""
        if not self.spec.help_text:
            return Markup("")
        return render_template("spruce/forms/help.html", field=self)

    def errors_tag(self) -> Markup:
        """The list of this field's errors (empty when there is none)."""
        if not self.errors:
            return Markup("")
        return render_template("spruce/forms/errors.html", field=self, errors=self.errors)

    def __html__(self) -> str:
        """``{{ form["name"] }}``: label, control, help text and errors."""
        return str(render_template("spruce/forms/field.html", field=self))

    def __str__(self) -> str:
        return self.__html__()

    def __repr__(self) -> str:
        return f"<BoundField {self.spec.name} ({self.spec.kind})>"


# -- whole forms ---------------------------------------------------------------------------------
def _is_get_form(form: Form, method: str | None) -> bool:
    chosen = method or form_option(type(form), "method", "post")
    return str(chosen).lower() == "get"


def render_fields(form: Form, *, method: str | None = None) -> Markup:
    """Every field of ``form`` with the CSRF field (for POST forms) and the form's errors."""
    fields = form.fields
    hidden = [field for field in fields if field.is_hidden]
    hidden_errors = [(field, error) for field in hidden for error in field.errors]
    request = current_request()
    return render_template(
        "spruce/forms/fields.html",
        form=form,
        csrf=Markup("") if _is_get_form(form, method) else csrf_field(request),
        non_field_errors=form.non_field_errors,
        hidden_errors=hidden_errors,
        hidden=hidden,
        visible=[field for field in fields if not field.is_hidden],
    )


def render_form(
    form: Form,
    *,
    action: str = "",
    method: str | None = None,
    submit: Text | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> Markup:
    """The whole ``<form>`` element for ``form``."""
    chosen = (method or form_option(type(form), "method", "post")).lower()
    has_files = any(field.spec.is_file for field in form.fields)
    form_attrs: dict[str, Any] = {
        "action": action,
        "method": chosen,
        "enctype": "multipart/form-data" if has_files and chosen == "post" else None,
    }
    for key, value in (attrs or {}).items():
        form_attrs[_attr_name(key)] = value
    return render_template(
        "spruce/forms/form.html",
        form=form,
        attrs=html_attrs(form_attrs),
        fields=render_fields(form, method=chosen),
        submit=submit,
    )

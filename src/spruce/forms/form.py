"""``Form``: a pydantic model that is also an HTML form.

::

    from spruce.forms import Email, Form, field

    class Signup(Form):
        name: str = field(max_length=50)
        email: Email
        age: int | None = field(default=None, ge=13)

    @app.route("/signup", methods=["GET", "POST"])
    async def signup(form: Signup):
        if form.is_valid:
            await create_account(form.name, form.email)
            return RedirectResponse("/welcome", 303)
        return render("signup.html", form=form)      # {{ form.render(submit="Sign up") }}

A ``Form`` parameter is filled from the request (see ``spruce.forms.reading``): unbound on GET,
bound and validated on POST. An invalid form is handed to the handler (``form.is_valid`` is
false, ``form.errors`` says why) so it can be shown again with the user's input; the same class
in a JSON request answers 422 instead, like any pydantic body.

A valid form is a validated pydantic model: its attributes are the typed values, and ``form.data``
holds them in a dict. An invalid or unbound form has only the defaults (and initial values), so
read values after checking ``form.is_valid``.

The names ``Form`` uses are reserved and cannot be field names: see ``RESERVED_NAMES``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, cast
from weakref import WeakKeyDictionary

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from ..exceptions import FieldError, ImproperlyConfigured
from .binding import BrowserInput, MultiValued, read_input
from .errors import ErrorMessage, errors_from_validation, json_errors
from .fields import NON_FIELD, ChoiceList, FieldSpec, field_specs
from .messages import LazyText

if TYPE_CHECKING:
    from markupsafe import Markup

    from ..requests import Request
    from .rendering import BoundField

__all__ = ["RESERVED_NAMES", "Form", "form_option"]

RESERVED_NAMES = frozenset(
    {
        "add_error",
        "bind",
        "blank",
        "data",
        "error_list",
        "errors",
        "fields",
        "instance",
        "is_bound",
        "is_valid",
        "load_choices",
        "non_field_errors",
        "render",
        "save",
        "use_instance",
    }
)
"""Attribute names of ``Form`` and ``ModelForm``: a field cannot have one of them."""

_SPECS: WeakKeyDictionary[type, dict[str, FieldSpec]] = WeakKeyDictionary()


def form_option(form_class: type, name: str, default: Any) -> Any:
    """Option ``name`` of the form's ``class Meta`` (inherited), or ``default``."""
    meta = getattr(form_class, "Meta", None)
    return getattr(meta, name, default)


class Form(BaseModel):
    """Base class of forms: declare fields as on any pydantic model (see ``spruce.forms.field``
    for labels, widgets and choices).

    ``class Meta: method = "get"`` makes a search form, bound to the query string on GET when any
    of its fields is in it (and rendered without a CSRF field).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, allow_inf_nan=False)

    _bound: bool = PrivateAttr(default=True)
    _errors: dict[str, list[ErrorMessage]] = PrivateAttr(default_factory=dict)
    _raw: dict[str, list[str]] | None = PrivateAttr(default=None)
    _choices: dict[str, ChoiceList] = PrivateAttr(default_factory=dict)
    _location: str = PrivateAttr(default="body")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        clashes = sorted(RESERVED_NAMES.intersection(cls.model_fields))
        if clashes:
            raise ImproperlyConfigured(
                f"form {cls.__name__}: field name(s) {', '.join(clashes)} are reserved by Form; "
                "rename the field (an alias keeps the name in HTML and JSON: "
                f"{clashes[0]}_: str = field(alias={clashes[0]!r}))"
            )
        if cls.__pydantic_complete__:
            cls._field_specs()  # configuration mistakes surface at import time

    # -- the class's fields ---------------------------------------------------------------------
    @classmethod
    def _field_specs(cls) -> dict[str, FieldSpec]:
        specs = _SPECS.get(cls)
        if specs is None:
            if not cls.__pydantic_complete__:
                cls.model_rebuild()
            specs = _SPECS[cls] = field_specs(cls.model_fields, cls.__name__)
        return specs

    # -- making forms ---------------------------------------------------------------------------
    @classmethod
    def blank(cls, **initial: Any) -> Self:
        """An unbound form (nothing submitted) showing ``initial`` values, unvalidated."""
        form = cast(Self, cls.model_construct(**initial))
        form._bound = False
        return form

    @classmethod
    def bind(
        cls,
        data: MultiValued | Mapping[str, Any],
        *,
        image_heads: Mapping[str, bytes] | None = None,
    ) -> Self:
        """A form bound to browser-style ``data`` and validated.

        ``data`` is ``await request.form()``, ``request.query_params``, or a plain dict of
        strings (lists for repeated keys, ``UploadFile`` for files)."""
        return cls._from_input(read_input(cls._field_specs().values(), data, image_heads))

    @classmethod
    def _from_input(cls, submitted: BrowserInput) -> Self:
        specs = cls._field_specs()
        errors: dict[str, list[ErrorMessage]] = {}
        try:
            form = cls.model_validate(submitted.values)
        except ValidationError as exc:
            by_html_name = {spec.html_name: spec for spec in specs.values()}
            errors = errors_from_validation(exc, by_html_name)
            form = cast(Self, cls.model_construct())
        for name, problems in submitted.errors.items():
            errors[name] = list(problems)  # an upload's own problem replaces "required"
        form._errors = {name: errors[name] for name in [*specs, NON_FIELD] if name in errors}
        form._raw = submitted.raw
        form._bound = True
        return form

    @classmethod
    async def __spruce_body__(cls, request: Request) -> Self:
        """Fill a handler's ``Form`` parameter from ``request`` (see ``spruce.forms.reading``)."""
        from .reading import read_form

        return await read_form(cls, request)

    # -- state ----------------------------------------------------------------------------------
    @property
    def is_bound(self) -> bool:
        """True when data was submitted (POST), false for a blank form (GET)."""
        return self._bound

    @property
    def is_valid(self) -> bool:
        """True when the form is bound and has no errors."""
        return self._bound and not self._errors

    @property
    def errors(self) -> dict[str, list[ErrorMessage]]:
        """Errors by field name; the form's own under ``"__all__"``. Empty when valid."""
        return self._errors

    @property
    def non_field_errors(self) -> list[ErrorMessage]:
        """The errors that belong to the whole form."""
        return self._errors.get(NON_FIELD, [])

    @property
    def data(self) -> dict[str, Any]:
        """The typed values by field name when the form is valid; ``{}`` otherwise."""
        if not self.is_valid:
            return {}
        return {name: self.__dict__[name] for name in type(self).model_fields}

    def add_error(
        self, field: str | None, message: str | LazyText, *, code: str = "invalid", **params: Any
    ) -> None:
        """Attach an error to ``field`` (``None``: to the form), e.g. after a check the
        validators cannot make ("wrong password"). The form becomes invalid."""
        name = NON_FIELD if field is None else self._spec(field).name
        self._errors.setdefault(name, []).append(ErrorMessage(code, message, params))
        self._bound = True

    def error_list(self, location: str | None = None) -> list[FieldError]:
        """The errors in the core's 422 shape (``location``, ``field``, ``message``, ``type``);
        the location is ``body``, or ``query`` for a form bound to the query string."""
        names = {spec.name: spec.html_name for spec in self._field_specs().values()}
        return json_errors(self._errors, names, location or self._location)

    # -- fields and rendering -------------------------------------------------------------------
    def _spec(self, name: str) -> FieldSpec:
        specs = self._field_specs()
        spec = specs.get(name)
        if spec is None:
            spec = next((s for s in specs.values() if s.html_name == name), None)
        if spec is None:
            known = ", ".join(specs) or "none"
            raise KeyError(f"form {type(self).__name__} has no field {name!r} (fields: {known})")
        choices = self._choices.get(spec.name)
        return spec if choices is None else spec.with_choices(choices)

    def __getitem__(self, name: str) -> BoundField:
        """The field ``name`` ready to render: ``{{ form["email"] }}``, ``.label_tag()``,
        ``.control()``, ``.help_tag()``, ``.errors_tag()``."""
        from .rendering import BoundField

        return BoundField(self, self._spec(name))

    @property
    def fields(self) -> list[BoundField]:
        """Every field, in declaration order, ready to render."""
        from .rendering import BoundField

        return [BoundField(self, self._spec(name)) for name in self._field_specs()]

    def render(
        self,
        *,
        action: str = "",
        method: str | None = None,
        submit: str | LazyText | None = None,
        **attrs: Any,
    ) -> Markup:
        """The whole ``<form>`` element: CSRF field, errors, every field and a submit button
        labelled ``submit``. ``attrs`` go on the ``<form>`` tag (``class_="stacked"`` for
        ``class``). Multipart encoding is chosen when the form has a file field."""
        from .rendering import render_form

        return render_form(self, action=action, method=method, submit=submit, attrs=attrs)

    def __html__(self) -> str:
        """``{{ form }}``: the fields with their labels and errors, the hidden fields and the
        CSRF field, without the ``<form>`` tag."""
        from .rendering import render_fields

        return str(render_fields(self))

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            try:
                return super().__getattr__(name)
            except AttributeError:
                if name.startswith("_") or name not in type(self).model_fields:
                    raise
                state = "invalid" if self.is_bound else "not bound"
                raise AttributeError(
                    f"{type(self).__name__}.{name} has no value: the form is {state}. Check "
                    "form.is_valid before reading values."
                ) from None

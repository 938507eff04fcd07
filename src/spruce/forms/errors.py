"""Validation errors as a form shows them: a stable code and a translatable message, attached to
a field or to the whole form.

Validators raise ``InvalidInput`` (or a plain ``ValueError``) to reject a value. In a
whole-form validator, ``field=`` attaches the error to one field::

    @model_validator(mode="after")
    def passwords_match(self) -> Self:
        if self.password != self.confirm:
            raise InvalidInput(_("The passwords do not match."), field="confirm",
                               code="password_mismatch")
        return self
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .fields import NON_FIELD
from .messages import LazyText, message_for

if TYPE_CHECKING:
    from pydantic import ValidationError

    from ..exceptions import FieldError
    from .fields import FieldSpec

__all__ = ["ErrorMessage", "InvalidInput", "errors_from_validation", "json_errors"]


class InvalidInput(ValueError):
    """Raise from a validator to reject the input with ``message`` and ``code``.

    ``field`` names the field the error belongs to when raised from a whole-form
    (``model_validator``) validator; without it the error is the form's. ``params`` fill the
    message's ``{placeholders}``.
    """

    def __init__(
        self,
        message: str | LazyText,
        *,
        field: str | None = None,
        code: str = "invalid",
        **params: Any,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class ErrorMessage:
    """One error: ``code`` for programs, ``str(error)`` for people (in their language)."""

    code: str
    message: str | LazyText
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        message = self.message
        if isinstance(message, LazyText) and self.params:
            message = message.format(**self.params)
        return str(message)


def _message(code: str, params: Mapping[str, Any], fallback: str) -> str | LazyText:
    known = message_for(code, params)
    return known if known is not None else fallback


def _safe_params(ctx: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: value for key, value in (ctx or {}).items() if key != "error"}


def error_from_pydantic(item: Mapping[str, Any], spec: FieldSpec | None) -> ErrorMessage:
    """The ``ErrorMessage`` for one entry of ``ValidationError.errors()``."""
    code = str(item["type"])
    ctx = item.get("ctx") or {}
    original = ctx.get("error")
    if isinstance(original, InvalidInput):
        return ErrorMessage(original.code, original.message, original.params)
    if code in ("value_error", "assertion_error") and original is not None:
        text = str(original)
        return ErrorMessage(code, text if text else _message(code, {}, str(item["msg"])))
    if spec is not None and spec.must_be_true and code in ("literal_error", "missing"):
        code = "required_checkbox"
    if spec is not None and not spec.many and code in ("too_short", "too_long"):
        code = f"string_{code}"  # a SecretStr's length
    params = _safe_params(ctx)
    return ErrorMessage(code, _message(code, params, str(item["msg"])), params)


def errors_from_validation(
    exc: ValidationError, specs_by_html_name: Mapping[str, FieldSpec]
) -> dict[str, list[ErrorMessage]]:
    """Errors by field name (``NON_FIELD`` for the form's own) from a pydantic error."""
    errors: dict[str, list[ErrorMessage]] = {}
    for item in exc.errors(include_url=False, include_input=False):
        loc = item["loc"]
        spec = specs_by_html_name.get(str(loc[0])) if loc else None
        original = (item.get("ctx") or {}).get("error")
        if isinstance(original, InvalidInput) and original.field is not None and not loc:
            target = original.field
        else:
            target = spec.name if spec is not None else NON_FIELD
        errors.setdefault(target, []).append(error_from_pydantic(item, spec))
    return errors


def json_errors(
    errors: Mapping[str, Iterable[ErrorMessage]],
    html_names: Mapping[str, str],
    location: str = "body",
) -> list[FieldError]:
    """``errors`` in the core's 422 shape: ``{"location", "field", "message", "type"}``."""
    return [
        {
            "location": location,
            "field": "body" if name == NON_FIELD else html_names.get(name, name),
            "message": str(error),
            "type": error.code,
        }
        for name, items in errors.items()
        for error in items
    ]

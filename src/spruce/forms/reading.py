"""Filling a handler's ``Form`` parameter from the request.

* ``GET``, ``HEAD`` and ``OPTIONS``: a blank (unbound) form, to show. A form whose
  ``Meta.method`` is ``"get"`` (a search form) is bound to the query string instead when any of
  its fields is in it.
* A url-encoded or multipart body: the form bound to it and validated. An invalid form is
  *not* an error here: the handler gets it with ``form.is_valid`` false, to show it again.
* A JSON body: validated as the pydantic model it is; invalid input answers 422 with the core's
  error shape (``{"detail", "errors": [{"location", "field", "message", "type"}]}``), malformed
  JSON 400. The same form class serves an HTML page and a JSON API.
* No body at all: a bound, empty form (its required fields report themselves missing).
* Any other content type: 415.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from ..exceptions import BadRequest, RequestValidationError, UnsupportedMediaType
from .binding import HEAD_SIZE
from .errors import errors_from_validation, json_errors
from .form import Form, form_option

if TYPE_CHECKING:
    from ..requests import Request
    from ..uploads import FormData

__all__ = ["read_form", "validate_json"]

F = TypeVar("F", bound=Form)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


async def read_form(form_class: type[F], request: Request) -> F:
    """The ``form_class`` instance for ``request`` (see the module's docstring)."""
    if request.method in _SAFE_METHODS:
        if form_option(form_class, "method", "post").lower() == "get":
            query = request.query_params
            if any(spec.html_name in query for spec in form_class._field_specs().values()):
                form = form_class.bind(query)
                form._location = "query"
                return form
        return form_class.blank()
    content_type = request.content_type
    if content_type in _FORM_TYPES:
        data = await request.form()
        return form_class.bind(data, image_heads=await _image_heads(form_class, data))
    if content_type == "application/json" or content_type.endswith("+json"):
        return validate_json(form_class, await request.body(), request.app.config.max_json_depth)
    if not content_type and not await request.body():
        return form_class.bind({})
    raise UnsupportedMediaType(
        f"Unsupported content type {content_type or '(none)'!r}: send a form "
        "(application/x-www-form-urlencoded or multipart/form-data) or application/json"
    )


async def _image_heads(form_class: type[Form], data: FormData) -> dict[str, bytes]:
    """The first bytes of each image upload, read without blocking the event loop."""
    from ..uploads import UploadFile

    heads: dict[str, bytes] = {}
    for spec in form_class._field_specs().values():
        if spec.kind != "image":
            continue
        for upload in data.getlist(spec.html_name):
            if isinstance(upload, UploadFile) and upload.size:
                await upload.seek(0)
                heads[spec.html_name] = await upload.read(HEAD_SIZE)
                await upload.seek(0)
                break
    return heads


def validate_json(form_class: type[F], body: bytes, max_depth: int) -> F:
    """``form_class`` validated from a JSON ``body``; 400 when malformed, 422 when invalid."""
    from pydantic import ValidationError

    from ..requests import check_json_depth

    if not body:
        raise BadRequest("Expected a JSON body, got an empty one")
    check_json_depth(body, max_depth)
    try:
        return form_class.model_validate_json(body)
    except ValidationError as exc:
        problems = exc.errors(include_url=False)
        if problems and problems[0]["type"] == "json_invalid":
            raise BadRequest(f"Malformed JSON: {problems[0]['msg']}") from None
        specs = form_class._field_specs().values()
        errors = errors_from_validation(exc, {spec.html_name: spec for spec in specs})
        names = {spec.name: spec.html_name for spec in specs}
        raise RequestValidationError(json_errors(errors, names)) from None

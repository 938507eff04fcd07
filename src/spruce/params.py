"""Handler parameters: where each argument comes from, decided once at startup.

A handler's signature is read when the app starts and turned into a small plan:

* a name that appears in the route path comes from the path, converted by its type;
* ``Request`` (or a parameter named ``request`` without annotation), ``Spruce``, ``WebSocket``;
* ``Annotated[T, Header()]``, ``Cookie()``, ``Query()`` (or the marker as the default value);
* a pydantic model, or ``Body()``: the request body (JSON, url-encoded or multipart form);
* a class with an async class method ``__spruce_body__(request)``: whatever it returns. The class
  reads the request itself, for every method (GET included), so it decides what a missing or
  invalid body means (``spruce.forms.Form`` uses this to hand invalid HTML forms to the handler);
* a type registered with ``app.add_provider(type, factory)`` (a database session, the current
  user...), or ``Annotated[T, Provide(factory)]``;
* anything else: the query string, converted to its annotated type (int, float, bool, str, Enum,
  UUID, date/time/datetime, Decimal, Literal, ``list[...]``, ``T | None``).

Invalid input gives 422 with one entry per field; a malformed body 400; a wrong content type 415.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import inspect
import types
import typing
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from .exceptions import (
    BadRequest,
    FieldError,
    ImproperlyConfigured,
    RequestValidationError,
    UnsupportedMediaType,
)
from .providers import Enter, provider_entry

__all__ = [
    "Body",
    "Cookie",
    "Header",
    "Param",
    "Provide",
    "ProviderRegistry",
    "Query",
    "build_plan",
]

_MISSING: Any = inspect.Parameter.empty


class Param:
    """Base of the parameter markers. ``default`` makes the parameter optional; ``alias`` is the
    name on the wire; other keyword arguments are pydantic constraints (``ge=1``,
    ``max_length=50``, ``pattern=...``)."""

    location: typing.ClassVar[str] = "query"

    def __init__(
        self,
        default: Any = _MISSING,
        *,
        alias: str | None = None,
        description: str | None = None,
        **constraints: Any,
    ) -> None:
        self.default = default
        self.alias = alias
        self.description = description
        self.constraints = constraints

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alias={self.alias!r})"


class Query(Param):
    """A query-string parameter (the default for simple types)."""

    location = "query"


class Header(Param):
    """A request header; ``x_token`` reads ``X-Token`` unless ``alias`` says otherwise."""

    location = "header"


class Cookie(Param):
    """A cookie sent by the client."""

    location = "cookie"


class Body(Param):
    """The request body, validated as the annotated type (JSON or form data)."""

    location = "body"


class Provide:
    """Inject the value of ``factory(request)``: a function, coroutine function, or (async)
    generator function whose code after ``yield`` runs when the handler has finished (with the
    handler's exception raised at the ``yield``, if it failed)."""

    def __init__(self, factory: Callable[..., Any]) -> None:
        self.factory = factory


# -- providers ----------------------------------------------------------------------------------


class ProviderRegistry:
    """Types that handlers may ask for by annotation, and the factories that make them."""

    def __init__(self) -> None:
        self._factories: dict[Any, Callable[..., Any]] = {}

    def add(self, type_: Any, factory: Callable[..., Any]) -> None:
        """Make ``factory(request)`` the source of parameters annotated with ``type_``."""
        self._factories[type_] = factory

    def find(self, annotation: Any) -> Callable[..., Any] | None:
        """The factory for ``annotation`` (exact type first, then the closest registered base)."""
        factory = self._factories.get(annotation)
        if factory is not None or not isinstance(annotation, type):
            return factory
        for cls in annotation.__mro__[1:]:
            if cls in self._factories and cls is not object:
                return self._factories[cls]
        return None

    def __contains__(self, annotation: object) -> bool:
        return self.find(annotation) is not None


# -- scalar conversion --------------------------------------------------------------------------


class _Invalid(ValueError):
    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


def _parse_int(text: str) -> int:
    stripped = text.strip()
    digits = stripped[1:] if stripped[:1] in "+-" else stripped
    if not digits.isascii() or not digits.isdigit():
        raise _Invalid("Input should be a valid integer", "int_parsing")
    try:
        return int(stripped)
    except ValueError:  # past Python's limit on digits (4300 by default)
        raise _Invalid(
            "Input should be a valid integer, not one this long", "int_parsing_size"
        ) from None


def _parse_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _Invalid("Input should be a valid number", "float_parsing") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise _Invalid("Input should be a finite number", "finite_number")
    return value


_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _Invalid(
        "Input should be a valid boolean (true/false, 1/0, yes/no, on/off)", "bool_parsing"
    )


def _parse_with(func: Callable[[str], Any], message: str, kind: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return func(text)
        except (ValueError, TypeError, decimal.InvalidOperation):
            raise _Invalid(message, kind) from None

    return parse


def _enum_parser(enum_type: type[enum.Enum]) -> Callable[[str], Any]:
    by_text = {str(member.value): member for member in enum_type}
    expected = ", ".join(repr(key) for key in by_text)

    def parse(text: str) -> Any:
        try:
            return by_text[text]
        except KeyError:
            raise _Invalid(f"Input should be one of {expected}", "enum") from None

    return parse


def _literal_parser(values: tuple[Any, ...]) -> Callable[[str], Any]:
    by_text = {str(value): value for value in values}
    expected = ", ".join(repr(key) for key in by_text)

    def parse(text: str) -> Any:
        try:
            return by_text[text]
        except KeyError:
            raise _Invalid(f"Input should be one of {expected}", "literal_error") from None

    return parse


def _decimal(text: str) -> decimal.Decimal:
    value = decimal.Decimal(text)
    if not value.is_finite():
        raise ValueError("not finite")
    return value


_SCALARS: dict[Any, Callable[[str], Any]] = {
    int: _parse_int,
    float: _parse_float,
    bool: _parse_bool,
    uuid.UUID: _parse_with(uuid.UUID, "Input should be a valid UUID", "uuid_parsing"),
    dt.date: _parse_with(
        dt.date.fromisoformat, "Input should be a valid date (YYYY-MM-DD)", "date_parsing"
    ),
    dt.datetime: _parse_with(
        dt.datetime.fromisoformat, "Input should be a valid ISO 8601 datetime", "datetime_parsing"
    ),
    dt.time: _parse_with(
        dt.time.fromisoformat, "Input should be a valid time (HH:MM[:SS])", "time_parsing"
    ),
    decimal.Decimal: _parse_with(_decimal, "Input should be a valid decimal", "decimal_parsing"),
}


def _identity(text: str) -> str:
    return text


def _pydantic_parser(annotation: Any, constraints: Mapping[str, Any]) -> Callable[[str], Any]:
    from pydantic import Field, TypeAdapter, ValidationError

    target: Any = Annotated[annotation, Field(**constraints)] if constraints else annotation
    adapter: TypeAdapter[Any] = TypeAdapter(target)

    def parse(value: Any) -> Any:
        try:
            return adapter.validate_python(value)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            raise _Invalid(str(first["msg"]), str(first["type"])) from None

    return parse


def _scalar_parser(annotation: Any, constraints: Mapping[str, Any]) -> Callable[[str], Any]:
    if constraints:
        return _pydantic_parser(annotation, constraints)
    if annotation is str or annotation is Any or annotation is _MISSING:
        return _identity
    parser = _SCALARS.get(annotation)
    if parser is not None:
        return parser
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _enum_parser(annotation)
    if get_origin(annotation) is Literal:
        return _literal_parser(get_args(annotation))
    return _pydantic_parser(annotation, constraints)


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1 and len(get_args(annotation)) == 2:
            return args[0], True
    return annotation, False


def _list_item(annotation: Any) -> Any | None:
    origin = get_origin(annotation)
    if origin in (list, set, frozenset, tuple) or annotation in (list, set, tuple):
        args = get_args(annotation)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return None
        return args[0] if args else str
    return None


# -- the plan -----------------------------------------------------------------------------------

Extractor = Callable[[Any, dict[str, Any], list[FieldError]], None]


def _error(location: str, name: str, message: str, kind: str) -> FieldError:
    return {"location": location, "field": name, "message": message, "type": kind}


def _multi_source(location: str) -> Callable[[Any], Any]:
    if location == "query":
        return lambda conn: conn.query_params
    if location == "header":
        return lambda conn: conn.headers
    return lambda conn: conn.cookies


def _value_extractor(
    name: str,
    location: str,
    key: str,
    annotation: Any,
    default: Any,
    constraints: Mapping[str, Any],
) -> Extractor:
    inner, optional = _unwrap_optional(annotation)
    if optional and default is _MISSING:
        default = None
    source = _multi_source(location)
    item = _list_item(inner)
    if item is not None and location != "cookie":
        item_parser = _scalar_parser(_unwrap_optional(item)[0], {})
        container = get_origin(inner) or inner
        list_default = default

        def extract_list(conn: Any, kwargs: dict[str, Any], errors: list[FieldError]) -> None:
            raw = source(conn).getlist(key)
            if not raw:
                if list_default is _MISSING:
                    kwargs[name] = container()
                else:
                    kwargs[name] = list_default
                return
            values = []
            for index, text in enumerate(raw):
                try:
                    values.append(item_parser(text))
                except _Invalid as exc:
                    errors.append(_error(location, f"{key}.{index}", exc.message, exc.kind))
                    return
            kwargs[name] = container(values)

        return extract_list

    parser = _scalar_parser(inner, constraints)

    def extract(conn: Any, kwargs: dict[str, Any], errors: list[FieldError]) -> None:
        text = source(conn).get(key)
        if text is None:
            if default is _MISSING:
                errors.append(_error(location, key, "Field required", "missing"))
            else:
                kwargs[name] = default
            return
        if optional and text == "" and location == "query":
            kwargs[name] = default
            return
        try:
            kwargs[name] = parser(text)
        except _Invalid as exc:
            errors.append(_error(location, key, exc.message, exc.kind))

    return extract


def _path_extractor(name: str, converter_type: type, annotation: Any) -> Extractor:
    inner, _ = _unwrap_optional(annotation)
    if (
        inner is _MISSING
        or inner is Any
        or inner is converter_type
        or (
            isinstance(inner, type)
            and isinstance(converter_type, type)
            and issubclass(converter_type, inner)
        )
    ):

        def take(conn: Any, kwargs: dict[str, Any], errors: list[FieldError]) -> None:
            kwargs[name] = conn.path_params[name]

        return take
    parser = _scalar_parser(inner, {})

    def convert(conn: Any, kwargs: dict[str, Any], errors: list[FieldError]) -> None:
        try:
            kwargs[name] = parser(str(conn.path_params[name]))
        except _Invalid as exc:
            errors.append(_error("path", name, exc.message, exc.kind))

    return convert


@dataclass
class BodySpec:
    """How to read the body for one handler parameter."""

    name: str
    annotation: Any
    default: Any
    list_fields: frozenset[str] = frozenset()
    validate_python: Callable[[Any], Any] | None = None
    validate_json: Callable[[bytes], Any] | None = None
    reader: Callable[[Any], Awaitable[Any]] | None = None
    """The annotated class's ``__spruce_body__``: when set, it reads the request instead."""


def _is_model(annotation: Any) -> bool:
    return (
        isinstance(annotation, type)
        and hasattr(annotation, "model_validate_json")
        and hasattr(annotation, "model_fields")
    )


def _body_reader(annotation: Any) -> Callable[[Any], Awaitable[Any]] | None:
    """The ``__spruce_body__`` class method of ``annotation`` (or of ``T`` in ``T | None``)."""
    inner = _unwrap_optional(annotation)[0]
    if not isinstance(inner, type):
        return None
    reader: Callable[[Any], Awaitable[Any]] | None = getattr(inner, "__spruce_body__", None)
    return reader


def _body_spec(name: str, annotation: Any, default: Any, marker: Param | None) -> BodySpec:
    from pydantic import TypeAdapter

    inner, optional = _unwrap_optional(annotation)
    if optional and default is _MISSING:
        default = None
    reader = _body_reader(inner)
    if reader is not None:
        return BodySpec(name, inner, default, reader=reader)
    list_fields: set[str] = set()
    if _is_model(inner):
        for field_name, info in inner.model_fields.items():
            if _list_item(_unwrap_optional(info.annotation)[0]) is not None:
                list_fields.add(info.alias or field_name)
    adapter: TypeAdapter[Any] = TypeAdapter(inner)
    return BodySpec(
        name, inner, default, frozenset(list_fields), adapter.validate_python, adapter.validate_json
    )


def _pydantic_errors(exc: Any) -> list[FieldError]:
    errors: list[FieldError] = []
    for item in exc.errors(include_url=False):
        loc = [str(part) for part in item["loc"]]
        errors.append(_error("body", ".".join(loc) or "body", str(item["msg"]), str(item["type"])))
    return errors


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _read_body(request: Any, spec: BodySpec) -> Any:
    from pydantic import ValidationError

    from .requests import check_json_depth

    content_type = request.content_type
    if content_type == "application/json" or content_type.endswith("+json"):
        data = await request.body()
        if not data:
            if spec.default is not _MISSING:
                return spec.default
            raise BadRequest("Expected a JSON body, got an empty one")
        check_json_depth(data, request.app.config.max_json_depth)
        assert spec.validate_json is not None
        try:
            return spec.validate_json(data)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            if errors and errors[0]["type"] == "json_invalid":
                raise BadRequest(f"Malformed JSON: {errors[0]['msg']}") from None
            raise RequestValidationError(_pydantic_errors(exc)) from None
    if content_type in _FORM_TYPES:
        form = await request.form()
        data_dict: dict[str, Any] = {}
        for key in form:
            data_dict[key] = form.getlist(key) if key in spec.list_fields else form[key]
        assert spec.validate_python is not None
        try:
            return spec.validate_python(data_dict)
        except ValidationError as exc:
            raise RequestValidationError(_pydantic_errors(exc)) from None
    if not content_type and spec.default is not _MISSING and not await request.body():
        return spec.default
    raise UnsupportedMediaType(
        f"Unsupported content type {content_type or '(none)'!r}: send application/json, "
        "application/x-www-form-urlencoded or multipart/form-data"
    )


@dataclass
class Plan:
    """What a handler needs, resolved once: simple extractors, a body, providers."""

    endpoint: Callable[..., Any]
    is_async: bool
    extractors: list[Extractor] = field(default_factory=list)
    body: BodySpec | None = None
    providers: list[tuple[str, Enter]] = field(default_factory=list)
    passthrough_path: bool = False
    takes_nothing: bool = False


def _split_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    if get_origin(annotation) is Annotated:
        base, *extras = get_args(annotation)
        return base, extras
    return annotation, []


def _hints(endpoint: Callable[..., Any]) -> dict[str, Any]:
    target = endpoint
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        target = getattr(endpoint, "__call__", endpoint)  # noqa: B004
    try:
        return typing.get_type_hints(target, include_extras=True)
    except (NameError, TypeError) as exc:
        raise ImproperlyConfigured(
            f"cannot read the type annotations of handler {endpoint!r}: {exc}. Import the types "
            "its annotations name at module level."
        ) from exc


def build_plan(
    endpoint: Callable[..., Any],
    path_params: Mapping[str, type],
    providers: ProviderRegistry,
    connection_types: Mapping[type, Callable[[Any], Any]],
    is_async: bool,
    allow_body: bool = True,
) -> Plan:
    """Read ``endpoint``'s signature into a ``Plan``.

    ``path_params`` maps each path parameter to its converter's Python type;
    ``connection_types`` maps injectable types (``Request``, ``Spruce``...) to getters.
    """
    signature = inspect.signature(endpoint)
    hints = _hints(endpoint)
    plan = Plan(endpoint, is_async)
    path_only = True
    for name, parameter in signature.parameters.items():
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise ImproperlyConfigured(f"handler {endpoint!r}: positional-only parameter {name!r}")
        annotation, extras = _split_annotated(hints.get(name, _MISSING))
        default = parameter.default
        marker: Param | Provide | None = next(
            (extra for extra in extras if isinstance(extra, (Param, Provide))), None
        )
        if isinstance(default, (Param, Provide)):
            marker, default = default, (default.default if isinstance(default, Param) else _MISSING)
        elif isinstance(marker, Param) and marker.default is not _MISSING and default is _MISSING:
            default = marker.default
        if name in path_params and marker is None:
            plan.extractors.append(_path_extractor(name, path_params[name], annotation))
            if annotation not in (_MISSING, Any, path_params[name]):
                path_only = False
            continue
        path_only = False
        if isinstance(marker, Provide):
            plan.providers.append((name, provider_entry(marker.factory)))
            continue
        getter = _connection_getter(annotation, name, connection_types)
        if getter is not None and marker is None:
            plan.extractors.append(_inject(name, getter))
            continue
        factory = providers.find(annotation) if marker is None else None
        if factory is not None:
            plan.providers.append((name, provider_entry(factory)))
            continue
        if isinstance(marker, Body) or (
            marker is None
            and (_is_model(_unwrap_optional(annotation)[0]) or _body_reader(annotation) is not None)
        ):
            if not allow_body:
                raise ImproperlyConfigured(f"handler {endpoint!r}: a WebSocket handler has no body")
            if plan.body is not None:
                raise ImproperlyConfigured(
                    f"handler {endpoint!r} asks for two bodies ({plan.body.name!r} and {name!r}); "
                    "wrap them in one model"
                )
            plan.body = _body_spec(name, annotation, default, marker)
            continue
        location = marker.location if isinstance(marker, Param) else "query"
        key = marker.alias if isinstance(marker, Param) and marker.alias else name
        if location == "header" and not (isinstance(marker, Param) and marker.alias):
            key = name.replace("_", "-")
        constraints = marker.constraints if isinstance(marker, Param) else {}
        plan.extractors.append(
            _value_extractor(name, location, key, annotation, default, constraints)
        )
    plan.passthrough_path = path_only and len(plan.extractors) == len(path_params)
    plan.takes_nothing = not plan.extractors and plan.body is None and not plan.providers
    return plan


def _connection_getter(
    annotation: Any, name: str, connection_types: Mapping[type, Callable[[Any], Any]]
) -> Callable[[Any], Any] | None:
    if annotation is _MISSING and name in ("request", "websocket"):
        return _self
    if isinstance(annotation, type):
        for cls, getter in connection_types.items():
            if issubclass(annotation, cls) or (
                issubclass(cls, annotation) and annotation is not object
            ):
                return getter
    return None


def _self(conn: Any) -> Any:
    return conn


def _inject(name: str, getter: Callable[[Any], Any]) -> Extractor:
    def extract(conn: Any, kwargs: dict[str, Any], errors: list[FieldError]) -> None:
        kwargs[name] = getter(conn)

    return extract


async def resolve_arguments(plan: Plan, conn: Any) -> dict[str, Any]:
    """The keyword arguments for ``plan``'s handler (providers excluded); 422 when invalid."""
    if plan.passthrough_path:
        return dict(conn.path_params)
    kwargs: dict[str, Any] = {}
    errors: list[FieldError] = []
    for extract in plan.extractors:
        extract(conn, kwargs, errors)
    if errors:
        raise RequestValidationError(errors)
    body = plan.body
    if body is not None:
        if body.reader is not None:
            kwargs[body.name] = await body.reader(conn)
        else:
            kwargs[body.name] = await _read_body(conn, body)
    return kwargs

"""Exceptions raised by Spruce and by applications built on it.

The tree::

    SpruceError                      root of every exception Spruce defines
    ├── ImproperlyConfigured         a configuration mistake, raised at startup with a fix in its message
    ├── NoMatch                      url_for() could not build a URL (unknown name, missing parameter)
    └── HTTPException                an HTTP error answered to the client with its status code
        ├── BadRequest               400  malformed input
        ├── Unauthorized             401
        ├── Forbidden                403
        ├── NotFound                 404
        ├── MethodNotAllowed         405  carries the allowed methods in an ``Allow`` header
        ├── PayloadTooLarge          413
        ├── UnsupportedMediaType     415
        ├── UnprocessableEntity      422
        │   └── RequestValidationError   422 with per-field errors
        ├── TooManyRequests          429
        └── ServiceUnavailable       503

``abort(status, detail)`` raises the right class for a status code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any, NoReturn

__all__ = [
    "BadRequest",
    "FieldError",
    "Forbidden",
    "HTTPException",
    "ImproperlyConfigured",
    "MethodNotAllowed",
    "NoMatch",
    "NotFound",
    "PayloadTooLarge",
    "RequestValidationError",
    "ServiceUnavailable",
    "SpruceError",
    "TooManyRequests",
    "Unauthorized",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "abort",
]


class SpruceError(Exception):
    """Root of every exception Spruce defines."""


class ImproperlyConfigured(SpruceError):
    """The application is configured in a way that cannot work; the message says how to fix it."""


class NoMatch(SpruceError):
    """``url_for`` could not build a URL: the route name is unknown or a parameter is missing or invalid."""


def _reason(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


class HTTPException(SpruceError):
    """An error answered to the client with ``status_code``.

    ``detail`` is shown to the client (keep it free of internals); ``headers`` are added to the
    error response.
    """

    status_code: int = 500

    def __init__(
        self,
        status_code: int | None = None,
        detail: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if status_code is not None:
            self.status_code = status_code
        self.detail = detail if detail is not None else _reason(self.status_code)
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(self.status_code, self.detail)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, detail={self.detail!r})"

    def body(self) -> dict[str, Any]:
        """The JSON shape of this error: ``{"detail": ...}`` plus anything subclasses add."""
        return {"detail": self.detail}


class _StatusError(HTTPException):
    """An ``HTTPException`` whose status is fixed by its class: ``NotFound("No such post")``."""

    def __init__(self, detail: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(None, detail, headers)


class BadRequest(_StatusError):
    """400: the request is malformed (bad JSON, bad form encoding, bad header)."""

    status_code = 400


class Unauthorized(_StatusError):
    """401: authentication is required."""

    status_code = 401


class Forbidden(_StatusError):
    """403: the client may not do this."""

    status_code = 403


class NotFound(_StatusError):
    """404: nothing here."""

    status_code = 404


class MethodNotAllowed(_StatusError):
    """405: the path exists but not for this method; ``Allow`` lists the methods that work."""

    status_code = 405

    def __init__(self, allowed: Iterable[str], detail: str | None = None) -> None:
        self.allowed = tuple(allowed)
        super().__init__(detail, {"Allow": ", ".join(self.allowed)})


class PayloadTooLarge(_StatusError):
    """413: the body (or a part of it) is larger than the configured limit."""

    status_code = 413


class UnsupportedMediaType(_StatusError):
    """415: the body's content type is not one this handler accepts."""

    status_code = 415


class UnprocessableEntity(_StatusError):
    """422: well-formed input that fails validation."""

    status_code = 422


FieldError = dict[str, Any]
"""One validation error: ``{"location": "query", "field": "page", "message": "...", "type": "..."}``."""


class RequestValidationError(UnprocessableEntity):
    """422 with one entry per invalid field (location, field, message, type)."""

    def __init__(self, errors: list[FieldError], detail: str = "Validation failed") -> None:
        self.errors = errors
        super().__init__(detail=detail)

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "errors": self.errors}


class TooManyRequests(_StatusError):
    """429: slow down; ``Retry-After`` says for how long."""

    status_code = 429


class ServiceUnavailable(_StatusError):
    """503: a backing service (the database, say) is down; try again later."""

    status_code = 503


_BY_STATUS: dict[int, type[HTTPException]] = {
    cls.status_code: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        PayloadTooLarge,
        UnsupportedMediaType,
        UnprocessableEntity,
        TooManyRequests,
        ServiceUnavailable,
    )
}


def abort(
    status_code: int, detail: str | None = None, headers: Mapping[str, str] | None = None
) -> NoReturn:
    """Stop handling the request and answer ``status_code`` with ``detail``.

    >>> abort(404, "No such post")  # raises NotFound
    """
    cls = _BY_STATUS.get(status_code)
    if cls is None:
        raise HTTPException(status_code, detail, headers)
    raise cls(detail=detail, headers=headers)

"""How database errors are answered: constraint violations as 409/422 with field errors, an
unreachable database as 503 with a short message (never SQL, values or a traceback)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import exc as sa_exc

from ..errors import http_error_response
from ..exceptions import FieldError, HTTPException, RequestValidationError
from .exceptions import (
    DatabaseUnavailable,
    ForeignKeyViolation,
    IntegrityViolation,
    NotNullViolation,
    UniqueViolation,
)
from .translate import integrity_violation

if TYPE_CHECKING:
    from ..app import Spruce
    from ..requests import Request
    from ..responses import Response

__all__ = ["Conflict", "add_error_handlers", "http_error_for"]

logger = logging.getLogger("spruce.db")

RETRY_AFTER_SECONDS = 5
UNAVAILABLE_DETAIL = "The database is unavailable; please try again shortly."


class Conflict(HTTPException):
    """409 with one entry per field involved (the same shape as a 422's ``errors``)."""

    status_code = 409

    def __init__(self, detail: str, errors: list[FieldError]) -> None:
        super().__init__(None, detail)
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "errors": self.errors}


def _detail(violation: IntegrityViolation) -> str:
    columns = ", ".join(violation.columns)
    if isinstance(violation, UniqueViolation):
        return f"{columns} already exists" if columns else "This record already exists"
    if isinstance(violation, ForeignKeyViolation):
        if violation.still_referenced:
            return "This record is still referenced by other records"
        return (
            f"{columns} refers to a record that does not exist"
            if columns
            else ("A reference points to a record that does not exist")
        )
    if isinstance(violation, NotNullViolation):
        return f"{columns} is required" if columns else "A required value is missing"
    return "The data conflicts with a rule of the database"


def http_error_for(error: sa_exc.IntegrityError) -> HTTPException:
    """The 409 (``Conflict``) or 422 (``RequestValidationError``) for a constraint violation;
    forms and API layers call this to show the field errors their own way."""
    violation = integrity_violation(error)
    errors = violation.field_errors()
    detail = _detail(violation)
    if violation.status_code == 422:
        return RequestValidationError(errors, detail)
    return Conflict(detail, errors)


def integrity_response(request: Request, exc: sa_exc.IntegrityError) -> Response:
    """Answer a constraint violation that reached the app with 409 or 422."""
    http_error = http_error_for(exc)
    logger.info("%s %s: %s", request.method, request.path, integrity_violation(exc).message)
    return http_error_response(http_error, request.headers.get("accept", ""))


def unavailable_response(request: Request, exc: Exception) -> Response:
    """Answer 503 when the database cannot be reached (or no connection was free in time)."""
    logger.warning("%s %s: database unavailable: %s", request.method, request.path, exc)
    error = HTTPException(503, UNAVAILABLE_DETAIL, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    return http_error_response(error, request.headers.get("accept", ""))


def add_error_handlers(app: Spruce) -> None:
    """Register the database error handlers on ``app``."""
    app.add_exception_handler(sa_exc.IntegrityError, integrity_response)
    app.add_exception_handler(IntegrityViolation, integrity_response)
    app.add_exception_handler(DatabaseUnavailable, unavailable_response)
    app.add_exception_handler(sa_exc.TimeoutError, unavailable_response)

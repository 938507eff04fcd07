"""The database battery's exceptions.

The tree::

    DbError                          root of the db battery's errors (a SpruceError)
    ├── IntegrityViolation           a constraint refused a write (also a sqlalchemy IntegrityError)
    │   ├── UniqueViolation          a UNIQUE / primary key constraint          -> 409
    │   ├── ForeignKeyViolation      a FOREIGN KEY constraint                    -> 422 / 409
    │   ├── NotNullViolation         a NOT NULL column got no value               -> 422
    │   └── CheckViolation           a CHECK constraint                           -> 422
    ├── DatabaseUnavailable          cannot connect, connection lost, pool timeout -> 503
    │                                (also a sqlalchemy OperationalError)
    ├── LazyLoadError                an async session was asked to load an attribute implicitly
    └── MigrationError               a migration command could not run (out of date, no folder...)

Integrity violations carry ``table``, ``columns`` and ``constraint`` when the database reports
them, and ``field_errors()`` in the shape the forms and API layers use for 409/422 answers.
Messages never include the values that were written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, cast

from sqlalchemy import exc as sa_exc

from ..exceptions import FieldError, SpruceError

__all__ = [
    "CheckViolation",
    "DatabaseUnavailable",
    "DbError",
    "ForeignKeyViolation",
    "IntegrityViolation",
    "LazyLoadError",
    "MigrationError",
    "NotNullViolation",
    "UniqueViolation",
]


class DbError(SpruceError):
    """Root of the database battery's exceptions."""


class IntegrityViolation(DbError, sa_exc.IntegrityError):
    """A constraint refused a write. Still a ``sqlalchemy.exc.IntegrityError``, so existing
    ``except IntegrityError`` blocks keep working.

    ``kind`` is ``"unique"``, ``"foreign_key"``, ``"not_null"``, ``"check"`` or ``"integrity"``;
    ``status_code`` is the HTTP status it is answered with when nothing catches it.
    """

    kind: ClassVar[str] = "integrity"
    default_status: ClassVar[int] = 409
    field_message: ClassVar[str] = "conflicts with existing data"

    def __init__(
        self,
        original: sa_exc.DBAPIError,
        *,
        table: str | None = None,
        columns: Sequence[str] = (),
        constraint: str | None = None,
    ) -> None:
        sa_exc.IntegrityError.__init__(
            self,
            original.statement,
            original.params,
            cast(BaseException, original.orig),
            hide_parameters=original.hide_parameters,
            connection_invalidated=original.connection_invalidated,
            code=original.code,
            ismulti=original.ismulti,
        )
        self.table = table
        self.columns = tuple(columns)
        self.constraint = constraint

    @property
    def status_code(self) -> int:
        """The HTTP status this violation is answered with (409 conflict or 422 invalid)."""
        return self.default_status

    @property
    def message(self) -> str:
        """A sentence about what was refused, without the values."""
        where = f" on {self.table}" if self.table else ""
        which = f" ({', '.join(self.columns)})" if self.columns else ""
        name = f" [{self.constraint}]" if self.constraint else ""
        return f"{self.kind.replace('_', ' ')} constraint violated{where}{which}{name}"

    def field_errors(self, location: str = "body") -> list[FieldError]:
        """One error per column involved, as ``RequestValidationError`` entries."""
        fields = self.columns or (self.constraint or self.table or "__all__",)
        return [
            {
                "location": location,
                "field": column,
                "message": self.field_message,
                "type": self.kind,
            }
            for column in fields
        ]

    def __str__(self) -> str:
        return f"{self.message}\n[SQL: {self.statement}]" if self.statement else self.message

    def __reduce__(self) -> Any:  # exceptions cross process boundaries in task queues
        return (sa_exc.IntegrityError, (self.statement, self.params, self.orig))


class UniqueViolation(IntegrityViolation):
    """A row with the same value(s) in a unique column (or primary key) exists already."""

    kind = "unique"
    default_status = 409
    field_message = "already exists"


class ForeignKeyViolation(IntegrityViolation):
    """A reference to a row that does not exist, or a delete of a row still referenced.

    ``still_referenced`` tells them apart: True (409) when deleting or re-keying a row that other
    rows point to; False (422) when the written value points nowhere.
    """

    kind = "foreign_key"
    field_message = "refers to a row that does not exist"

    def __init__(
        self,
        original: sa_exc.DBAPIError,
        *,
        table: str | None = None,
        columns: Sequence[str] = (),
        constraint: str | None = None,
        still_referenced: bool = False,
    ) -> None:
        super().__init__(original, table=table, columns=columns, constraint=constraint)
        self.still_referenced = still_referenced

    @property
    def status_code(self) -> int:
        """409 when the row is still referenced, 422 for a reference to nothing."""
        return 409 if self.still_referenced else 422

    def field_errors(self, location: str = "body") -> list[FieldError]:
        """As ``IntegrityViolation.field_errors``, worded for the direction of the violation."""
        errors = super().field_errors(location)
        if self.still_referenced:
            for error in errors:
                error["message"] = "is still referenced by other rows"
        return errors


class NotNullViolation(IntegrityViolation):
    """A required column received no value."""

    kind = "not_null"
    default_status = 422
    field_message = "is required"


class CheckViolation(IntegrityViolation):
    """A CHECK constraint refused the value."""

    kind = "check"
    default_status = 422
    field_message = "is not allowed"


class DatabaseUnavailable(DbError, sa_exc.OperationalError):
    """The database cannot be reached: it refused the connection, the connection was lost, or
    the pool had no free connection in time. Answered with 503; the app recovers by itself when
    the database is back (stale connections are replaced)."""

    def __init__(
        self,
        message: str,
        original: BaseException | None = None,
        *,
        statement: str | None = None,
        params: Any = None,
        connection_invalidated: bool = False,
    ) -> None:
        orig = original if isinstance(original, Exception) else Exception(message)
        sa_exc.OperationalError.__init__(
            self,
            statement,
            params,
            orig,
            hide_parameters=True,
            connection_invalidated=connection_invalidated,
        )
        self.message = message

    def __str__(self) -> str:
        cause = f" ({type(self.orig).__name__}: {self.orig})" if self.orig is not None else ""
        return f"{self.message}{cause}"

    def __reduce__(self) -> Any:
        return (DatabaseUnavailable, (self.message,))


class LazyLoadError(DbError, sa_exc.InvalidRequestError):
    """An attribute that is not loaded was read through an async session, which cannot run SQL
    on attribute access. The message names the attribute and how to load it."""


class MigrationError(DbError):
    """A migration command failed: no migrations folder, models out of step, unknown revision."""

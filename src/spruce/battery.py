"""The battery protocol: how an optional feature (database, auth, admin...) plugs into an app.

A battery is any object with a ``name``, the names it ``requires``, and ``install(app)``, which
uses only the app's public registration surface (``include``, ``add_middleware``,
``add_exception_handler``, ``add_lifespan``, ``add_check``, ``add_command``, ``add_provider``...).
Your own packages can be batteries too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from .exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from .app import Spruce

__all__ = ["Battery", "order_batteries"]


@runtime_checkable
class Battery(Protocol):
    """What every battery provides."""

    name: ClassVar[str]
    requires: ClassVar[tuple[str, ...]]

    def install(self, app: Spruce) -> None:
        """Register this battery's routes, middleware, hooks, providers and commands."""
        ...


def order_batteries(batteries: Iterable[Battery], installed: Iterable[str] = ()) -> list[Battery]:
    """``batteries`` sorted so that each comes after those it requires.

    Raise ``ImproperlyConfigured`` for a duplicate, a missing requirement or a cycle.
    """
    pending: dict[str, Battery] = {}
    for battery in batteries:
        if battery.name in pending:
            raise ImproperlyConfigured(f"battery {battery.name!r} is listed twice")
        pending[battery.name] = battery
    done = set(installed)
    ordered: list[Battery] = []
    visiting: list[str] = []

    def visit(name: str, needed_by: str | None) -> None:
        if name in done:
            return
        if name not in pending:
            hint = f" (required by {needed_by!r})" if needed_by else ""
            raise ImproperlyConfigured(
                f"battery {name!r} is not installed{hint}: add it to Spruce(batteries=[...])"
            )
        if name in visiting:
            cycle: Sequence[str] = [*visiting[visiting.index(name) :], name]
            raise ImproperlyConfigured(
                f"batteries require each other in a cycle: {' -> '.join(cycle)}"
            )
        visiting.append(name)
        for required in pending[name].requires:
            visit(required, name)
        visiting.pop()
        done.add(name)
        ordered.append(pending[name])

    for name in list(pending):
        visit(name, None)
    return ordered

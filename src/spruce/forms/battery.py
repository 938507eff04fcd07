"""``Forms``: the optional forms battery.

Forms work without it: a ``Form`` parameter is filled from the request and a form renders with
the package's templates (registered with the app's template engine on first use). Installing the
battery registers the templates when the app is built instead, and lets other batteries declare
``requires = ("forms",)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = ["Forms"]


class Forms:
    """The ``forms`` battery: ``Spruce(batteries=[Forms()])``."""

    name: ClassVar[str] = "forms"
    requires: ClassVar[tuple[str, ...]] = ()

    def install(self, app: Spruce) -> None:
        """Make the forms templates (``spruce/forms/*.html``) overridable from the app's
        ``templates/`` folder."""
        from .rendering import add_templates

        add_templates(app)

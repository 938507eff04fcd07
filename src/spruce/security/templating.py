"""What templates get from the security battery: ``csrf_token``, ``csrf_input()``, ``csp_nonce``.

::

    <form method="post">
      {{ csrf_input() }}                      {# the hidden csrf_token field #}
      ...
    </form>
    <meta name="csrf-token" content="{{ csrf_token }}">   {# for scripts' X-CSRF-Token header #}
    <script nonce="{{ csp_nonce }}">...</script>

``csrf_token`` and ``csp_nonce`` can be written with or without parentheses. Nothing is made
until a template uses them, so pages without forms do not start a session or set a cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .csrf import SafeHTML, csrf_input, get_token
from .headers import csp_nonce

if TYPE_CHECKING:
    from ..requests import HTTPConnection

__all__ = ["LazyText", "template_context"]


class LazyText:
    """A value computed on first use in a template: ``{{ x }}`` and ``{{ x() }}`` both work."""

    __slots__ = ("_make", "_request", "_value")

    def __init__(self, make: Callable[[HTTPConnection], str], request: HTTPConnection) -> None:
        self._make = make
        self._request = request
        self._value: str | None = None

    def __call__(self) -> str:
        if self._value is None:
            self._value = self._make(self._request)
        return self._value

    def __str__(self) -> str:
        return self()

    def __html__(self) -> str:  # the values are URL-safe base64: nothing to escape
        return self()

    def __repr__(self) -> str:
        return f"<LazyText {getattr(self._make, '__name__', '?')}>"


def template_context(request: HTTPConnection) -> dict[str, Any]:
    """The context processor: the three names, bound to ``request``."""

    def input_field() -> SafeHTML:
        return csrf_input(request)

    return {
        "csrf_token": LazyText(get_token, request),
        "csrf_input": input_field,
        "csp_nonce": LazyText(csp_nonce, request),
    }

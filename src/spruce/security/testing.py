"""Helpers for testing apps protected by the security battery.

Tests post like browsers do: fetch the page with the form, take the token from it, send it back::

    from spruce.security.testing import csrf_token_from

    page = client.get("/posts/new")
    client.post("/posts", data={"title": "Hi", "csrf_token": csrf_token_from(page.text)})

Scripts' requests send it in the ``X-CSRF-Token`` header instead. ``csrf_headers`` builds that
header from a page (or any text holding the token), for JSON calls.
"""

from __future__ import annotations

import html
import re

__all__ = ["csrf_headers", "csrf_token_from"]

_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([a-zA-Z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_META = re.compile(
    r"""<meta\b[^>]*name=["']csrf-token["'][^>]*content=["']([^"']+)["']""", re.IGNORECASE
)


def csrf_token_from(page: str, field: str = "csrf_token") -> str:
    """The CSRF token in ``page``: the value of the first ``<input name="csrf_token">`` (or of
    ``<meta name="csrf-token" content="...">``). ``LookupError`` when the page has none, which
    usually means a form forgot ``{{ csrf_input() }}``."""
    for tag in _INPUT.findall(page):
        attributes = {
            name.lower(): next((value for value in values if value), "")
            for name, *values in _ATTRIBUTE.findall(tag)
        }
        if attributes.get("name") == field and attributes.get("value"):
            return html.unescape(attributes["value"])
    meta = _META.search(page)
    if meta is not None:
        return html.unescape(meta.group(1))
    raise LookupError(f"no CSRF token (an <input name={field!r}> with a value) in the page")


def csrf_headers(page: str, field: str = "csrf_token") -> dict[str, str]:
    """``{"X-CSRF-Token": token}`` with the token found in ``page``."""
    return {"X-CSRF-Token": csrf_token_from(page, field)}

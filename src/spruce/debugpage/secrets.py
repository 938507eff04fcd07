"""Telling secret-looking names apart, so the debug page never prints their values.

A name is secret when one of its words (split on ``_``, ``-``, ``.``, spaces and camelCase) is a
word like ``password``, ``token`` or ``key``: ``api_key``, ``X-Auth-Token``, ``dbPassword`` and
``SECRET_KEY`` are secret (so are plurals: ``tokens``, ``keys``); ``monkey``, ``author`` and
``tokenizer`` are not.
"""

from __future__ import annotations

import re

__all__ = ["MASK", "SECRET_WORDS", "is_secret_name", "mask_if_secret"]

MASK = "********"
"""What the debug page shows instead of a secret value."""

SECRET_WORDS = frozenset(
    {
        "apikey",
        "auth",
        "authorization",
        "cookie",
        "credential",
        "credentials",
        "csrf",
        "dsn",
        "jwt",
        "key",
        "passphrase",
        "passwd",
        "password",
        "pin",
        "private",
        "pwd",
        "salt",
        "secret",
        "session",
        "sessionid",
        "signature",
        "token",
        "xsrf",
    }
)
"""Words that make a name secret (compared lower-cased; trailing digits and a plural ``s`` are
ignored)."""

_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def is_secret_name(name: str) -> bool:
    """True when ``name`` (a variable, header, query key or dict key) looks like it holds a secret."""
    words = [word.lower().rstrip("0123456789") for word in _WORDS.findall(name)]
    for index, word in enumerate(words):
        if word in SECRET_WORDS or (word.endswith("s") and word[:-1] in SECRET_WORDS):
            return True
        if index and words[index - 1] + word in SECRET_WORDS:  # "api" + "key", "session" + "id"
            return True
    return False


def mask_if_secret(name: str, value: str) -> str:
    """``value``, or ``MASK`` when ``name`` is secret-looking."""
    return MASK if is_secret_name(name) else value

"""CSRF secrets and the masked tokens made from them.

A *secret* is 32 random bytes kept for one browser (in its session, or in a cookie). Pages never
show it: each response carries a *token*, the secret XOR-ed with a fresh random mask and sent with
that mask, so the token differs on every response while always unmasking to the same secret. A
compression side channel (BREACH) cannot then learn the secret from many responses.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets

__all__ = ["SECRET_BYTES", "is_secret", "mask", "new_secret", "token_matches", "unmask"]

SECRET_BYTES = 32
_SECRET_LENGTH = 43  # base64url of 32 bytes, unpadded
_TOKEN_LENGTH = 86  # base64url of mask + masked secret (64 bytes), unpadded
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def new_secret() -> str:
    """A fresh secret, as text (43 URL-safe characters)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def is_secret(value: object) -> bool:
    """True when ``value`` has the shape of a secret (anything else is ignored, never trusted)."""
    return isinstance(value, str) and len(value) == _SECRET_LENGTH and set(value) <= _ALPHABET


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _xor(left: bytes, right: bytes) -> bytes:
    size = len(left)
    return (int.from_bytes(left, "big") ^ int.from_bytes(right, "big")).to_bytes(size, "big")


def mask(secret: str) -> str:
    """A token for ``secret``: a new random mask followed by the masked secret."""
    pad = secrets.token_bytes(SECRET_BYTES)
    return _encode(pad + _xor(_decode(secret), pad))


def unmask(token: str) -> bytes | None:
    """The secret a token carries, or None when ``token`` is not a well-formed token."""
    if len(token) != _TOKEN_LENGTH or not set(token) <= _ALPHABET:
        return None
    try:
        raw = _decode(token)
    except (binascii.Error, ValueError):
        return None
    return _xor(raw[SECRET_BYTES:], raw[:SECRET_BYTES])


def token_matches(token: str, secret: str) -> bool:
    """True when ``token`` was made from ``secret`` (compared in constant time)."""
    carried = unmask(token)
    if carried is None or not is_secret(secret):
        return False
    return hmac.compare_digest(carried, _decode(secret))

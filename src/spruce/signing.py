"""Signing data with the application's secret key, on itsdangerous.

A ``Signer`` turns any JSON-able value into a URL-safe token that cannot be forged or altered
without the key, and back::

    from spruce.signing import signer_for

    tokens = signer_for(app, "password-reset")
    token = tokens.dumps({"user": 42})
    tokens.loads(token, max_age=3600)  # -> {"user": 42}, or raises BadSignature / SignatureExpired

Every purpose has its own *salt*, so a token made for one purpose is worthless for another. Keys
rotate through ``secret_key_fallbacks``: new tokens are signed with ``secret_key``, tokens signed
with a fallback key are still accepted (and reported as ``rotated`` by ``Signer.unpack``, so
long-lived data can be re-signed).

Signed cookies use the same machinery: ``set_signed_cookie(response, request, "prefs", {...})``
and ``get_signed_cookie(request, "prefs")``. Signed is not encrypted: the client can read the
value, it just cannot change it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from .exceptions import SpruceError

if TYPE_CHECKING:
    from itsdangerous import URLSafeTimedSerializer

    from .app import Spruce
    from .cookies import SameSite
    from .requests import HTTPConnection
    from .responses import Response

__all__ = [
    "BadSignature",
    "SignatureExpired",
    "SignedValue",
    "Signer",
    "get_signed_cookie",
    "set_signed_cookie",
    "signer_for",
]

Clock = Callable[[], float]


class BadSignature(SpruceError):
    """The token was not signed with any of the app's keys (tampered, truncated or forged)."""


class SignatureExpired(BadSignature):
    """The signature is valid but older than the ``max_age`` asked for."""

    def __init__(self, message: str, signed_at: float) -> None:
        super().__init__(message)
        self.signed_at = signed_at


class SignedValue(NamedTuple):
    """A verified token: its ``value``, when it was signed (``signed_at``, seconds since the
    epoch) and whether a fallback key verified it (``rotated``: re-sign it soon)."""

    value: Any
    signed_at: float
    rotated: bool


class _JSON:
    """The serializer itsdangerous calls: orjson, compact, UTF-8 bytes."""

    @staticmethod
    def dumps(value: Any, **_: Any) -> bytes:
        return orjson.dumps(value)

    @staticmethod
    def loads(data: str | bytes, **_: Any) -> Any:
        return orjson.loads(data)


def _key_bytes(key: str | bytes) -> bytes:
    return key.encode("utf-8") if isinstance(key, str) else key


class Signer:
    """Sign and verify JSON-able values under one ``salt`` (the purpose).

    ``secret_key`` signs; each of ``fallbacks`` (older keys, most recent first) still verifies.
    ``clock`` (seconds since the epoch) is for tests that move time.
    """

    def __init__(
        self,
        secret_key: str | bytes,
        *,
        salt: str,
        fallbacks: Sequence[str | bytes] = (),
        clock: Clock = time.time,
    ) -> None:
        if not secret_key:
            raise ValueError("a Signer needs a non-empty secret key")
        if not salt:
            raise ValueError("a Signer needs a salt naming its purpose, e.g. 'password-reset'")
        self.salt = salt
        self.clock = clock
        self._primary = self._serializer([_key_bytes(secret_key)])
        # itsdangerous wants the newest key last; fallbacks are listed most recent first
        fallback_keys = [_key_bytes(key) for key in reversed(fallbacks)]
        self._fallback = self._serializer(fallback_keys) if fallback_keys else None

    def _serializer(self, keys: list[bytes]) -> URLSafeTimedSerializer:
        from itsdangerous import TimestampSigner, URLSafeTimedSerializer

        clock = self.clock

        class ClockedSigner(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock())

        return URLSafeTimedSerializer(
            keys,
            salt=self.salt,
            serializer=_JSON,
            signer=ClockedSigner,
            signer_kwargs={"digest_method": hashlib.sha256},
        )

    def dumps(self, value: Any) -> str:
        """A URL-safe token carrying ``value`` (JSON-able), signed now with the current key."""
        token = self._primary.dumps(value)
        return token if isinstance(token, str) else token.decode("ascii")

    def unpack(self, token: str | bytes, max_age: float | None = None) -> SignedValue:
        """Verify ``token`` and return its value, signing time and whether a fallback key was
        needed. Raise ``BadSignature``, or ``SignatureExpired`` when older than ``max_age``
        seconds."""
        from itsdangerous import BadData
        from itsdangerous import BadSignature as ItsBadSignature

        rotated = False
        try:
            try:
                value, signed_at = self._primary.loads(token, return_timestamp=True)
            except ItsBadSignature:
                if self._fallback is None:
                    raise
                value, signed_at = self._fallback.loads(token, return_timestamp=True)
                rotated = True
        except BadData:  # a bad signature, or a payload that does not decode
            raise BadSignature("the token is not validly signed") from None
        stamp = signed_at.timestamp()
        if max_age is not None and self.clock() - stamp > max_age:
            raise SignatureExpired(f"the signature is older than {max_age} seconds", stamp)
        return SignedValue(value, stamp, rotated)

    def loads(self, token: str | bytes, max_age: float | None = None) -> Any:
        """The value carried by ``token``; ``BadSignature`` if it was altered,
        ``SignatureExpired`` if it is older than ``max_age`` seconds."""
        return self.unpack(token, max_age).value

    def __repr__(self) -> str:
        return f"<Signer salt={self.salt!r}>"


def signer_for(app: Spruce, salt: str) -> Signer:
    """The app's ``Signer`` for ``salt`` (made once, then reused), keyed by ``secret_key`` with
    ``secret_key_fallbacks`` for rotation."""
    signers: dict[str, Signer] = app.extensions.setdefault("spruce.signers", {})
    signer = signers.get(salt)
    if signer is None:
        key = app.secret_key
        signer = signers[salt] = Signer(key, salt=salt, fallbacks=app.config.secret_key_fallbacks)
    return signer


def _cookie_salt(name: str, salt: str) -> str:
    # the cookie's name is part of the salt: a value signed for one cookie fails in another
    return f"{salt}:{name}"


def set_signed_cookie(
    response: Response,
    connection: HTTPConnection,
    key: str,
    value: Any,
    *,
    salt: str = "spruce.cookie",
    max_age: int | None = None,
    path: str = "/",
    domain: str | None = None,
    secure: bool | None = None,
    httponly: bool = True,
    samesite: SameSite | None = "lax",
) -> None:
    """Set cookie ``key`` to ``value`` (any JSON-able value), signed with the app's key.

    Read it back with ``get_signed_cookie``. ``secure=None`` adds ``Secure`` on https requests.
    """
    token = signer_for(connection.app, _cookie_salt(key, salt)).dumps(value)
    response.set_cookie(
        key,
        token,
        max_age=max_age,
        path=path,
        domain=domain,
        secure=connection.is_secure if secure is None else secure,
        httponly=httponly,
        samesite=samesite,
    )


def get_signed_cookie(
    connection: HTTPConnection,
    key: str,
    default: Any = None,
    *,
    salt: str = "spruce.cookie",
    max_age: float | None = None,
) -> Any:
    """The value of signed cookie ``key``; ``default`` when it is missing, altered, signed for
    another cookie or older than ``max_age`` seconds."""
    token = connection.cookies.get(key)
    if token is None:
        return default
    try:
        return signer_for(connection.app, _cookie_salt(key, salt)).loads(token, max_age)
    except BadSignature:
        return default

"""Building ``Set-Cookie`` header values with secure defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote

__all__ = ["Cookie", "SameSite"]

SameSite = Literal["lax", "strict", "none"]
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_SAFE_VALUE_CHARS = "!#$&'()*+-./:<=>?@[]^_`{|}~"


@dataclass
class Cookie:
    """One cookie to set or delete.

    ``secure=None`` means "decide from the request": the ``Secure`` flag is added when the request
    came over https. ``httponly`` defaults to True and ``samesite`` to ``"lax"``.
    """

    name: str
    value: str = ""
    max_age: int | None = None
    expires: datetime | int | None = None
    path: str = "/"
    domain: str | None = None
    secure: bool | None = None
    httponly: bool = True
    samesite: SameSite | None = "lax"
    partitioned: bool = False

    def __post_init__(self) -> None:
        if not _TOKEN.match(self.name):
            raise ValueError(f"invalid cookie name {self.name!r}: use letters, digits and -_.")
        if self.samesite is not None and self.samesite.lower() not in ("lax", "strict", "none"):
            raise ValueError("samesite must be 'lax', 'strict', 'none' or None")
        if self.name.startswith("__Host-") and (self.domain or self.path != "/"):
            raise ValueError("a __Host- cookie must have path='/' and no domain")

    def header_value(self, https: bool) -> str:
        """The ``Set-Cookie`` value; ``https`` says whether the request came over TLS."""
        parts = [f"{self.name}={quote(self.value, safe=_SAFE_VALUE_CHARS)}"]
        if self.max_age is not None:
            parts.append(f"Max-Age={int(self.max_age)}")
        if self.expires is not None:
            expires = self.expires
            if isinstance(expires, int):
                expires = datetime.fromtimestamp(expires, tz=UTC)
            from email.utils import format_datetime

            parts.append(f"expires={format_datetime(expires.astimezone(UTC), usegmt=True)}")
        if self.domain:
            parts.append(f"Domain={self.domain}")
        parts.append(f"Path={self.path}")
        secure = https if self.secure is None else self.secure
        if self.samesite is not None and self.samesite.lower() == "none":
            secure = True  # browsers drop SameSite=None cookies without Secure
        if secure or self.name.startswith(("__Host-", "__Secure-")):
            parts.append("Secure")
        if self.httponly:
            parts.append("HttpOnly")
        if self.samesite is not None:
            parts.append(f"SameSite={self.samesite.capitalize()}")
        if self.partitioned:
            parts.append("Partitioned")
        return "; ".join(parts)

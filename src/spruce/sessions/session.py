"""``Session``: the dict-like object behind ``request.session``."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

__all__ = ["Session"]


class Session(MutableMapping[str, Any]):
    """A user's session: a dict of JSON-able values kept between requests.

    Changes made through the mapping methods are noticed and saved when the response is sent.
    Changing a value in place (``session["cart"].append(3)``) is not noticed: set
    ``session.modified = True`` afterwards, or assign the value again.

    ``regenerate()`` gives the session a new id (after a login: protection against session
    fixation); ``clear()`` forgets everything, the id included (after a logout).
    """

    __slots__ = (
        "_data",
        "created",
        "id",
        "last_active",
        "modified",
        "needs_refresh",
        "new",
        "rotate",
        "stale_cookie",
    )

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        *,
        session_id: str | None = None,
        created: float,
        last_active: float,
        new: bool = False,
        stale_cookie: bool = False,
    ) -> None:
        self._data: dict[str, Any] = data if data is not None else {}
        #: The server-side id (``None`` for cookie sessions, and before a new session is saved).
        self.id = session_id
        #: When the session began (seconds since the epoch): the absolute expiry counts from here.
        self.created = created
        #: When the session was last saved: the idle expiry counts from here.
        self.last_active = last_active
        #: True when the request carried no valid session.
        self.new = new
        #: True when the data changed and must be saved.
        self.modified = False
        #: True when the id must change at the next save (``regenerate`` and ``clear``).
        self.rotate = False
        #: True when the session must be saved even unchanged (signed with an old key).
        self.needs_refresh = False
        #: True when the client sent a session cookie that was invalid or expired.
        self.stale_cookie = stale_cookie

    # -- mapping --------------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: str, default: Any = None) -> Any:
        """The value for ``key``, or ``default``."""
        return self._data.get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        """The value for ``key``, set to ``default`` first when missing."""
        if key not in self._data:
            self[key] = default
        return self._data[key]

    # -- life cycle -----------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget every value, and (server-side) the session id: the next save starts a new
        session. Use it at logout."""
        self._data.clear()
        self.modified = True
        self.rotate = True

    def regenerate(self) -> None:
        """Keep the values under a new id and a new lifetime; the old id stops working. Call it
        when privileges change (at login) so that an id an attacker planted is worthless.

        Cookie sessions have no server-side id: a freshly signed cookie is sent, but an older
        copy of the cookie cannot be revoked."""
        self.modified = True
        self.rotate = True

    def to_dict(self) -> dict[str, Any]:
        """A shallow copy of the values."""
        return dict(self._data)

    @property
    def data(self) -> dict[str, Any]:
        """The values themselves (changing them here is not noticed; see ``modified``)."""
        return self._data

    def __repr__(self) -> str:
        flags = " modified" if self.modified else ""
        return f"<Session {self._data!r}{flags}>"

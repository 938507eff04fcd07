"""Loading a session from a request and saving it into a response.

Two ways to keep a session:

* in a signed cookie (the default): the values travel with each request, signed under the app's
  ``secret_key`` (``secret_key_fallbacks`` still verify, and such a cookie is re-signed with the
  current key). Loading is synchronous, so ``request.session`` decodes the cookie on first use;
* in a ``SessionStore`` (Redis, the database...): the cookie holds a random 256-bit id. Loading
  needs I/O, so it happens before the handler (``preload``) or on ``await load_session(...)``.

Both expire a session after ``idle_timeout`` seconds without a save and ``max_age`` seconds after it
began, checked on the server from timestamps the client cannot change.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from ..cookies import Cookie, SameSite
from .errors import SessionNotLoaded, SessionTooLarge
from .session import Session

if TYPE_CHECKING:
    from ..app import Spruce
    from ..requests import HTTPConnection
    from ..responses import MutableHeaders
    from ..signing import Signer
    from .store import SessionStore

__all__ = ["MAX_COOKIE_SIZE", "SessionConfig", "SessionManager"]

DAY = 24 * 60 * 60
MAX_COOKIE_SIZE = 4093  # what every browser keeps for one Set-Cookie
SIGNING_SALT = "spruce.session"
T = TypeVar("T")
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """How session cookies are made and when sessions expire (see ``Sessions``)."""

    cookie_name: str | None = None
    domain: str | None = None
    path: str = "/"
    samesite: SameSite = "lax"
    secure: bool | None = None
    idle_timeout: int = 14 * DAY
    max_age: int = 30 * DAY
    preload: bool = True

    def name_for(self, secure: bool) -> str:
        """The cookie name: ``__Host-session`` on https when the cookie can carry the prefix
        (no domain, path ``/``), ``session`` otherwise, unless a name was chosen."""
        if self.cookie_name is not None:
            return self.cookie_name
        if secure and self.domain is None and self.path == "/":
            return "__Host-session"
        return "session"

    @property
    def refresh_after(self) -> float:
        """How old the last save may get before a request that reads the session saves it again
        (so that idle expiry counts from the last visit, to within a tenth of the timeout)."""
        return self.idle_timeout / 10


class SessionManager:
    """Reads sessions from requests and writes them into responses for one app."""

    def __init__(
        self,
        app: Spruce,
        store: SessionStore | None,
        config: SessionConfig,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.store = store
        self.config = config
        self.clock = clock
        self._signer: Signer | None = None

    @property
    def synchronous(self) -> bool:
        """True when sessions load without I/O (cookie sessions)."""
        return self.store is None

    @property
    def preloads(self) -> bool:
        """True when the middleware loads sessions before the handler runs."""
        return self.store is not None and self.config.preload

    @property
    def signer(self) -> Signer:
        """The signer of session cookies (made when first needed, after the app has started)."""
        if self._signer is None:
            from ..signing import signer_for

            self._signer = signer_for(self.app, SIGNING_SALT)
        return self._signer

    def is_secure(self, connection: HTTPConnection) -> bool:
        """Whether the session cookie gets the ``Secure`` flag for this request."""
        secure = self.config.secure
        return connection.is_secure if secure is None else secure

    def _fresh(self, stale_cookie: bool = False) -> Session:
        now = self.clock()
        return Session(created=now, last_active=now, new=True, stale_cookie=stale_cookie)

    def _expired(self, created: float, last_active: float) -> bool:
        now = self.clock()
        config = self.config
        return now - last_active > config.idle_timeout or now - created > config.max_age

    # -- loading --------------------------------------------------------------------------------
    def load_now(self, connection: HTTPConnection) -> Session:
        """The session, decoded now from a signed cookie. With a store, sessions load
        asynchronously: the middleware preloads those that came with a cookie, so here only a
        new session can be made; without ``preload``, raise ``SessionNotLoaded``."""
        raw = connection.cookies.get(self.config.name_for(self.is_secure(connection)))
        if self.store is not None:
            if raw is not None or not self.preloads:
                raise SessionNotLoaded()
            return self._fresh()
        if raw is None:
            return self._fresh()
        from ..signing import BadSignature

        try:
            signed = self.signer.unpack(raw)
        except BadSignature:
            return self._fresh(stale_cookie=True)
        session = self._from_payload(signed.value)
        if session is None:
            return self._fresh(stale_cookie=True)
        session.needs_refresh = signed.rotated
        return session

    def _from_payload(self, payload: Any, session_id: str | None = None) -> Session | None:
        if not isinstance(payload, dict):
            return None
        data, created, active = payload.get("d"), payload.get("c"), payload.get("a")
        if not (
            isinstance(data, dict)
            and isinstance(created, (int, float))
            and isinstance(active, (int, float))
        ):
            return None
        if self._expired(created, active):
            return None
        return Session(data, session_id=session_id, created=created, last_active=active)

    async def load(self, connection: HTTPConnection) -> Session:
        """The session of ``connection``, from the cookie or the store."""
        store = self.store
        if store is None:
            return self.load_now(connection)
        raw = connection.cookies.get(self.config.name_for(self.is_secure(connection)))
        if raw is None:
            return self._fresh()
        if not _SESSION_ID.fullmatch(raw):
            return self._fresh(stale_cookie=True)
        stored = await store.read(raw)
        session = None
        if stored is not None:
            try:
                session = self._from_payload(orjson.loads(stored), raw)
            except orjson.JSONDecodeError:
                session = None
            if session is None:  # corrupt or expired: the store may keep it a little longer
                await store.delete(raw)
        if session is None:
            return self._fresh(stale_cookie=True)
        return session

    # -- saving ---------------------------------------------------------------------------------
    async def save(
        self, session: Session, connection: HTTPConnection, headers: MutableHeaders
    ) -> None:
        """Add what the response needs for a session the request used: ``Vary: Cookie`` always,
        then, when the session changed, is due for a refresh or was emptied, a ``Set-Cookie``
        (and the store write or delete)."""
        headers.add_vary("Cookie")
        if not session:
            await self._forget(session, connection, headers)
            return
        now = self.clock()
        due = now - session.last_active >= self.config.refresh_after
        if not (session.modified or session.rotate or session.needs_refresh or due):
            return
        if session.rotate:
            session.created = now
        session.last_active = now
        remaining = self.config.max_age - (now - session.created)
        lifetime = max(1, int(min(self.config.idle_timeout, remaining)))
        record = {"d": session.data, "c": int(session.created), "a": int(now)}
        if self.store is None:
            value = _json_only(self.signer.dumps, record)
        else:
            value = await self._store_write(session, _json_only(orjson.dumps, record), lifetime)
        self._set_cookie(headers, connection, value, lifetime)
        session.modified = session.rotate = session.needs_refresh = False

    async def _store_write(self, session: Session, payload: bytes, lifetime: int) -> str:
        store = self.store
        assert store is not None
        previous = session.id
        session_id = secrets.token_urlsafe(32) if previous is None or session.rotate else previous
        await store.write(session_id, payload, lifetime)
        session.id = session_id
        if previous is not None and previous != session_id:
            await store.delete(previous)
        return session_id

    async def _forget(
        self, session: Session, connection: HTTPConnection, headers: MutableHeaders
    ) -> None:
        had_cookie = not session.new or session.stale_cookie
        if not (session.modified and had_cookie) and not session.stale_cookie:
            return
        if self.store is not None and session.id is not None:
            await self.store.delete(session.id)
            session.id = None
        self._set_cookie(headers, connection, "", 0)
        session.modified = session.rotate = False

    def _set_cookie(
        self, headers: MutableHeaders, connection: HTTPConnection, value: str, max_age: int
    ) -> None:
        config = self.config
        secure = self.is_secure(connection)
        cookie = Cookie(
            config.name_for(secure),
            value,
            max_age=max_age,
            expires=0 if max_age == 0 else None,
            path=config.path,
            domain=config.domain,
            secure=secure,
            httponly=True,
            samesite=config.samesite,
        )
        header = cookie.header_value(secure)
        if len(header) > MAX_COOKIE_SIZE:
            raise SessionTooLarge(len(header), MAX_COOKIE_SIZE)
        headers.append("set-cookie", header)
        headers.setdefault("cache-control", "private")


def _json_only(encode: Callable[[Any], T], record: dict[str, Any]) -> T:
    try:
        return encode(record)
    except TypeError as exc:
        raise TypeError(
            "session values must be JSON-serializable (str, int, float, bool, None, and lists "
            f"and dicts of them): {exc}"
        ) from None

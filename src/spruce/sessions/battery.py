"""``Sessions``: the battery that turns sessions on.

    from spruce import Spruce
    from spruce.sessions import Sessions

    app = Spruce(batteries=[Sessions()])          # signed-cookie sessions
    app = Spruce(batteries=[Sessions(RedisSessionStore("redis://..."))])  # server-side

Sessions are explicit rather than always on: an app without them pays nothing per request, the
production check for a strong ``secret_key`` runs at start-up instead of failing a request, and
batteries that need sessions (flash messages, CSRF, auth) say so with ``requires = ("sessions",)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, ClassVar

from ..cookies import Cookie, SameSite
from .manager import DAY, SessionConfig, SessionManager
from .middleware import SessionMiddleware, load_session
from .session import Session

if TYPE_CHECKING:
    from ..app import Spruce
    from .store import SessionStore

__all__ = ["Sessions"]


class Sessions:
    """Sessions for ``request.session``.

    ``store``: ``None`` keeps the session in a cookie signed with the app's ``secret_key``; a
    ``SessionStore`` (``RedisSessionStore``...) keeps it on the server under a random id.

    ``idle_timeout``: seconds without a visit after which a session ends (14 days).
    ``max_age``: seconds after which a session ends however active it is (30 days).
    ``cookie_name``: ``None`` picks ``__Host-session`` on https and ``session`` on http.
    ``domain``, ``path``, ``samesite`` (``"lax"``): the cookie's scope. ``secure``: ``None``
    adds ``Secure`` on https requests; ``True`` always.
    ``preload`` (stores only): load the session before the handler when the request has a cookie,
    so that ``request.session`` works everywhere; with ``False`` only handlers that ask for it
    (a ``Session`` parameter, ``await load_session(request)``) reach the store.
    ``clock``: seconds since the epoch, for tests that move time.
    """

    name: ClassVar[str] = "sessions"
    requires: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        store: SessionStore | None = None,
        *,
        idle_timeout: int = 14 * DAY,
        max_age: int = 30 * DAY,
        cookie_name: str | None = None,
        domain: str | None = None,
        path: str = "/",
        samesite: SameSite = "lax",
        secure: bool | None = None,
        preload: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if idle_timeout <= 0 or max_age <= 0:
            raise ValueError("idle_timeout and max_age must be positive numbers of seconds")
        if samesite == "none" and secure is False:
            raise ValueError("samesite='none' cookies must be Secure: leave secure=None or True")
        if cookie_name is not None:
            Cookie(cookie_name, domain=domain, path=path)  # validates the name and the prefix
        self.store = store
        self.clock = clock
        self.config = SessionConfig(
            cookie_name=cookie_name,
            domain=domain,
            path=path,
            samesite=samesite,
            secure=secure,
            idle_timeout=idle_timeout,
            max_age=max_age,
            preload=preload,
        )
        self.manager: SessionManager | None = None

    def install(self, app: Spruce) -> None:
        """Add the session middleware, the ``Session`` parameter type and the checks."""
        if self.store is None:
            app.use_secret_key("sessions")
        self.manager = SessionManager(app, self.store, self.config, self.clock)
        app.add_middleware(SessionMiddleware, manager=self.manager)
        app.add_provider(Session, load_session)
        close = getattr(self.store, "close", None)
        if close is not None:
            app.on_shutdown(close)
        app.add_check(self._deploy_problems, deploy=True)

    def _deploy_problems(self, app: Spruce) -> Iterator[str]:
        config = self.config
        if config.secure is False:
            yield "sessions: secure=False sends the session cookie over plain http too"
        if config.max_age > 90 * DAY:
            yield "sessions: max_age is over 90 days; long-lived sessions are worth stealing"

    def __repr__(self) -> str:
        kind = "cookie" if self.store is None else type(self.store).__name__
        return f"<Sessions {kind}>"

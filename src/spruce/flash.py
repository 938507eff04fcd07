"""Flash messages: a note for the next page the user sees ("Saved.", "Wrong password").

    from spruce.flash import flash

    @app.post("/posts")
    def create(request: Request, post: PostForm):
        ...
        flash(request, "Post published.", "success")
        return RedirectResponse(request.url_for("posts.index"), 303)

and in the layout template::

    {% for category, message in get_flashed_messages(with_categories=true) %}
      <p class="flash {{ category }}">{{ message }}</p>
    {% endfor %}

Messages are kept in the session (the sessions battery must be installed) and removed when they
are read. Reading with ``category_filter`` removes only the messages returned; the others wait for
the next read. Within one request, messages already read are returned again by later calls, so a
layout and a page can both ask.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .requests import HTTPConnection

__all__ = ["flash", "get_flashed_messages"]

SESSION_KEY = "_flashes"
_READ_KEY = "spruce.flashes_read"


def flash(request: HTTPConnection, message: str, category: str = "message") -> None:
    """Keep ``message`` (under ``category``: "message", "error", "success"...) for the next
    ``get_flashed_messages``."""
    session = request.session
    session[SESSION_KEY] = [*session.get(SESSION_KEY, ()), [category, message]]


def get_flashed_messages(
    request: HTTPConnection,
    with_categories: bool = False,
    category_filter: Sequence[str] = (),
) -> list[Any]:
    """The flashed messages, oldest first, removed from the session.

    ``with_categories=True`` gives ``(category, message)`` pairs. ``category_filter`` returns (and
    removes) only the messages of those categories."""
    wanted = set(category_filter)
    read: list[tuple[str, str]] = request.scope.setdefault(_READ_KEY, [])
    session = request.session
    pending = session.get(SESSION_KEY)
    if pending:
        taken = [(c, m) for c, m in pending if not wanted or c in wanted]
        kept = [[c, m] for c, m in pending if wanted and c not in wanted]
        if taken:
            read.extend(taken)
            if kept:
                session[SESSION_KEY] = kept
            else:
                del session[SESSION_KEY]
    chosen = [(c, m) for c, m in read if not wanted or c in wanted]
    if with_categories:
        return chosen
    return [m for _, m in chosen]

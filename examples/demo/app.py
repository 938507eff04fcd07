"""The Spruce demo: templates, a form, flash messages, a session counter and static files.

    bash scripts/demo.sh          # from the repository root: http://127.0.0.1:8000

or, in this folder, ``spruce run``. It needs no database and no settings: ``spruce run`` turns
debug mode on, and in debug mode the session cookie is signed with a temporary key (a warning says
so), which is why the counter starts again when the server restarts. Set SPRUCE_SECRET_KEY to keep
sessions across restarts.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass

import spruce
from spruce import RedirectResponse, Request, Spruce, render
from spruce.flash import flash
from spruce.forms import Form, field
from spruce.sessions import Sessions

app = Spruce(batteries=[Sessions()])
app.templates.add_global("spruce_version", spruce.__version__)


# -- the session counter ---------------------------------------------------------------------------
@app.get("/")
def home(request: Request):
    """The home page counts the visits of this browser in its session (a signed cookie)."""
    visits = request.session.get("visits", 0) + 1
    request.session["visits"] = visits
    return render("home.html", visits=visits)


@app.post("/counter/reset")
def reset_counter(request: Request):
    """Forget the count, say so with a flash message, and go back (POST, redirect, GET)."""
    request.session.pop("visits", None)
    flash(request, "The counter starts again.", "info")
    return RedirectResponse(request.url_for("home"), 303)


# -- the guestbook ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    """A message left in the guestbook."""

    name: str
    message: str
    written_at: dt.datetime


class EntryForm(Form):
    """The guestbook form (a pydantic model: the same class would read a JSON body)."""

    name: str = field(label="Your name", min_length=1, max_length=40, autocomplete="nickname")
    message: str = field(widget="textarea", min_length=1, max_length=280, attrs={"rows": 3})


# Kept in memory: the demo has no database (one server process, emptied when it restarts).
GUESTBOOK: deque[Entry] = deque(maxlen=50)


@app.route("/guestbook", methods=["GET", "POST"])
def guestbook(request: Request, form: EntryForm):
    """The guestbook: the form and the messages, newest first. A valid post is kept, thanked
    with a flash message and redirected (303: a reload does not post again); an invalid one
    shows the form again (status 422) with the user's input and an error next to each field."""
    if form.is_valid:
        GUESTBOOK.append(Entry(form.name, form.message, dt.datetime.now(dt.UTC)))
        flash(request, f"Thanks, {form.name}! Your message is in the guestbook.", "success")
        return RedirectResponse(request.url_for("guestbook"), 303)
    page = render("guestbook.html", form=form, entries=list(reversed(GUESTBOOK)))
    return page, 422 if form.is_bound else 200

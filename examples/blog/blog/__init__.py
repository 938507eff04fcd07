"""The Flask tutorial's blog ("flaskr"), built with Spruce.

``create_app()`` puts it together: the auth battery (register, log in, log out), the database
(users and posts, with migrations), signed-cookie sessions, and the security battery with a
strict Content-Security-Policy. Tests call ``create_app(BlogSettings(...))``.
"""

from __future__ import annotations

from spruce import Spruce
from spruce.auth import Auth
from spruce.db import Database
from spruce.security import Security
from spruce.sessions import Sessions

from . import views
from .settings import BlogSettings

__all__ = ["BlogSettings", "create_app"]

# Scripts, styles and images from this site only; no plug-ins, no framing, forms post here only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(settings: BlogSettings | None = None) -> Spruce:
    """A new blog; ``settings`` default to the environment (``SPRUCE_*``, ``DATABASE_URL``)."""
    app = Spruce(
        settings=settings or BlogSettings(),
        batteries=[
            Security(content_security_policy=CONTENT_SECURITY_POLICY),
            Sessions(),
            Database(models=["blog.models"]),
            Auth(),
        ],
    )
    app.include(views.router)
    return app

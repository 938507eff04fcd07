"""Test helpers for apps that send mail: the ``mail_outbox`` fixture and friends.

In your ``conftest.py``::

    pytest_plugins = ["spruce.mail.testing"]

Then a test asks for ``mail_outbox``: while it runs, the app's mailer keeps messages in that
list instead of sending them::

    def test_password_reset_sends_a_link(client, mail_outbox):
        client.post("/auth/reset", data={"email": "ann@example.com"})
        [message] = mail_outbox
        assert message.to == ["ann@example.com"]
        reset_link = links(message)[0]

The fixture uses the ``app`` fixture (Spruce's pytest plugin provides it, or your conftest).
Outside pytest, ``capture_mail(app)`` does the same in a ``with`` block.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .backends.memory import MemoryBackend, Outbox
from .mailer import Mailer, get_mailer

if TYPE_CHECKING:
    from .message import EmailMessage

__all__ = ["capture_mail", "links", "mail_outbox"]

_URL = re.compile(r"""https?://[^\s<>"']+""")


@contextlib.contextmanager
def capture_mail(app_or_mailer: Any) -> Iterator[Outbox]:
    """Keep the messages the app (or mailer) sends in the yielded list during the block."""
    mailer = app_or_mailer if isinstance(app_or_mailer, Mailer) else get_mailer(app_or_mailer)
    backend = MemoryBackend()
    with mailer.use_backend(backend):
        yield backend.outbox


@pytest.fixture
def mail_outbox(app: Any) -> Iterator[Outbox]:
    """The messages the ``app`` fixture's mailer sends during the test, oldest first."""
    with capture_mail(app) as outbox:
        yield outbox


def links(message: EmailMessage) -> list[str]:
    """The http(s) URLs in the message's text body, then those only in its HTML, in order.

    Trailing punctuation (a full stop after a link) is not part of the URL; ``&amp;`` in the
    HTML is read as ``&``.
    """
    import html

    found: dict[str, None] = {}
    for text in (message.body, html.unescape(message.html or "")):
        for match in _URL.finditer(text):
            found.setdefault(match.group().rstrip(".,;:!?)]"), None)
    return list(found)

"""Mail bodies from templates: a plain-text template and, optionally, an HTML one.

::

    content = render_mail("mail/welcome.txt", html="mail/welcome.html", user=user)
    await send_mail(app, "Welcome", content, to=[user.email])

Templates come from the app's template engine (``app.templates``), so the app's ``templates/``
folder and the batteries' packages are searched, and the app can override a battery's mail by
putting a file of the same name in its own folder. Autoescaping follows the file name: a
``.html`` template escapes the values it prints, a ``.txt`` template does not (it is not HTML).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..requests import current_request

if TYPE_CHECKING:
    from ..requests import HTTPConnection
    from ..templating import Templates

__all__ = ["RenderedMail", "render_mail", "render_mail_with"]


class RenderedMail(NamedTuple):
    """The rendered ``text`` body and the ``html`` alternative (``None`` without one).

    Pass it as the body of ``send_mail``: the HTML alternative comes along."""

    text: str
    html: str | None = None


def render_mail_with(
    templates: Templates,
    template: str,
    *,
    html: str | None = None,
    context: Mapping[str, Any] | None = None,
    request: HTTPConnection | None = None,
) -> RenderedMail:
    """Render ``template`` (and ``html``) with ``templates`` and ``context``.

    With a ``request``, the context processors run and templates see ``request``.
    """
    text = templates.render_to_string(template, context, request=request)
    rendered_html = (
        None if html is None else templates.render_to_string(html, context, request=request)
    )
    return RenderedMail(text, rendered_html)


def render_mail(template: str, *, html: str | None = None, **context: Any) -> RenderedMail:
    """Render a mail's text ``template`` (and ``html`` template) while handling a request.

    The app and the request are found from the request being handled, so links built with
    ``request.url_for(..., _external=True)`` point at the site the user is on. Outside a request
    (tasks, scripts), use ``mailer.render(...)``.
    """
    request = current_request()
    if request is None:
        raise RuntimeError(
            "render_mail() needs the request being handled and was called outside one; use "
            "get_mailer(app).render(...) in tasks and scripts"
        )
    return render_mail_with(
        request.app.templates, template, html=html, context=context, request=request
    )

"""Mail bodies from the app's templates: text and HTML, escaping by file type, links."""

from __future__ import annotations

import pytest

from spruce import ImproperlyConfigured, Settings, Spruce
from spruce.mail import Mail, Mailer, MemoryBackend, RenderedMail, render_mail
from spruce.mail.testing import links

TEXT = (
    "Hello {{ name }},\nreset your password: {{ url_for('reset', token=token, _external=True) }}\n"
)
HTML = "<p>Hello {{ name }},</p><a href=\"{{ url_for('reset', token=token, _external=True) }}\">Reset</a>"


@pytest.fixture
def app(tmp_path) -> Spruce:
    folder = tmp_path / "templates" / "mail"
    folder.mkdir(parents=True)
    (folder / "reset.txt").write_text(TEXT)
    (folder / "reset.html").write_text(HTML)
    app = Spruce(
        settings=Settings(server_name="shop.example.com"),
        batteries=[Mail("memory", default_from="shop@example.com")],
        root_path=str(tmp_path),
    )

    @app.get("/reset/{token}", name="reset")
    async def reset(token: str) -> str:
        return token

    return app


def test_mailer_render_outside_requests_escapes_html_only(app) -> None:
    rendered = app.extensions["mail"].render(
        "mail/reset.txt", html="mail/reset.html", name="<Ann & Bob>", token="t1"
    )
    assert isinstance(rendered, RenderedMail)
    assert rendered.text.startswith("Hello <Ann & Bob>,\n")  # plain text is not HTML-escaped
    assert "https://shop.example.com/reset/t1" in rendered.text
    assert "<p>Hello &lt;Ann &amp; Bob&gt;,</p>" in rendered.html
    assert 'href="https://shop.example.com/reset/t1"' in rendered.html


def test_render_without_html_has_no_alternative(app) -> None:
    rendered = app.extensions["mail"].render("mail/reset.txt", name="Ann", token="x")
    assert rendered.html is None


async def test_a_rendered_mail_is_a_body_with_its_alternative(app) -> None:
    mail = app.extensions["mail"]
    rendered = mail.render("mail/reset.txt", html="mail/reset.html", name="Ann", token="t2")
    message = await mail.send_mail("Reset", rendered, to=["ann@example.com"])
    assert message.body == rendered.text
    assert message.html == rendered.html
    assert links(message) == ["https://shop.example.com/reset/t2"]
    other = await mail.send_mail("Reset", rendered, to=["ann@example.com"], html="<p>own</p>")
    assert other.html == "<p>own</p>"


def test_render_mail_in_a_handler_builds_links_for_the_requested_site(app) -> None:
    @app.post("/forgot")
    async def forgot(mailer: Mailer) -> dict:
        content = render_mail("mail/reset.txt", html="mail/reset.html", name="Ann", token="t3")
        await mailer.send_mail("Reset", content, to=["ann@example.com"])
        return {"ok": True}

    with app.test_client(base_url="http://localhost:8000") as client:
        assert client.post("/forgot").json() == {"ok": True}
    [message] = app.extensions["mail"].backend.outbox
    assert links(message) == ["http://localhost:8000/reset/t3"]


def test_render_mail_outside_a_request_says_what_to_use(app) -> None:
    with pytest.raises(RuntimeError, match=r"get_mailer\(app\).render"):
        render_mail("mail/reset.txt", name="Ann", token="x")


def test_a_mailer_without_templates_cannot_render() -> None:
    with pytest.raises(ImproperlyConfigured, match="templates"):
        Mailer(MemoryBackend()).render("anything.txt")

"""The blog under attack. Each test makes the attack a hostile visitor (or a hostile page in the
victim's browser) would make, checks the answer is safe, and checks in the database, through a
connection of its own, that nothing changed that should not have."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from blog_support import PASSWORD, csrf, log_in, register, sign_up_and_in, write_post

from spruce.testing import TestClient

HTML = {"accept": "text/html"}

SCRIPT_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "javascript:alert(1)",
    "{{ 7 * 7 }}{% raw %}",
]
SQL_PAYLOADS = [
    "' OR '1'='1",
    "'; DROP TABLE post; --",
    "ann' --",
    '" OR ""="',
    "1; DELETE FROM auth_user",
    "Robert'); DROP TABLE auth_user;--",
    "\\'; SELECT pg_sleep(5); --",
]


class _Page(HTMLParser):
    """What a browser would make of a page: its elements, attributes and text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)

    def handle_data(self, data):
        self.text.append(data)


def assert_inert(markup: str, payload: str, *, shown: bool = True) -> None:
    """The payload is on the page as text (or a field's value), never as markup: no script,
    no event handler, no javascript: link, no template evaluated."""
    page = _Page(markup)
    assert not {"script", "svg", "iframe", "object", "embed"} & set(page.tags)
    assert "img" not in page.tags
    assert not [name for name, _ in page.attributes if name.startswith("on")]
    assert not [
        v
        for n, v in page.attributes
        if n in ("href", "src", "action") and v.strip().lower().startswith("javascript:")
    ]
    if shown:
        values = [v for _, v in page.attributes]
        assert any(payload in t for t in page.text) or payload in values


def no_server_error(response):
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text


def ann_with_a_post(client):
    sign_up_and_in(client, "ann")
    assert write_post(client, "Ann's post", "Ann's words").status_code == 303


# -- CSRF -------------------------------------------------------------------------------------------


def test_forms_posted_without_a_token_are_refused(client, rows):
    ann_with_a_post(client)
    before = rows.snapshot()
    attempts = [
        client.post("/create", data={"title": "forged", "body": "x"}),
        client.post("/1/update", data={"title": "forged", "body": "x"}),
        client.post("/1/delete"),
        client.post("/auth/logout"),
        client.post("/create", json={"title": "forged"}),  # JSON with the cookie: checked too
    ]
    for response in attempts:
        assert response.status_code == 403
    assert rows.snapshot() == before
    assert '<span id="current-user">ann</span>' in client.get("/").text  # still logged in


@pytest.mark.parametrize(
    "token",
    ["forged", "", "A" * 86, "x" * 5000, "%00", "<script>alert(1)</script>"],
)
def test_forged_tokens_are_refused(client, rows, token):
    ann_with_a_post(client)
    before = rows.snapshot()
    for path, data in (
        ("/create", {"title": "forged"}),
        ("/1/delete", {}),
        ("/1/update", {"title": "forged"}),
    ):
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403
        assert "<script>alert(1)</script>" not in response.text
    assert rows.snapshot() == before


def test_a_token_from_another_session_is_refused(client, other_client, rows):
    ann_with_a_post(client)
    sign_up_and_in(other_client, "mallory")
    mallorys_token = csrf(other_client.get("/create").text)
    before = rows.snapshot()
    assert client.post("/1/delete", data={"csrf_token": mallorys_token}).status_code == 403
    assert (
        client.post("/create", data={"title": "x", "csrf_token": mallorys_token}).status_code == 403
    )
    assert rows.snapshot() == before


def test_tokens_from_before_the_login_stop_working(client, rows):
    register(client, "ann")
    old_token = csrf(client.get("/auth/login").text)
    assert log_in(client, "ann").status_code == 303
    before = rows.snapshot()
    assert client.post("/create", data={"title": "x", "csrf_token": old_token}).status_code == 403
    assert rows.snapshot() == before


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.com"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"origin": "http://localhost.evil.com"},
    ],
)
def test_requests_from_other_sites_are_refused_even_with_a_token(client, rows, headers):
    ann_with_a_post(client)
    token = csrf(client.get("/create").text)
    before = rows.snapshot()
    attempts = [
        client.post("/create", data={"title": "x", "csrf_token": token}, headers=headers),
        client.post("/1/delete", data={"csrf_token": token}, headers=headers),
    ]
    assert [r.status_code for r in attempts] == [403, 403]
    assert rows.snapshot() == before


def test_login_csrf_and_registration_csrf(blog, rows):
    with TestClient(blog) as victim:
        register(victim, "ann")
        victim.cookies.clear()
        # a page on evil.com posts the attacker's credentials into the victim's browser
        login = victim.post(
            "/auth/login",
            data={"username": "ann", "password": PASSWORD},
            headers={"origin": "https://evil.com"},
        )
        signup = victim.post(
            "/auth/register",
            data={"username": "eve", "password": PASSWORD},
            headers={"sec-fetch-site": "cross-site"},
        )
        assert login.status_code == signup.status_code == 403
    assert rows.usernames() == ["ann"]


# -- script payloads ----------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", SCRIPT_PAYLOADS)
def test_script_payloads_in_posts_come_back_escaped(client, rows, payload):
    sign_up_and_in(client, "ann")
    assert write_post(client, payload, payload).status_code == 303
    assert rows.posts()[0][2:] == (payload, payload)  # stored as typed
    for page in (client.get("/"), client.get("/1/update")):
        assert page.status_code == 200
        assert_inert(page.text, payload)
        assert "script-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("payload", SCRIPT_PAYLOADS)
def test_script_payloads_in_the_auth_forms_come_back_escaped(client, rows, payload):
    for response in (register(client, payload, payload), log_in(client, payload, payload)):
        assert response.status_code == 400
        assert_inert(response.text, payload)  # the name is shown again, as a field's value
    page = client.get("/auth/login", params={"next": payload})
    assert_inert(page.text, payload)
    assert rows.usernames() == []


def test_passwords_are_never_sent_back(client):
    response = register(client, "ann", "hunter2-but-longer")  # accepted
    assert response.status_code == 303
    for response in (
        log_in(client, "ann", "my-secret-typo"),
        register(client, "x y", "another-secret-123"),
    ):
        assert "my-secret-typo" not in response.text
        assert "another-secret-123" not in response.text


# -- SQL metacharacters --------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", SQL_PAYLOADS)
def test_sql_metacharacters_are_just_text(client, rows, payload):
    sign_up_and_in(client, "ann")
    before = rows.snapshot()
    login = log_in(client, payload, payload)
    assert login.status_code == 400 and "Wrong user name or password." in login.text
    signup = register(client, payload, payload)
    assert signup.status_code == 400  # not a valid user name
    assert rows.snapshot() == before
    assert write_post(client, payload, payload).status_code == 303
    [post] = rows.posts()
    assert post[2:] == (payload, payload)
    assert rows.usernames() == ["ann"]
    assert_inert(client.get("/").text, payload)


def test_null_characters_are_refused_not_crashed_on(client, rows):
    sign_up_and_in(client, "ann")
    before = rows.snapshot()
    for title, body in (("nul\x00title", "body"), ("title", "nul\x00body")):
        response = write_post(client, title, body)
        assert response.status_code == 400 and "null character" in response.text.lower()
    for name, password in (("ann\x00", PASSWORD), ("ann", "pass\x00word"), ("\x00", "\x00")):
        assert log_in(client, name, password).status_code == 400
        assert register(client, name + "x", password).status_code == 400
    assert rows.snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/1 OR 1=1/update",
        "/1;DROP TABLE post/update",
        "/1'/update",
        "/-1/update",
        "/0x1/update",
        "/%31%20OR%201=1/update",
        "/1.0/update",
        "/ 1/update",
    ],
)
def test_sql_in_the_path_finds_nothing(client, rows, path):
    ann_with_a_post(client)
    before = rows.snapshot()
    response = client.get(path)
    assert response.status_code == 404
    assert rows.snapshot() == before


def test_user_names_with_quotes_cannot_log_in_as_someone_else(client, rows):
    register(client, "ann")
    for name in ("ann' --", "ann'/*", "' OR username='ann", "ANN", "ann\u0000", " ann"):
        response = log_in(client, name, "wrong password")
        assert response.status_code in (400, 429)
        assert "current-user" not in client.get("/").text


# -- hosts --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "evil.com",
        "localhost.evil.com",
        "evil.com:80",
        "localhost@evil.com",
        "[::1]",
        "localhost:80@evil.com",
        "local host",
        "127.0.0.2",
        "",
        "LOCALHOST.evil.com",
    ],
)
def test_foreign_host_headers_are_answered_400(client, rows, host):
    register(client, "ann")
    before = rows.snapshot()
    for response in (
        client.get("/", headers={"host": host}),
        client.post(
            "/auth/login", data={"username": "ann", "password": PASSWORD}, headers={"host": host}
        ),
        client.post(
            "/auth/register", data={"username": "eve", "password": PASSWORD}, headers={"host": host}
        ),
    ):
        assert response.status_code == 400
        assert "evil" not in response.headers.get("location", "")
    assert rows.snapshot() == before


def test_forwarded_hosts_are_ignored_without_a_trusted_proxy(client):
    response = client.get(
        "/create", headers={**HTML, "x-forwarded-host": "evil.com"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert "evil" not in response.headers["location"]


def test_the_allowed_hosts_are_served(client):
    for host in ("localhost", "127.0.0.1", "localhost:8000", "127.0.0.1:8000"):
        assert client.get("/", headers={"host": host}).status_code == 200


# -- open redirects -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com",
        "http://evil.com/path",
        "\\\\evil.com",
        "/\\evil.com",
        "\\/evil.com",
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "/%2F%2Fevil.com",
        "%2F%2Fevil.com",
        "/%5Cevil.com",
        "%252F%252Fevil.com",
        "///evil.com",
        "https:evil.com",
        " //evil.com",
        "/\t/evil.com",
        "http://localhost@evil.com/",
        "data:text/html,hi",
        "/%0d%0aLocation:%20https://evil.com",
    ],
)
def test_next_never_leads_off_the_site(client, target):
    register(client, "ann")
    response = log_in(client, "ann", next=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    page = client.get("/auth/logout")
    out = client.post(
        "/auth/logout",
        params={"next": target},
        data={"csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert out.headers["location"] == "/"


def test_next_within_the_site_is_followed(client):
    register(client, "ann")
    assert log_in(client, "ann", next="/create").headers["location"] == "/create"


# -- session fixation ---------------------------------------------------------------------------------------


def test_a_planted_session_cookie_is_worthless_after_login(client, other_client, rows):
    attacker, victim = client, other_client
    attacker.get("/auth/login")  # the attacker gets a session of their own...
    planted = attacker.cookies["session"]
    register(victim, "ann")
    victim.cookies.clear()
    victim.cookies.set("session", planted)  # ...and plants it in the victim's browser
    response = log_in(victim, "ann")
    assert response.status_code == 303
    issued = response.headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]
    assert issued and issued != planted  # the login made a new session
    victim.cookies.clear()
    victim.cookies.set("session", issued)
    assert write_post(victim, "victim's post").status_code == 303

    before = rows.snapshot()
    attacker.cookies.clear()
    attacker.cookies.set("session", planted)
    assert "current-user" not in attacker.get("/").text
    assert attacker.get("/create", headers=HTML, follow_redirects=False).status_code == 303
    token = csrf(attacker.get("/auth/login").text)
    refused = attacker.post(
        "/1/delete", data={"csrf_token": token}, headers=HTML, follow_redirects=False
    )
    assert refused.status_code == 303  # to the login page
    assert rows.snapshot() == before


def test_logout_empties_the_session(client):
    sign_up_and_in(client, "ann")
    page = client.get("/")
    response = client.post(
        "/auth/logout", data={"csrf_token": csrf(page.text)}, follow_redirects=False
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("session=;") or "Max-Age=0" in cookie or "session=" in cookie
    assert client.get("/create", headers=HTML, follow_redirects=False).status_code == 303


# -- other people's posts ------------------------------------------------------------------------------------


def test_other_peoples_posts_cannot_be_changed(client, other_client, rows):
    ann_with_a_post(client)
    sign_up_and_in(other_client, "mallory")
    token = csrf(other_client.get("/create").text)
    before = rows.snapshot()
    assert other_client.get("/1/update").status_code == 403
    assert (
        other_client.post(
            "/1/update", data={"title": "pwned", "body": "x", "csrf_token": token}
        ).status_code
        == 403
    )
    assert other_client.post("/1/delete", data={"csrf_token": token}).status_code == 403
    assert 'href="/1/update"' not in other_client.get("/").text
    assert rows.snapshot() == before


@pytest.mark.parametrize(
    "post_id", ["2", "999", "2147483648", "9223372036854775808", "99999999999999999999999999"]
)
def test_missing_and_absurd_post_ids_are_404(client, rows, post_id):
    ann_with_a_post(client)
    token = csrf(client.get("/create").text)
    before = rows.snapshot()
    assert client.get(f"/{post_id}/update").status_code == 404
    assert client.post(f"/{post_id}/delete", data={"csrf_token": token}).status_code == 404
    assert rows.snapshot() == before


def test_the_author_cannot_be_chosen_by_the_form(client, other_client, rows):
    sign_up_and_in(other_client, "bob")
    sign_up_and_in(client, "ann")
    ann_id, bob_id = (r[0] for r in rows.all("SELECT id FROM auth_user ORDER BY id"))
    token = csrf(client.get("/create").text)
    client.post(
        "/create", data={"title": "mine", "author_id": str(ann_id), "id": "77", "csrf_token": token}
    )
    [post] = rows.posts()
    assert post[1] == bob_id and post[0] != 77
    client.post(
        f"/{post[0]}/update",
        data={"title": "still mine", "author_id": str(ann_id), "csrf_token": token},
    )
    assert rows.posts()[0][1] == bob_id


# -- brute force -----------------------------------------------------------------------------------------------


def test_brute_force_on_login_is_throttled(client, rows):
    register(client, "ann")
    before = rows.snapshot()
    answers = [log_in(client, "ann", f"guess-{i}").status_code for i in range(5)]
    assert answers == [400] * 5
    refused = log_in(client, "ann")  # even the right password, now
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "current-user" not in client.get("/").text
    assert rows.snapshot() == before
    assert rows.all("SELECT last_login FROM auth_user") == [(None,)]


def test_brute_force_over_many_names_is_throttled_per_address(client):
    codes = [log_in(client, f"user{i}", "guess").status_code for i in range(31)]
    assert codes[:30] == [400] * 30 and codes[30] == 429


# -- oversized and malformed bodies ------------------------------------------------------------------------------


def test_oversized_bodies(client, rows):
    sign_up_and_in(client, "ann")
    token = csrf(client.get("/create").text)
    before = rows.snapshot()
    huge = client.post("/create", data={"title": "x", "body": "a" * 3_000_000, "csrf_token": token})
    assert huge.status_code == 413
    long_title = client.post("/create", data={"title": "t" * 201, "csrf_token": token})
    assert long_title.status_code == 400
    long_body = client.post(
        "/create", data={"title": "t", "body": "b" * 20_001, "csrf_token": token}
    )
    assert long_body.status_code == 400
    many = client.post(
        "/create",
        content="&".join(f"f{i}=1" for i in range(2000)) + f"&csrf_token={token}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert many.status_code in (400, 413)
    long_name = log_in(client, "n" * 100_000, "x")
    assert long_name.status_code in (400, 413)
    long_password = log_in(client, "ann", "p" * 5000)
    assert long_password.status_code == 400
    assert rows.snapshot() == before


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"title=\xff\xfe\xfd&body=\x00", "application/x-www-form-urlencoded"),
        (
            b'--xx\r\nContent-Disposition: form-data; name="title"\r\n\r\nhi',
            "multipart/form-data; boundary=xx",
        ),
        (b"garbage", "multipart/form-data"),
        (b'{"title": ', "application/json"),
        (b"[" * 1000, "application/json"),
        (b'{"title": "json"}', "text/plain"),
        (b"<post><title>x</title></post>", "application/xml"),
        (b"", ""),
    ],
)
def test_malformed_bodies_are_refused_cleanly(client, rows, content, content_type):
    sign_up_and_in(client, "ann")
    token = csrf(client.get("/create").text)
    before = rows.snapshot()
    headers = {"x-csrf-token": token}
    if content_type:
        headers["content-type"] = content_type
    for path in ("/create", "/auth/login", "/auth/register"):
        response = client.post(path, content=content, headers=headers)
        no_server_error(response)
        assert response.status_code in (400, 403, 413, 415, 422)
    assert rows.snapshot() == before


def test_wrong_methods(client, rows):
    ann_with_a_post(client)
    before = rows.snapshot()
    assert client.get("/1/delete").status_code == 405
    assert client.put("/1/update", data={}).status_code in (403, 405)
    assert client.delete("/1/update").status_code in (403, 405)
    assert rows.snapshot() == before


def test_error_pages_reveal_nothing(client):
    for response in (
        client.get("/nowhere", headers=HTML),
        client.get("/1/update", headers=HTML),
        client.post("/create", headers=HTML),
    ):
        assert "Traceback" not in response.text
        assert "sqlalchemy" not in response.text.lower()
        assert "SELECT" not in response.text
        assert re.search(r"blog-tests-b+", response.text) is None

"""CSRF protection, attacked the way a forger would: missing, forged, altered and replayed
tokens, other origins, JSON and text bodies with cookies, exemptions."""

from __future__ import annotations

import re

import pytest
from security_support import make_app

from spruce import Request, Response, Spruce, WebSocket
from spruce.exceptions import ImproperlyConfigured
from spruce.security import CSRFError, Security, csrf_exempt, get_token, rotate_token
from spruce.security.testing import csrf_token_from
from spruce.security.tokens import mask, new_secret, token_matches, unmask
from spruce.sessions import MemorySessionStore
from spruce.testing import WebSocketDenied


def browser(app: Spruce, **options):
    """A client that has loaded the form page: it holds the CSRF cookie (or session)."""
    client = app.test_client(**options)
    page = client.get("/form")
    assert page.status_code == 200
    return client, csrf_token_from(page.text)


def reason(response) -> str:
    return response.json()["reason"]


# -- tokens ---------------------------------------------------------------------------------------
def test_a_token_is_masked_afresh_each_time_and_unmasks_to_the_secret():
    secret = new_secret()
    first, second = mask(secret), mask(secret)
    assert first != second
    assert secret not in first and secret not in second
    assert token_matches(first, secret) and token_matches(second, secret)
    assert unmask(first) == unmask(second)


def test_a_token_made_from_another_secret_or_altered_does_not_match():
    secret, other = new_secret(), new_secret()
    token = mask(other)
    assert not token_matches(token, secret)
    flipped = ("A" if token[10] != "A" else "B").join((token[:10], token[11:]))
    assert not token_matches(flipped, other)


@pytest.mark.parametrize(
    "garbage", ["", "x", "a" * 85, "a" * 87, "!" * 86, "é" * 86, "b" * 43, "=" * 86]
)
def test_malformed_tokens_are_rejected_without_errors(garbage):
    assert unmask(garbage) is None or not token_matches(garbage, new_secret())


# -- what passes ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sessions", [False, True, MemorySessionStore()], ids=["cookie", "session", "store"]
)
def test_a_form_posted_with_its_token_passes(sessions):
    client, token = browser(make_app(sessions=sessions))
    response = client.post("/submit", data={"csrf_token": token})
    assert response.status_code == 200, response.text
    assert response.text == "POST ok"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_every_unsafe_method_is_checked(method):
    client, token = browser(make_app())
    assert client.request(method, "/submit").status_code == 403
    response = client.request(method, "/submit", headers={"X-CSRF-Token": token})
    assert response.status_code == 200
    assert response.text == f"{method} ok"


def test_the_token_may_come_in_the_header_for_scripts():
    client, token = browser(make_app())
    response = client.post("/json", json={"a": 1}, headers={"X-CSRF-Token": token})
    assert response.json() == {"received": {"a": 1}}


def test_tokens_of_earlier_pages_keep_working_in_the_same_session():
    client, first = browser(make_app(sessions=True))
    second = csrf_token_from(client.get("/form").text)
    assert first != second  # masked per response
    assert client.post("/submit", data={"csrf_token": first}).status_code == 200
    assert client.post("/submit", data={"csrf_token": second}).status_code == 200


def test_get_head_and_options_are_never_checked():
    client, _ = browser(make_app())
    assert client.get("/plain").status_code == 200
    assert client.head("/plain").status_code == 200
    assert client.options("/submit").status_code == 204


def test_a_request_without_cookies_needs_no_token():
    # nothing ambient for a forger to ride on: an API client, curl, a first visit
    client = make_app().test_client()
    assert client.post("/submit").status_code == 200
    assert client.post("/json", json={"x": 1}).json() == {"received": {"x": 1}}


def test_an_api_call_with_a_bearer_token_and_no_cookies_is_not_checked():
    client = make_app().test_client()
    response = client.post(
        "/json",
        json={"x": 1},
        headers={"Authorization": "Bearer abc", "Origin": "https://elsewhere.example"},
    )
    assert response.status_code == 200


# -- missing and forged tokens --------------------------------------------------------------------
def test_missing_token_with_cookies_is_refused():
    client, _ = browser(make_app())
    response = client.post("/submit", data={"title": "x"})
    assert response.status_code == 403
    assert reason(response) == "missing-token"


def test_forged_token_is_refused():
    client, _ = browser(make_app())
    response = client.post("/submit", data={"csrf_token": mask(new_secret())})
    assert response.status_code == 403
    assert reason(response) == "bad-token"


@pytest.mark.parametrize("forged", ["x", "0" * 86, "<script>", "a" * 5000])
def test_garbage_tokens_are_refused(forged):
    client, _ = browser(make_app())
    response = client.post("/submit", headers={"X-CSRF-Token": forged})
    assert response.status_code == 403
    assert reason(response) == "bad-token"


def test_the_unmasked_secret_itself_is_not_a_token():
    client, _ = browser(make_app())
    secret = client.cookies["csrftoken"]
    response = client.post("/submit", data={"csrf_token": secret})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "sessions", [False, True, MemorySessionStore()], ids=["cookie", "session", "store"]
)
def test_a_token_replayed_from_another_session_is_refused(sessions):
    app = make_app(sessions=sessions)
    _, attackers_token = browser(app)  # the attacker's own, valid session
    victim, _ = browser(app)
    response = victim.post("/submit", data={"csrf_token": attackers_token})
    assert response.status_code == 403
    assert reason(response) == "bad-token"


def test_cookies_without_a_secret_are_refused():
    # e.g. a form older than a cleared cookie, or a forged request with the session only
    client = make_app().test_client(cookies={"tracking": "1"})
    response = client.post("/submit", data={"csrf_token": mask(new_secret())})
    assert response.status_code == 403
    assert reason(response) == "no-secret"


def test_an_expired_session_loses_its_secret():
    app = make_app(sessions=True)
    client, token = browser(app)
    client.cookies.clear()
    client.cookies.set("session", "tampered")
    response = client.post("/submit", data={"csrf_token": token})
    assert response.status_code == 403
    assert reason(response) == "no-secret"


def test_json_with_cookies_needs_the_token_too():
    client, _ = browser(make_app())
    response = client.post("/json", json={"transfer": 100})
    assert response.status_code == 403


def test_json_sent_as_text_plain_with_cookies_is_refused():
    # a "simple" cross-site request (no preflight) carrying JSON, as in CVE-2021-32677
    client, _ = browser(make_app())
    response = client.post(
        "/json", content=b'{"transfer": 100}', headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 403


def test_the_token_in_a_json_body_is_not_accepted():
    client, token = browser(make_app())
    response = client.post("/json", json={"csrf_token": token})
    assert response.status_code == 403


def test_basic_auth_credentials_do_not_exempt_a_cross_site_request():
    # browsers replay Basic credentials by themselves
    client = make_app().test_client()
    response = client.post(
        "/submit",
        headers={"Authorization": "Basic dXNlcjpwdw==", "Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_a_bearer_token_does_not_exempt_a_request_that_carries_cookies():
    client, _ = browser(make_app())
    response = client.post("/submit", headers={"Authorization": "Bearer abc"})
    assert response.status_code == 403


# -- origins --------------------------------------------------------------------------------------
def test_cross_origin_post_with_a_valid_cookie_and_token_is_refused():
    client, token = browser(make_app())
    response = client.post(
        "/submit", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert reason(response) == "bad-origin"


def test_same_origin_post_passes():
    client, token = browser(make_app())
    response = client.post(
        "/submit", data={"csrf_token": token}, headers={"Origin": "http://localhost"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "origin",
    ["null", "http://localhost.evil.example", "https://localhost", "http://localhost:8000"],
)
def test_origins_that_are_not_exactly_this_site_are_refused(origin):
    client, token = browser(make_app())
    response = client.post("/submit", data={"csrf_token": token}, headers={"Origin": origin})
    assert response.status_code == 403


def test_a_cross_origin_post_without_cookies_is_refused_too():
    # login CSRF: the victim has no cookies yet
    client = make_app().test_client()
    response = client.post("/submit", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_sec_fetch_site_from_elsewhere_is_refused(site):
    client, token = browser(make_app())
    response = client.post("/submit", data={"csrf_token": token}, headers={"Sec-Fetch-Site": site})
    assert response.status_code == 403
    assert reason(response) == "bad-origin"


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_sec_fetch_site_from_here_passes(site):
    client, token = browser(make_app())
    response = client.post("/submit", data={"csrf_token": token}, headers={"Sec-Fetch-Site": site})
    assert response.status_code == 200


def test_trusted_origins_may_post_including_wildcard_subdomains():
    security = Security(
        csrf_trusted_origins=["https://app.example.com", "https://*.partner.example"]
    )
    client, token = browser(make_app(security=security))
    for origin in (
        "https://app.example.com",
        "https://a.partner.example",
        "https://b.c.partner.example",
    ):
        response = client.post("/submit", data={"csrf_token": token}, headers={"Origin": origin})
        assert response.status_code == 200, origin
    for origin in (
        "https://partner.example",
        "http://a.partner.example",
        "https://app.example.com.evil",
    ):
        response = client.post("/submit", data={"csrf_token": token}, headers={"Origin": origin})
        assert response.status_code == 403, origin


def test_on_https_a_foreign_referer_is_refused_when_there_is_no_origin():
    client, token = browser(make_app(), base_url="https://localhost")
    response = client.post(
        "/submit", data={"csrf_token": token}, headers={"Referer": "https://evil.example/page"}
    )
    assert response.status_code == 403
    same = client.post(
        "/submit", data={"csrf_token": token}, headers={"Referer": "https://localhost/form"}
    )
    assert same.status_code == 200


# -- exemptions and switches ----------------------------------------------------------------------
def test_routes_opt_out_with_the_decorator_or_the_route_option():
    app = make_app()

    @app.post("/hooks/payment")
    @csrf_exempt
    def payment_hook():
        return "paid"

    @app.post("/hooks/build", csrf_exempt=True)
    def build_hook():
        return "built"

    client, _ = browser(app)
    headers = {"Origin": "https://payments.example"}
    assert client.post("/hooks/payment", headers=headers).text == "paid"
    assert client.post("/hooks/build", headers=headers).text == "built"
    assert client.post("/submit", headers=headers).status_code == 403


def test_only_unsafe_methods_of_a_mixed_route_are_checked():
    app = make_app()

    @app.route("/both", methods=["GET", "POST"])
    def both(request: Request):
        return request.method

    client, token = browser(app)
    assert client.get("/both").text == "GET"
    assert client.post("/both").status_code == 403
    assert client.post("/both", data={"csrf_token": token}).text == "POST"


def test_the_check_runs_before_before_request_hooks():
    app = make_app()
    seen = []

    @app.before_request
    def remember(request: Request):
        seen.append(request.method)

    client, _ = browser(app)
    seen.clear()
    assert client.post("/submit").status_code == 403
    assert seen == []


def test_csrf_false_turns_the_check_off():
    client, _ = browser(make_app(security=Security(csrf=False)))
    assert client.post("/submit", headers={"Origin": "https://evil.example"}).status_code == 200


def test_unknown_routes_answer_404_not_403():
    client, _ = browser(make_app())
    assert client.post("/nowhere").status_code == 404


# -- rotation -------------------------------------------------------------------------------------
@pytest.mark.parametrize("sessions", [False, True], ids=["cookie", "session"])
def test_rotate_token_makes_older_tokens_worthless(sessions):
    app = make_app(sessions=sessions)

    @app.post("/login")
    def login(request: Request):
        rotate_token(request)
        return {"token": get_token(request)}

    client, old = browser(app)
    fresh = client.post("/login", data={"csrf_token": old}).json()["token"]
    assert client.post("/submit", data={"csrf_token": old}).status_code == 403
    assert client.post("/submit", data={"csrf_token": fresh}).status_code == 200


# -- where the secret lives -----------------------------------------------------------------------
def test_without_sessions_the_secret_is_an_httponly_lax_cookie():
    client = make_app().test_client()
    response = client.get("/form")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("csrftoken=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie
    assert "Cookie" in response.headers["vary"]
    assert response.headers["cache-control"] == "private"
    assert client.cookies["csrftoken"] not in response.text


def test_on_https_the_cookie_has_the_host_prefix_and_is_secure():
    client = make_app().test_client(base_url="https://localhost")
    response = client.get("/form")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-csrftoken=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    token = csrf_token_from(response.text)
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200


def test_a_cookie_planted_over_http_is_not_read_on_https():
    # the __Host- prefix: a plain-http page or a subdomain cannot set the https cookie
    app = make_app()
    http_client, token = browser(app)
    planted = http_client.cookies["csrftoken"]
    https_client = app.test_client(base_url="https://localhost", cookies={"csrftoken": planted})
    response = https_client.post("/submit", data={"csrf_token": token})
    assert response.status_code == 403
    assert reason(response) == "no-secret"


def test_with_sessions_the_secret_stays_in_the_session():
    client = make_app(sessions=True).test_client()
    response = client.get("/form")
    assert "csrftoken" not in response.headers.get("set-cookie", "")
    assert set(client.cookies) == {"session"}


def test_pages_without_a_token_set_no_cookie():
    client = make_app().test_client()
    response = client.get("/plain")
    assert "set-cookie" not in response.headers
    assert not client.cookies


def test_a_shared_response_object_never_carries_one_users_cookie_to_another():
    app = make_app()
    shared = Response("shared page")

    @app.get("/shared")
    def shared_page(request: Request):
        get_token(request)  # makes a secret and a Set-Cookie for this request only
        return shared

    first = app.test_client().get("/shared").headers["set-cookie"]
    second = app.test_client().get("/shared").headers["set-cookie"]
    assert first != second
    assert all(name != b"set-cookie" for name, _ in shared.raw_headers)


def test_get_token_needs_the_battery():
    app = Spruce(security=False)

    @app.get("/")
    def index(request: Request):
        return get_token(request)

    client = app.test_client(raise_server_exceptions=True)
    with pytest.raises(ImproperlyConfigured, match="security battery"):
        client.get("/")


# -- the 403 answer -------------------------------------------------------------------------------
def test_browsers_get_a_page_that_says_why_and_leaks_nothing():
    client, token = browser(make_app())
    secret = client.cookies["csrftoken"]
    response = client.post(
        "/submit",
        data={"csrf_token": mask(new_secret())},
        headers={"Accept": "text/html,application/xhtml+xml"},
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "not valid for this session" in response.text
    assert secret not in response.text and token not in response.text
    assert "Debug information" not in response.text
    assert response.headers["x-frame-options"] == "DENY"


def test_debug_pages_add_hints_but_no_secrets():
    client, token = browser(make_app(debug=True))
    response = client.post(
        "/submit",
        data={"csrf_token": token},
        headers={"Accept": "text/html", "Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "Debug information" in response.text
    assert "https://evil.example" in response.text
    assert "SPRUCE_CSRF_TRUSTED_ORIGINS" in response.text
    assert token not in response.text


def test_api_clients_get_json_with_a_reason_code():
    client, _ = browser(make_app())
    response = client.post("/submit", headers={"Accept": "application/json"})
    assert response.json() == {
        "detail": "The CSRF token is missing: forms need the hidden csrf_token field and scripts "
        "the X-CSRF-Token header.",
        "reason": "missing-token",
    }


def test_the_app_can_answer_csrf_failures_its_own_way():
    app = make_app()

    @app.errorhandler(CSRFError)
    def refused(request: Request, exc: CSRFError):
        return Response(f"refused: {exc.reason}", 403)

    client, _ = browser(app)
    assert client.post("/submit").text == "refused: missing-token"


def test_the_403_template_can_be_overridden(tmp_path):
    folder = tmp_path / "templates" / "spruce" / "security"
    folder.mkdir(parents=True)
    (folder / "403_csrf.html").write_text("Our own page: {{ reason }}")
    app = Spruce(root_path=str(tmp_path))

    @app.post("/")
    def index():
        return "ok"

    client = app.test_client(cookies={"a": "1"})
    response = client.post("/", headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert response.text == "Our own page: no-secret"


# -- templates ------------------------------------------------------------------------------------
def test_templates_get_csrf_input_and_csrf_token(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "form.html").write_text(
        '<form method="post">{{ csrf_input() }}</form>'
        '<meta name="csrf-token" content="{{ csrf_token }}"><i>{{ csrf_token() }}</i>'
    )
    (tmp_path / "templates" / "plain.html").write_text("no form here")
    app = Spruce(root_path=str(tmp_path))
    from spruce.templating import render

    @app.get("/form")
    def form():
        return render("form.html")

    @app.get("/plain")
    def plain():
        return render("plain.html")

    @app.post("/form")
    def submit():
        return "ok"

    client = app.test_client()
    assert "set-cookie" not in client.get("/plain").headers  # unused names cost nothing
    page = client.get("/form").text
    tokens = set(re.findall(r'value="([^"]+)"|content="([^"]+)"|<i>([^<]+)</i>', page))
    values = {v for group in tokens for v in group if v}
    assert len(values) == 1  # one token per response, wherever it is used
    assert '<input type="hidden" name="csrf_token" value="' in page
    assert client.post("/form", data={"csrf_token": csrf_token_from(page)}).text == "ok"


# -- WebSockets -----------------------------------------------------------------------------------
def test_websockets_from_another_origin_are_refused():
    app = make_app()

    @app.websocket("/ws")
    async def ws(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("hello")

    client, _ = browser(app)
    with client.websocket_connect("/ws", headers={"Origin": "http://localhost"}) as session:
        assert session.receive_text() == "hello"
    with pytest.raises(WebSocketDenied):
        client.websocket_connect("/ws", headers={"Origin": "https://evil.example"})


def test_pages_with_a_token_are_private_to_the_browser_unless_the_handler_says_otherwise():
    app = make_app(sessions=True)

    @app.get("/cached-form")
    def cached_form(request: Request):
        return Response(get_token(request), headers={"Cache-Control": "no-store"})

    client = app.test_client()
    first = client.get("/form")
    assert first.headers["cache-control"] == "private"
    assert first.headers["vary"] == "Cookie"
    again = client.get("/form")  # no new cookie now, still one browser's token
    assert again.headers["cache-control"] == "private"
    assert "Cookie" in again.headers["vary"]
    assert client.get("/cached-form").headers.get_list("cache-control") == ["no-store"]

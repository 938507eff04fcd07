"""The auth pages through the test client: login, logout, registration, password change,
sessions rotated and tied to the password, throttling, access control, templates."""

from __future__ import annotations

import re
import time

import pytest
from auth_support import make_app, run
from sqlalchemy import select

from spruce import Request, Spruce
from spruce.auth import get_auth, grant, login_required
from spruce.auth.models import User
from spruce.auth.testing import TEST_PASSWORD, create_test_user, csrf_token_from, login
from spruce.sessions import MemorySessionStore
from spruce.testing import TestClient

HTML = {"accept": "text/html"}


def post_login(client, username, password, next_url=None, **extra):
    page = client.get("/auth/login")
    data = {"username": username, "password": password, "csrf_token": csrf_token_from(page.text)}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/auth/login", data=data, follow_redirects=False, **extra)


def fetch_user(client, username):
    async def load():
        async with get_auth(client.app).database.session() as db:
            return (await db.execute(select(User).where(User.username == username))).scalar_one()

    return run(client, load)


# -- who is asking ----------------------------------------------------------------------------------


def test_nobody_is_logged_in_at_first(client):
    assert client.get("/").json() == {"authenticated": False, "username": ""}
    assert client.get("/page").text == "Hello stranger"


def test_pages_redirect_browsers_to_the_login_page_and_answer_others_401(client):
    response = client.get("/private?tab=2", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login?next=/private%3Ftab%3D2"

    response = client.get("/private", headers={"accept": "application/json"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"

    assert client.get("/private").status_code == 401  # no Accept: an API client
    assert client.get("/api/stats", headers=HTML).status_code == 401  # api=True: never redirected
    assert (
        client.get("/private", headers={**HTML, "authorization": "Bearer nope"}).status_code == 401
    )
    assert client.get("/sync-private", headers=HTML, follow_redirects=False).status_code == 303


def test_login_logs_in_and_follows_next(client, user):
    response = post_login(client, "ann", TEST_PASSWORD, next_url="/private")
    assert response.status_code == 303
    assert response.headers["location"] == "/private"
    assert client.get("/private").json() == {"username": "ann"}
    assert client.get("/sync-private").json() == {"username": "ann"}
    assert client.get("/page").text == "Hello ann"
    assert client.get("/api/stats").json() == {"ok": True}


def test_the_login_page_carries_next_into_its_form(client):
    page = client.get("/auth/login?next=/private")
    assert 'name="next" type="hidden" maxlength="2000" value="/private"' in page.text
    assert 'name="csrf_token"' in page.text


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com/",
        "\\\\evil.com",
        "/\\evil.com",
        "javascript:alert(1)",
        "/%2F%2Fevil.com",
        "http://localhost.evil.com/",
    ],
)
def test_next_never_leaves_the_site(client, user, target):
    response = post_login(client, "ann", TEST_PASSWORD, next_url=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_next_from_the_query_string_is_checked_too(client, user):
    page = client.get("/auth/login")
    response = client.post(
        "/auth/login?next=//evil.com",
        data={
            "username": "ann",
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


# -- failures say nothing about who exists --------------------------------------------------------------


def _error_of(response):
    match = re.search(r'<ul class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', response.text, re.S)
    return match.group(1) if match else None


def test_every_failed_login_gets_the_same_answer(client, user):
    create_test_user(client, "bob", is_active=False)
    wrong_password = post_login(client, "ann", "not the password")
    unknown_user = post_login(client, "nobody-here", "not the password")
    inactive = post_login(client, "bob", TEST_PASSWORD)
    empty = post_login(client, "ann", "")
    for response in (wrong_password, unknown_user, inactive):
        assert response.status_code == 400
        assert _error_of(response) == "Wrong user name or password."
    assert empty.status_code == 400
    assert "This field is required." in empty.text
    assert client.get("/").json()["authenticated"] is False


@pytest.mark.slow
def test_an_unknown_name_takes_as_long_as_a_wrong_password(sqlite_url):
    app = make_app(
        sqlite_url,
        argon2_memory_kib=19456,
        argon2_time_cost=2,
        login_failures_per_account="100 per minute",
        login_failures_per_address="100 per minute",
    )
    with TestClient(app) as client:
        create_test_user(client, "ann")
        token = csrf_token_from(client.get("/auth/login").text)

        def attempt(name):
            started = time.perf_counter()
            client.post(
                "/auth/login",
                data={"username": name, "password": "wrong password", "csrf_token": token},
            )
            return time.perf_counter() - started

        attempt("ann"), attempt("nobody")  # warm up (the dummy hash is made on first use)
        known, unknown = [], []
        for i in range(7):  # in turns, so load on the machine falls on both alike
            known.append(attempt("ann"))
            unknown.append(attempt(f"nobody{i}"))
    assert 0.6 < min(unknown) / min(known) < 1.6, (known, unknown)


# -- throttling ---------------------------------------------------------------------------------------


def test_failed_logins_are_throttled_per_account_even_with_the_right_password(client, user):
    for _ in range(5):
        assert post_login(client, "ann", "wrong password").status_code == 400
    refused = post_login(client, "ann", TEST_PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many attempts" in refused.text
    assert client.get("/").json()["authenticated"] is False
    # another account is not affected
    create_test_user(client, "bob")
    assert post_login(client, "bob", TEST_PASSWORD).status_code == 303


def test_unknown_accounts_are_throttled_the_same_way(client):
    answers = [post_login(client, "ghost", "wrong password").status_code for _ in range(6)]
    assert answers == [400] * 5 + [429]


def test_failed_logins_are_throttled_per_address(sqlite_url):
    app = make_app(sqlite_url, login_failures_per_address="3 per minute")
    with TestClient(app) as client:
        create_test_user(client, "ann")
        for name in ("a1", "a2", "a3"):
            assert post_login(client, name, "wrong").status_code == 400
        assert post_login(client, "ann", TEST_PASSWORD).status_code == 429
    with TestClient(app, client_address=("10.0.0.9", 4000)) as other:
        assert post_login(other, "ann", TEST_PASSWORD).status_code == 303


def test_a_successful_login_clears_the_accounts_failures(client, user):
    for _ in range(4):
        post_login(client, "ann", "wrong")
    assert post_login(client, "ann", TEST_PASSWORD).status_code == 303
    client.cookies.clear()
    for _ in range(4):
        assert post_login(client, "ann", "wrong").status_code == 400
    assert post_login(client, "ann", TEST_PASSWORD).status_code == 303


# -- sessions ---------------------------------------------------------------------------------------------


def test_login_rotates_the_session_and_the_csrf_secret(sqlite_url):
    store = MemorySessionStore()
    app = make_app(sqlite_url, store=store)
    with TestClient(app) as client:
        create_test_user(client, "ann")
        page = client.get("/auth/login")
        planted = client.cookies["session"]  # the id a fixation attack would plant
        old_token = csrf_token_from(page.text)
        response = client.post(
            "/auth/login",
            data={"username": "ann", "password": TEST_PASSWORD, "csrf_token": old_token},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert client.cookies["session"] != planted
        assert client.get("/").json()["authenticated"] is True
        # the planted id is dead: whoever holds it is nobody
        with TestClient(app) as attacker:
            attacker.cookies.set("session", planted)
            assert attacker.get("/").json()["authenticated"] is False
        # tokens from before the login no longer work
        stale = client.post("/auth/logout", data={"csrf_token": old_token})
        assert stale.status_code == 403
        assert client.get("/").json()["authenticated"] is True


def test_with_cookie_sessions_the_pre_login_cookie_stays_anonymous(client, user):
    client.get("/auth/login")
    before = client.cookies["session"]
    login(client, user)
    assert client.cookies["session"] != before
    with TestClient(client.app) as attacker:
        attacker.cookies.set("session", before)
        assert attacker.get("/").json()["authenticated"] is False


def test_logout_needs_a_post_and_empties_the_session(client, user):
    login(client, user)
    page = client.get("/auth/logout")
    assert "You are logged in as ann." in page.text
    assert client.get("/").json()["authenticated"] is True  # GET did not log out
    response = client.post(
        "/auth/logout", data={"csrf_token": csrf_token_from(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert client.get("/").json()["authenticated"] is False
    assert client.get("/private", headers=HTML, follow_redirects=False).status_code == 303


def test_logout_without_a_csrf_token_is_refused(client, user):
    login(client, user)
    assert client.post("/auth/logout").status_code == 403
    assert client.get("/").json()["authenticated"] is True


def test_logout_revokes_the_session_on_the_server_with_a_store(sqlite_url):
    store = MemorySessionStore()
    app = make_app(sqlite_url, store=store)
    with TestClient(app) as client:
        user = create_test_user(client, "ann")
        login(client, user)
        stolen = client.cookies["session"]
        page = client.get("/auth/logout")
        client.post("/auth/logout", data={"csrf_token": csrf_token_from(page.text)})
        with TestClient(app) as thief:
            thief.cookies.set("session", stolen)
            assert thief.get("/").json()["authenticated"] is False


def test_a_deactivated_user_is_logged_out(client, user):
    login(client, user)

    async def deactivate():
        async with get_auth(client.app).database.session() as db:
            stored = await db.get(User, user.id)
            stored.is_active = False

    run(client, deactivate)
    assert client.get("/").json()["authenticated"] is False


def test_a_tampered_session_user_id_is_nobody(client, user):
    login(client, user)
    tampered = client.cookies["session"][:-3] + "abc"
    client.cookies.clear()
    client.cookies.set("session", tampered)
    assert client.get("/").json()["authenticated"] is False


# -- password change ------------------------------------------------------------------------------------


def change_password(client, old, new, confirm=None):
    page = client.get("/auth/password/change")
    return client.post(
        "/auth/password/change",
        data={
            "old_password": old,
            "new_password": new,
            "confirm_password": confirm or new,
            "csrf_token": csrf_token_from(page.text),
        },
        follow_redirects=False,
    )


def test_changing_the_password(client, user):
    assert (
        client.get("/auth/password/change", headers=HTML, follow_redirects=False).status_code == 303
    )
    login(client, user)
    with TestClient(client.app) as laptop:
        login(laptop, user)
        before = client.cookies["session"]
        assert change_password(client, "wrong", "new long passphrase").status_code == 400
        assert change_password(client, TEST_PASSWORD, "12345678").status_code == 400
        weak = change_password(client, TEST_PASSWORD, "password1")
        assert "This password is too common." in weak.text
        mismatch = change_password(client, TEST_PASSWORD, "new long passphrase", "other one")
        assert "The two passwords do not match." in mismatch.text
        done = change_password(client, TEST_PASSWORD, "new long passphrase")
        assert done.status_code == 303
        assert client.cookies["session"] != before  # a new session id
        assert client.get("/").json()["authenticated"] is True  # this browser stays in
        assert laptop.get("/").json()["authenticated"] is False  # the other one is out
    client.cookies.clear()
    assert post_login(client, "ann", TEST_PASSWORD).status_code == 400
    assert post_login(client, "ann", "new long passphrase").status_code == 303


# -- registration ------------------------------------------------------------------------------------------


def register(client, username, password):
    page = client.get("/auth/register")
    return client.post(
        "/auth/register",
        data={"username": username, "password": password, "csrf_token": csrf_token_from(page.text)},
        follow_redirects=False,
    )


def test_registration_creates_an_account_with_an_argon2id_hash(client):
    response = register(client, "ann", "correct horse battery staple")
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login"
    assert "Your account was created." in client.get("/auth/login").text
    stored = fetch_user(client, "ann")
    assert stored.password.startswith("$argon2id$")
    assert "correct horse" not in stored.password
    assert post_login(client, "ann", "correct horse battery staple").status_code == 303


def test_registration_refuses_taken_names_bad_names_and_weak_passwords(client, user):
    taken = register(client, "ANN", "correct horse battery staple")
    assert taken.status_code == 400 and "This user name is taken." in taken.text
    assert "Use only letters, digits" in register(client, "ann smith", "correct horse battery").text
    weak = register(client, "bob", "bob12345")
    assert weak.status_code == 400
    assert "too similar to the user name" in weak.text or "too common" in weak.text
    assert "This password is too short" in register(client, "bob", "x7!").text


def test_registration_is_throttled_per_address(sqlite_url):
    app = make_app(sqlite_url, registrations_per_address="2 per hour")
    with TestClient(app) as client:
        assert register(client, "a1", "correct horse battery 1").status_code == 303
        assert register(client, "a2", "correct horse battery 2").status_code == 303
        refused = register(client, "a3", "correct horse battery 3")
        assert refused.status_code == 429 and "retry-after" in refused.headers


def test_registration_can_be_turned_off(sqlite_url):
    with TestClient(make_app(sqlite_url, registration=False)) as client:
        assert client.get("/auth/register").status_code == 404
        assert client.post("/auth/api/register", json={}).status_code in (404, 405)
        assert "Create an account" not in client.get("/auth/login").text


# -- permissions -------------------------------------------------------------------------------------------


def test_permission_required(client, user):
    assert client.get("/edit", headers=HTML, follow_redirects=False).status_code == 303
    login(client, user)
    assert client.get("/edit").status_code == 403
    assert client.get("/edit", headers=HTML).status_code == 403

    async def give():
        async with get_auth(client.app).database.session() as db:
            await grant(db, user, "blog.change_post")

    run(client, give)
    assert client.get("/edit").json() == {"can": True}


def test_superusers_hold_every_permission(client, superuser):
    login(client, superuser)
    assert client.get("/edit").json() == {"can": True}


def test_a_marked_handler_refuses_to_run_without_the_battery():
    app = Spruce(security=False)

    @app.get("/secret")
    @login_required
    async def secret(request: Request) -> str:
        return "secret"

    response = app.test_client().get("/secret")
    assert response.status_code == 500
    assert "secret" not in response.text


# -- rehashing ---------------------------------------------------------------------------------------------


def test_a_login_rehashes_passwords_made_with_older_parameters(sqlite_url):
    weak = make_app(sqlite_url, argon2_memory_kib=1024, argon2_time_cost=1)
    with TestClient(weak) as client:
        create_test_user(client, "ann")
        assert "m=1024,t=1" in fetch_user(client, "ann").password
    strong = make_app(sqlite_url, argon2_memory_kib=2048, argon2_time_cost=2)
    with TestClient(strong) as client:
        user = fetch_user(client, "ann")
        login(client, user)
        assert "m=2048,t=2" in fetch_user(client, "ann").password
        client.cookies.clear()
        assert post_login(client, "ann", TEST_PASSWORD).status_code == 303


def test_basic_credentials_of_a_protected_staging_site_do_not_hide_the_session(client, user):
    login(client, user)
    staging = {"authorization": "Basic c3RhZ2luZzpzZWNyZXQ=", **HTML}
    assert client.get("/", headers=staging).json()["username"] == "ann"
    client.cookies.clear()
    response = client.get("/private", headers=staging, follow_redirects=False)
    assert response.status_code == 303  # still a browser page: to the login page

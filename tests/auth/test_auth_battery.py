"""The battery: requirements, settings (arguments and SPRUCE_AUTH_*), models, checks, routes,
import cost."""

from __future__ import annotations

import subprocess
import sys

import pytest
from auth_support import SECRET, make_app

from spruce import Settings, Spruce
from spruce.auth import Auth, get_auth
from spruce.auth.checks import check_configuration, check_deploy
from spruce.auth.settings import load_config
from spruce.db import Database
from spruce.exceptions import ImproperlyConfigured
from spruce.sessions import Sessions
from spruce.testing import TestClient


def test_the_battery_needs_sessions_and_a_database():
    with pytest.raises(ImproperlyConfigured, match="'sessions' is not installed"):
        Spruce(batteries=[Database("sqlite://"), Auth()])
    with pytest.raises(ImproperlyConfigured, match="'db' is not installed"):
        Spruce(batteries=[Sessions(), Auth()])


def test_settings_from_arguments_and_the_environment(monkeypatch):
    monkeypatch.setenv("SPRUCE_AUTH_PREFIX", "/account")
    monkeypatch.setenv("SPRUCE_AUTH_PASSWORD_MIN_LENGTH", "12")
    monkeypatch.setenv("SPRUCE_AUTH_REGISTRATION", "false")
    config = load_config({"password_min_length": 10})
    assert config.prefix == "/account"
    assert config.password_min_length == 10  # arguments win
    assert config.registration is False
    assert config.argon2_memory_kib == 19456 and config.argon2_time_cost == 2


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"color": "blue"}, "unknown settings: color"),
        ({"prefix": "auth"}, "prefix='auth'"),
        ({"prefix": "/auth/"}, "prefix='/auth/'"),
        ({"password_min_length": 0}, "password_min_length"),
        ({"password_max_length": 10_000}, "over 4096"),
        ({"argon2_time_cost": 0}, "positive"),
        ({"reset_timeout": 5}, "at least 60"),
        ({"login_redirect": "//evil.com"}, "a path on this site"),
        ({"logout_redirect": "https://evil.com"}, "a path on this site"),
    ],
)
def test_settings_that_cannot_work_are_refused(settings, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        Auth(**settings)


def test_a_token_model_needs_a_user_model_and_the_api_needs_a_token_model():
    with pytest.raises(ImproperlyConfigured, match="needs user_model= too"):
        Spruce(batteries=[Sessions(), Database("sqlite://"), Auth(token_model="x:y")])
    with pytest.raises(ImproperlyConfigured, match="needs token_model= too"):
        Spruce(
            batteries=[
                Sessions(),
                Database("sqlite://"),
                Auth(user_model="spruce.auth.models:User"),
            ]
        )
    with pytest.raises(ImproperlyConfigured, match="cannot be imported"):
        Spruce(
            batteries=[
                Sessions(),
                Database("sqlite://"),
                Auth(user_model="nowhere.models:User", api_prefix=""),
            ]
        )


def test_routes_and_their_names(sqlite_url):
    app = make_app(sqlite_url)
    names = {route.name: route.full_path for route in app.mounted_routes()}
    assert names["auth.login"] == "/auth/login"
    assert names["auth.logout"] == "/auth/logout"
    assert names["auth.register"] == "/auth/register"
    assert names["auth.password_change"] == "/auth/password/change"
    assert names["auth.password_reset_confirm"] == "/auth/password/reset/{token}"
    assert names["auth_api.login"] == "/auth/api/login"
    assert names["auth_api.me"] == "/auth/api/me"


def test_another_prefix_and_no_api(sqlite_url):
    app = make_app(sqlite_url, prefix="/account", api_prefix="")
    paths = {route.full_path for route in app.mounted_routes()}
    assert "/account/login" in paths and not any(p.startswith("/auth") for p in paths)
    with TestClient(app) as client:
        response = client.get("/private", headers={"accept": "text/html"}, follow_redirects=False)
        assert response.headers["location"] == "/account/login?next=/private"


def test_the_login_page_can_be_given_the_sites_look(sqlite_url, tmp_path):
    folder = tmp_path / "templates" / "spruce" / "auth"
    folder.mkdir(parents=True)
    (folder / "layout.html").write_text(
        "<div id=site>{% block title %}{% endblock %}|{% block content %}{% endblock %}</div>"
    )
    app = make_app(sqlite_url)
    app.templates.add_folder(tmp_path / "templates")
    with TestClient(app) as client:
        page = client.get("/auth/login").text
    assert page.startswith("<div id=site>Log in|") and 'name="csrf_token"' in page


def test_checks(sqlite_url):
    app = make_app(sqlite_url)
    assert list(check_configuration(app)) == []
    problems = list(check_deploy(app))
    assert any("weaker than OWASP's minimum" in p for p in problems)
    strong = make_app(sqlite_url, argon2_memory_kib=19456, argon2_time_cost=2)
    assert list(check_deploy(strong)) == []
    loose = make_app(
        sqlite_url, argon2_memory_kib=19456, argon2_time_cost=2, settings={"allowed_hosts": ["*"]}
    )
    assert any("SPRUCE_SERVER_NAME" in p for p in check_deploy(loose))
    broken = make_app(sqlite_url, login_failures_per_account="often")
    assert any("login_failures_per_account" in p for p in check_configuration(broken))


def test_get_auth_says_how_to_install_it():
    with pytest.raises(ImproperlyConfigured, match="Auth\\(\\)"):
        get_auth(Spruce(security=False))


def test_request_user_without_the_battery_says_so():
    app = Spruce(settings=Settings(secret_key=SECRET))

    @app.get("/")
    def home(request):
        try:
            return {"user": request.user}
        except AttributeError as exc:
            return {"error": str(exc)}

    assert "needs the auth battery" in app.test_client().get("/").json()["error"]


def test_importing_spruce_auth_is_light_and_the_core_does_not_import_it():
    code = (
        "import sys, spruce; assert 'spruce.auth' not in sys.modules; "
        "from spruce.auth import login_required, permission_required; "
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy'; "
        "assert 'argon2' not in sys.modules, 'argon2'; "
        "from spruce.auth import Auth; assert 'argon2' not in sys.modules, 'argon2 at import'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_the_repr_never_shows_the_password_hash(client, user):
    assert repr(user) == "<User id=1 username='ann'>"
    assert "argon2" not in repr(user)

"""Settings: arguments over SPRUCE_* variables over defaults; values that cannot work are
refused at startup with a fix; nothing heavy is imported for an app that changes nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from spruce import Spruce
from spruce.exceptions import ImproperlyConfigured
from spruce.security import Security, SecurityConfig
from spruce.security.settings import load_config


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    import os

    for name in list(os.environ):
        if name.startswith("SPRUCE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults():
    config = load_config({})
    assert config == SecurityConfig()
    assert config.csrf and not config.https and not config.redirects_to_https
    assert config.hsts_max_age == 0
    assert config.frame_options == "DENY"


def test_https_turns_on_the_redirect_and_a_year_of_hsts():
    config = load_config({"https": True})
    assert config.redirects_to_https
    assert config.hsts_max_age == 365 * 24 * 3600
    assert load_config({"https": True, "https_redirect": False}).redirects_to_https is False


def test_the_environment_is_read(monkeypatch):
    monkeypatch.setenv("SPRUCE_HTTPS", "1")
    monkeypatch.setenv("SPRUCE_CSRF_TRUSTED_ORIGINS", '["https://app.example.com"]')
    monkeypatch.setenv("SPRUCE_CORS_ORIGINS", '["https://app.example.com"]')
    monkeypatch.setenv("SPRUCE_RATE_LIMIT_STORAGE", "redis://cache:6379/1")
    monkeypatch.setenv("SPRUCE_FRAME_OPTIONS", "")
    config = load_config({})
    assert config.https
    assert config.csrf_trusted_origins == ("https://app.example.com",)
    assert config.cors_origins == ("https://app.example.com",)
    assert config.rate_limit_storage == "redis://cache:6379/1"
    assert config.frame_options is None  # "" turns the header off


@pytest.mark.parametrize("word", ["false", "off", "None", "0", ""])
def test_header_settings_are_turned_off_by_the_environment(monkeypatch, word):
    for name in ("FRAME_OPTIONS", "REFERRER_POLICY", "CROSS_ORIGIN_OPENER_POLICY"):
        monkeypatch.setenv(f"SPRUCE_{name}", word)
    config = load_config({})
    assert config.frame_options is None
    assert config.referrer_policy is None
    assert config.cross_origin_opener_policy is None


def test_a_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("SPRUCE_HSTS_SECONDS=60\nSPRUCE_HTTPS=true\n")
    config = load_config({})
    assert config.hsts_max_age == 60


def test_arguments_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("SPRUCE_HTTPS", "1")
    monkeypatch.setenv("SPRUCE_CSRF", "0")
    config = load_config({"https": False, "csrf": None})
    assert config.https is False
    assert config.csrf is False  # None means "not given here"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"frame_options": "ALLOW-FROM x"}, "frame_options"),
        ({"referrer_policy": "sometimes"}, "Referrer-Policy"),
        ({"cross_origin_opener_policy": "open"}, "cross_origin_opener_policy"),
        ({"rate_limit_strategy": "leaky-bucket"}, "rate_limit_strategy"),
        ({"hsts_seconds": -1}, "hsts_seconds"),
        ({"csrf_trusted_origins": ["example.com"]}, "'https://example.com'"),
        ({"csrf_trusted_origins": ["*"]}, "is not an origin"),
        ({"cors_origins": ["*"], "cors_credentials": True}, "every web site"),
        ({"cors_max_age": -5}, "cors_max_age"),
        ({"nonsense": 1}, "unknown settings"),
    ],
)
def test_values_that_cannot_work_are_refused(arguments, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        load_config(arguments)


def test_bad_settings_stop_the_app_at_startup():
    app = Spruce(batteries=[Security(referrer_policy="sometimes")])

    @app.post("/")
    def index():
        return "x"

    with pytest.raises(ImproperlyConfigured):
        app.freeze()


def test_comma_separated_lists_are_accepted_in_arguments_too():
    config = load_config({"cors_methods": "get, post", "cors_headers": ["X-One"]})
    assert config.cors_methods == ("GET", "POST")
    assert config.cors_headers == ("x-one",)


def test_every_app_has_the_battery_unless_told_otherwise():
    assert "security" in Spruce().batteries
    assert "security" not in Spruce(security=False).batteries
    mine = Security(https=True)
    app = Spruce(batteries=[mine])
    assert app.batteries["security"] is mine  # the app's own, not a second one
    assert repr(mine) == "Security(https=True)"


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_a_hello_world_imports_nothing_heavy():
    code = (
        "import sys\n"
        "import spruce\n"
        "assert 'spruce.security' not in sys.modules\n"
        "app = spruce.Spruce()\n"
        "@app.get('/')\n"
        "def index(): return 'hi'\n"
        "app.freeze()\n"
        "heavy = [m for m in ('jinja2', 'limits', 'pydantic', 'pydantic_settings', 'redis') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    assert run_python(code) == "[]"

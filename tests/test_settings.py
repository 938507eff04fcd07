"""Settings: environment and .env, secrets never printed, the secret-key rule, lazy loading."""

from __future__ import annotations

import subprocess
import sys

import pytest

from spruce import Settings, Spruce
from spruce.config import DEFAULTS
from spruce.exceptions import ImproperlyConfigured

STRONG = "k" * 40


def test_environment_and_prefix(monkeypatch):
    monkeypatch.setenv("SPRUCE_DEBUG", "true")
    monkeypatch.setenv("SPRUCE_ALLOWED_HOSTS", '["example.com"]')
    monkeypatch.setenv("SPRUCE_MAX_BODY_SIZE", "1000")
    settings = Settings()
    assert settings.debug is True
    assert settings.allowed_hosts == ["example.com"]
    app = Spruce(settings=settings)
    assert app.config.max_body_size == 1000
    assert app.debug is True


def test_an_empty_debug_variable_means_off(monkeypatch):
    monkeypatch.setenv("SPRUCE_DEBUG", "")
    assert Settings().debug is False
    monkeypatch.setenv("SPRUCE_DEBUG", "1")
    assert Settings().debug is True


def test_dotenv_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"SPRUCE_SECRET_KEY={STRONG}\nSPRUCE_DEBUG=0\n")
    app = Spruce()
    assert app.config.secret_key == STRONG


def test_secrets_are_never_printed(monkeypatch):
    monkeypatch.setenv("SPRUCE_SECRET_KEY", STRONG)
    settings = Settings()
    assert STRONG not in repr(settings) and STRONG not in str(settings)
    assert STRONG not in settings.model_dump_json()


def test_custom_settings_subclass(monkeypatch):
    class AppSettings(Settings):
        greeting: str = "hi"

    monkeypatch.setenv("SPRUCE_GREETING", "hello")
    app = Spruce(settings=AppSettings())
    assert app.settings.greeting == "hello"


def test_defaults_without_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in [n for n in __import__("os").environ if n.startswith("SPRUCE_")]:
        monkeypatch.delenv(name)
    assert Spruce().config is DEFAULTS


def test_debug_argument_overrides_settings(monkeypatch):
    monkeypatch.setenv("SPRUCE_DEBUG", "1")
    assert Spruce(debug=False).debug is False


def test_production_refuses_to_start_without_a_strong_key(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPRUCE_SECRET_KEY", raising=False)
    app = Spruce(debug=False)
    app.use_secret_key("sessions")
    with pytest.raises(ImproperlyConfigured, match="SPRUCE_SECRET_KEY"):
        app.freeze()
    weak = Spruce(settings=Settings(secret_key="changeme", debug=False))
    weak.use_secret_key("sessions")
    with pytest.raises(ImproperlyConfigured, match="too weak"):
        weak.freeze()


def test_debug_generates_a_temporary_key_with_a_warning(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPRUCE_SECRET_KEY", raising=False)
    app = Spruce(debug=True)
    app.use_secret_key("sessions")
    with pytest.warns(RuntimeWarning, match="temporary secret key"):
        app.freeze()
    assert len(app.secret_key) >= 32


def test_strong_key_is_used(monkeypatch):
    app = Spruce(settings=Settings(secret_key=STRONG))
    app.use_secret_key("sessions")
    app.freeze()
    assert app.secret_key == STRONG


def test_hello_world_does_not_import_heavy_libraries():
    code = (
        "import sys; from spruce import Spruce; app = Spruce()\n"
        "@app.get('/')\ndef index(): return 'hi'\n"
        "heavy = [m for m in ('pydantic', 'pydantic_settings', 'jinja2', 'sqlalchemy', 'httpx',"
        " 'click', 'uvicorn', 'granian', 'python_multipart') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("SPRUCE_")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == ""

"""``spruce check --deploy``: every unsafe production setting, with its id and a hint; a
production configuration passes."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from spruce import Spruce
from spruce.cli import AppLoader, cli
from spruce.cli.checks import run_checks
from spruce.security import Security, rate_limit
from spruce.sessions import Sessions
from spruce.settings import Settings

STRONG = "deploy-check-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def production(*, security: Security | None = None, batteries=(), **settings) -> Spruce:
    settings.setdefault("secret_key", STRONG)
    settings.setdefault("allowed_hosts", ["shop.example", ".shop.example"])
    return Spruce(
        settings=Settings(**settings),
        batteries=[security or Security(https=True), *batteries],
    )


def ids(app: Spruce) -> list[str]:
    return [
        m.group(0) for p in run_checks(app, deploy=True) if (m := re.match(r"security\.W\d{3}", p))
    ]


@pytest.fixture(autouse=True)
def no_spruce_environment(monkeypatch, tmp_path):
    import os

    for name in list(os.environ):
        if name.startswith("SPRUCE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env


def test_a_production_configuration_passes():
    assert run_checks(production(), deploy=True) == []


def test_every_problem_starts_with_its_id_and_says_how_to_fix_it():
    app = Spruce(settings=Settings(debug=True, secret_key="changeme", allowed_hosts=["*"]))
    problems = run_checks(app, deploy=True)
    assert problems
    for problem in problems:
        assert re.match(r"security\.W\d{3} ", problem), problem
    assert ids(app) == ["security.W001", "security.W002", "security.W003", "security.W006"]


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        (lambda: production(debug=True), "security.W001"),
        (lambda: production(secret_key="short"), "security.W002"),
        (lambda: production(allowed_hosts=["shop.example", "*"]), "security.W003"),
        (
            lambda: Spruce(
                settings=Settings(secret_key=STRONG, allowed_hosts=["a.example"]), security=False
            ),
            "security.W004",
        ),
        (lambda: production(allowed_hosts=["localhost", "127.0.0.1"]), "security.W005"),
        (lambda: production(allowed_hosts=[]), "security.W005"),
        (lambda: production(security=Security()), "security.W006"),
        (lambda: production(security=Security(https=True, https_redirect=False)), "security.W007"),
        (lambda: production(security=Security(https=True, hsts_seconds=0)), "security.W008"),
        (lambda: production(security=Security(https=True, csrf=False)), "security.W009"),
        (lambda: production(security=Security(https=True, frame_options=False)), "security.W010"),
        (
            lambda: production(security=Security(https=True, content_type_nosniff=False)),
            "security.W011",
        ),
        (lambda: production(security=Security(https=True, referrer_policy=False)), "security.W012"),
        (lambda: production(batteries=[Sessions(secure=False)]), "security.W013"),
        (lambda: production(batteries=[Sessions(samesite="none")]), "security.W014"),
        (lambda: production(secret_key_fallbacks=["old"]), "security.W015"),
    ],
)
def test_each_unsafe_setting_is_reported(app, expected):
    assert expected in ids(app())


def test_frame_ancestors_in_a_csp_counts_as_clickjacking_protection():
    security = Security(
        https=True, frame_options=False, content_security_policy="frame-ancestors 'self'"
    )
    assert "security.W010" not in ids(production(security=security))


def test_memory_rate_limits_are_reported_only_when_routes_use_them():
    app = production()
    assert "security.W016" not in ids(app)
    app = production()

    @app.post("/login")
    @rate_limit("5/minute")
    def login():
        return "x"

    assert "security.W016" in ids(app)
    shared = production(security=Security(https=True, rate_limit_storage="redis://cache:6379/0"))
    shared.post("/login")(rate_limit("5/minute")(lambda: "x"))
    assert "security.W016" not in ids(shared)


def test_the_environment_is_what_the_checks_read(monkeypatch):
    monkeypatch.setenv("SPRUCE_SECRET_KEY", STRONG)
    monkeypatch.setenv("SPRUCE_ALLOWED_HOSTS", '["shop.example"]')
    assert "security.W006" in ids(Spruce())
    monkeypatch.setenv("SPRUCE_HTTPS", "1")
    assert ids(Spruce()) == []


def test_spruce_check_deploy_lists_them_and_exits_non_zero():
    app = production(debug=True, security=Security(https=True, csrf=False))
    result = CliRunner().invoke(
        cli, ["check", "--deploy"], obj=AppLoader(app=app), prog_name="spruce"
    )
    assert result.exit_code == 1
    assert "Found 2 problems:" in result.output
    assert "  - security.W001 debug mode is on" in result.output
    assert "  - security.W009 CSRF protection is off" in result.output
    fine = CliRunner().invoke(
        cli, ["check", "--deploy"], obj=AppLoader(app=production()), prog_name="spruce"
    )
    assert fine.exit_code == 0, fine.output
    assert fine.output == "No problems found.\n"

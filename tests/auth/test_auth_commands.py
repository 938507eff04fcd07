"""``spruce auth createuser``."""

from __future__ import annotations

import asyncio

import pytest
from auth_support import make_app
from click.testing import CliRunner
from sqlalchemy import select

from spruce.auth import commands, get_auth
from spruce.auth.commands import auth_commands
from spruce.auth.models import User


@pytest.fixture
def cli_app(sqlite_url):
    app = make_app(sqlite_url)
    database = get_auth(app).database

    async def create() -> None:
        await database.create_all()
        await database.dispose()

    asyncio.run(create())
    return app


def users(app):
    with get_auth(app).database.sync_session() as db:
        return {u.username: u for u in db.execute(select(User)).scalars()}


def invoke(app, *args, input=None):
    return CliRunner().invoke(auth_commands, ["createuser", *args], input=input, obj=app)


def test_createuser_from_standard_input(cli_app):
    result = invoke(
        cli_app,
        "ann",
        "--email",
        "ann@example.com",
        "--password-stdin",
        input="correct horse battery staple\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "created user 'ann' (id 1)\n"
    ann = users(cli_app)["ann"]
    assert ann.email == "ann@example.com" and not ann.is_staff and not ann.is_superuser
    assert get_auth(cli_app).hasher.verify(ann.password, "correct horse battery staple")
    assert "correct horse" not in result.output


def test_createuser_superuser_prompts_twice_at_a_terminal(cli_app, monkeypatch):
    monkeypatch.setattr(commands, "_interactive", lambda: True)
    result = invoke(
        cli_app,
        "admin",
        "--superuser",
        input="correct horse battery staple\ncorrect horse battery staple\n",
    )
    assert result.exit_code == 0, result.output
    assert "created superuser 'admin'" in result.output
    admin = users(cli_app)["admin"]
    assert admin.is_superuser and admin.is_staff
    assert "correct horse" not in result.output


def test_createuser_refuses_what_it_should(cli_app):
    no_terminal = invoke(cli_app, "ann")
    assert no_terminal.exit_code != 0 and "--password-stdin" in no_terminal.output
    weak = invoke(cli_app, "ann", "--password-stdin", input="password\n")
    assert weak.exit_code == 1 and "This password is too common." in weak.output
    bad_name = invoke(cli_app, "ann smith", "--no-password")
    assert bad_name.exit_code == 2 and "Use only letters" in bad_name.output
    both = invoke(cli_app, "ann", "--no-password", "--password-stdin")
    assert both.exit_code == 2
    assert users(cli_app) == {}
    assert (
        invoke(
            cli_app,
            "ann",
            "--password-stdin",
            input="password\n",
        ).exit_code
        == 1
    )
    forced = invoke(cli_app, "ann", "--password-stdin", "--skip-password-rules", input="password\n")
    assert forced.exit_code == 0
    taken = invoke(cli_app, "ANN", "--no-password")
    assert taken.exit_code == 1 and "exists already" in taken.output


def test_createuser_without_a_password(cli_app):
    assert invoke(cli_app, "robot", "--no-password").exit_code == 0
    robot = users(cli_app)["robot"]
    assert robot.password.startswith("!")
    assert not get_auth(cli_app).hasher.verify(robot.password, robot.password)


def test_the_command_is_registered_lazily(cli_app):
    [factory] = [c for c in cli_app.commands if callable(c) and not hasattr(c, "commands")]
    assert factory() is auth_commands

"""The ``spruce`` group: --app errors, --help and --version without an app, app commands."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from spruce import Spruce, __version__
from spruce.cli import AppLoader, SpruceGroup, cli, pass_app

APP_WITH_COMMANDS = """
    import click
    from spruce import Spruce
    from spruce.cli import pass_app

    app = Spruce()

    @click.command("hello")
    @click.argument("name")
    def hello(name):
        "Say hello."
        click.echo(f"hello {name}")

    @click.group("db")
    def db():
        "Database commands."

    @db.command("upgrade")
    @click.option("--to", default="head")
    def upgrade(to):
        "Upgrade the schema."
        click.echo(f"upgraded to {to}")

    @click.command("count")
    @pass_app
    def count(app):
        click.echo(f"{len(app.mounted_routes())} routes")

    @click.command("meta")
    def meta():
        context = click.get_current_context()
        app = context.meta["spruce.app"]
        click.echo(f"meta has the app: {isinstance(app, Spruce)}, obj.app too: {context.obj.app is app}")

    @click.command("routes")
    def shadowing_routes():
        click.echo("the app's own routes command")

    app.get("/")(lambda: "home")
    for command in (hello, db, count, meta, shadowing_routes):
        app.add_command(command)
"""


def test_version_needs_no_app(project):
    result = project.invoke("--version")
    assert result.exit_code == 0
    assert result.output.startswith(f"Spruce {__version__} (Python 3.")


def test_help_without_an_app_lists_builtins_and_says_why_app_commands_are_missing(project):
    result = project.invoke("--help")
    assert result.exit_code == 0, result.output
    for name in ("run", "serve", "routes", "shell", "check"):
        assert f"  {name} " in result.output
    assert "Not listed, the app did not load: Could not find a Spruce app." in result.output


def test_command_help_needs_no_app(project):
    result = project.invoke("serve", "--help")
    assert result.exit_code == 0
    assert "--graceful-timeout" in result.output


def test_wrong_app_option_is_a_usage_error_without_traceback(project):
    result = project.invoke("--app", "foo", "routes")
    assert result.exit_code == 2
    assert "Could not import 'foo': No module named 'foo'." in result.output
    assert "Tried: --app foo" in result.output
    assert "Use --app module:attr" in result.output
    assert "SPRUCE_APP" in result.output
    assert "Traceback" not in result.output


def test_error_inside_the_users_module_exits_1_with_their_message(project):
    project.write("app.py", "import not_installed_anywhere\n")
    result = project.invoke("routes")
    assert result.exit_code == 1
    assert "While importing 'app'" in result.output
    assert "No module named 'not_installed_anywhere'" in result.output
    assert "Could not import" not in result.output


def test_app_commands_join_the_cli(project):
    project.write("app.py", APP_WITH_COMMANDS)
    result = project.invoke("hello", "world")
    assert result.exit_code == 0, result.output
    assert result.output == "hello world\n"


def test_app_command_groups_work(project):
    project.write("app.py", APP_WITH_COMMANDS)
    result = project.invoke("db", "upgrade", "--to", "abc123")
    assert result.exit_code == 0, result.output
    assert result.output == "upgraded to abc123\n"


def test_pass_app_gives_commands_the_app(project):
    project.write("app.py", APP_WITH_COMMANDS)
    result = project.invoke("count")
    assert result.output == "1 routes\n"


def test_app_commands_find_the_app_in_the_context_meta(project):
    project.write("app.py", APP_WITH_COMMANDS)
    assert project.invoke("meta").output == "meta has the app: True, obj.app too: True\n"


def test_help_lists_app_commands(project):
    project.write("app.py", APP_WITH_COMMANDS)
    result = project.invoke("--help")
    assert "  db " in result.output
    assert "Database commands." in result.output
    assert "  hello " in result.output
    assert "did not load" not in result.output


def test_builtin_command_wins_over_an_app_command_of_the_same_name(project):
    project.write("app.py", APP_WITH_COMMANDS)
    result = project.invoke("routes")
    assert "the app's own routes command" not in result.output
    assert "GET" in result.output


def test_unknown_command_with_a_loaded_app(project):
    project.write("app.py", APP_WITH_COMMANDS)
    result = project.invoke("nonsense")
    assert result.exit_code == 2
    assert "No such command 'nonsense'" in result.output


def test_unknown_command_without_an_app_says_the_app_did_not_load(project):
    result = project.invoke("db", "upgrade")
    assert result.exit_code == 2
    assert "No such command 'db': it is not built in, and the app" in result.output
    assert "Could not find a Spruce app" in result.output


def test_app_option_picks_the_module(project):
    project.write("app.py", "from spruce import Spruce\napp = Spruce()\n")
    project.write("other.py", APP_WITH_COMMANDS)
    result = project.invoke("--app", "other:app", "hello", "there")
    assert result.output == "hello there\n"


def test_app_environment_variable_picks_the_module(project, monkeypatch):
    project.write("other.py", APP_WITH_COMMANDS)
    monkeypatch.setenv("SPRUCE_APP", "other")
    assert project.invoke("hello", "env").output == "hello env\n"


def test_a_builtin_command_that_needs_no_app_runs_in_an_empty_folder(project):
    @click.command("new")
    def new():
        click.echo("created a project")

    group = SpruceGroup("spruce", commands=[*cli.commands.values(), new])  # replaces the real one
    result = CliRunner().invoke(group, ["new"])
    assert result.exit_code == 0, result.output
    assert result.output == "created a project\n"


def test_loader_bound_to_an_app_object(project):
    app = Spruce()
    app.get("/bound")(lambda: "bound")
    result = project.invoke("routes", obj=AppLoader(app=app))
    assert "/bound" in result.output


def test_pass_app_outside_the_spruce_group_loads_the_app(project):
    project.write("app.py", "from spruce import Spruce\napp = Spruce()\napp.get('/x')(lambda: 1)\n")

    @click.command()
    @pass_app
    def show(app):
        click.echo(app.mounted_routes()[0].full_path)

    assert CliRunner().invoke(show).output == "/x\n"


def test_unguarded_app_run_in_the_module_is_ignored_with_a_warning(project):
    project.write(
        "app.py",
        """
        from spruce import Spruce
        app = Spruce()
        app.get("/")(lambda: "home")
        app.run()
    """,
    )
    with pytest.warns(RuntimeWarning, match=r"app.run\(\) was called while the spruce command"):
        result = project.invoke("routes")
    assert result.exit_code == 0
    assert "/" in result.output


def test_a_failing_module_is_imported_once_per_invocation(project):
    project.write(
        "app.py",
        """
        from pathlib import Path
        with open(Path(__file__).with_name("imports.log"), "a") as log:
            log.write("imported\\n")
        raise RuntimeError("broken settings")
    """,
    )
    result = project.invoke("--help")
    assert result.exit_code == 0
    assert "Not listed, the app did not load: While importing 'app'" in result.output
    assert (project.root / "imports.log").read_text() == "imported\n"

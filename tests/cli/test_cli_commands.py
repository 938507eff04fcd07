"""``spruce routes``, ``spruce shell`` and ``spruce check``."""

from __future__ import annotations

import json

from spruce import Router, Settings, Spruce
from spruce.cli import AppLoader

ROUTES_APP = """
    from spruce import Router, Spruce, WebSocket

    app = Spruce()
    blog = Router("/blog", name="blog")

    @app.get("/")
    def index():
        return "home"

    @app.route("/items", methods=["GET", "POST"], name="items")
    async def items():
        return []

    @blog.get("/{slug}")
    def show(slug: str):
        return slug

    @app.websocket("/chat")
    async def chat(websocket: WebSocket):
        await websocket.accept()

    app.include(blog)
"""


# -- routes ---------------------------------------------------------------------------------------
def test_routes_table_sorted_by_path(project):
    project.write("app.py", ROUTES_APP)
    result = project.invoke("routes")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Methods", "Path", "Name", "Handler"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    rows = [line.split() for line in lines[2:]]
    assert rows == [
        ["GET", "/", "index", "app.index"],
        ["GET", "/blog/{slug}", "blog.show", "app.show"],
        ["WEBSOCKET", "/chat", "chat", "app.chat"],
        ["GET,", "POST", "/items", "items", "app.items"],
    ]


def test_routes_columns_line_up(project):
    project.write("app.py", ROUTES_APP)
    lines = project.invoke("routes").output.splitlines()
    path_column = lines[0].index("Path")
    assert all(line[path_column - 1] == " " for line in lines)
    assert lines[2][path_column:].startswith("/ ")
    assert lines[3][path_column:].startswith("/blog/{slug}")


def test_routes_json(project):
    project.write("app.py", ROUTES_APP)
    result = project.invoke("routes", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [row["path"] for row in rows] == ["/", "/blog/{slug}", "/chat", "/items"]
    assert rows[2] == {
        "methods": ["WEBSOCKET"],
        "path": "/chat",
        "name": "chat",
        "handler": "app.chat",
        "websocket": True,
    }
    assert rows[3]["methods"] == ["GET", "POST"]
    assert rows[1]["name"] == "blog.show"


def test_routes_of_an_empty_app(project):
    result = project.invoke("routes", obj=AppLoader(app=Spruce()))
    assert result.output == "No routes.\n"


def test_routes_handler_names_nested_functions(project):
    app = Spruce()
    api = Router("/api", name="api")

    def make():
        def inner():
            return 1

        return inner

    api.get("/n", name="n")(make())
    app.include(api, prefix="/v1")
    rows = json.loads(project.invoke("routes", "--json", obj=AppLoader(app=app)).output)
    assert rows == [
        {
            "methods": ["GET"],
            "path": "/v1/api/n",
            "name": "api.n",
            "handler": f"{__name__}.test_routes_handler_names_nested_functions.<locals>.make.<locals>.inner",
            "websocket": False,
        }
    ]


# -- shell ----------------------------------------------------------------------------------------
def test_shell_c_runs_code_with_app_and_spruce(project):
    project.write("app.py", ROUTES_APP)
    result = project.invoke(
        "shell",
        "-c",
        "print(type(app).__name__, len(app.mounted_routes()), spruce.Spruce is type(app))",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "Spruce 4 True\n"


def test_shell_c_error_exits_1_with_the_traceback(project):
    project.write("app.py", ROUTES_APP)
    result = project.invoke("shell", "-c", "x = 1\nraise ValueError('bad input')")
    assert result.exit_code == 1
    assert "ValueError: bad input" in result.stderr
    assert '<spruce shell -c>", line 2' in result.stderr
    assert "shell.py" not in result.stderr


def test_shell_c_system_exit_keeps_its_status(project):
    project.write("app.py", ROUTES_APP)
    assert project.invoke("shell", "-c", "raise SystemExit(3)").exit_code == 3


def test_plain_shell_reads_statements_from_stdin(project):
    project.write("app.py", ROUTES_APP)
    result = project.invoke(
        "shell", "--plain", input="print('routes:', len(app.mounted_routes()))\n"
    )
    assert result.exit_code == 0, result.output
    assert "routes: 4" in result.output
    assert "Names: app, spruce" in result.output


def test_plain_shell_runs_pythonstartup(project, monkeypatch):
    project.write("app.py", ROUTES_APP)
    startup = project.write("startup.py", "GREETING = 'from startup'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    result = project.invoke("shell", "--plain", input="print(GREETING)\n")
    assert "from startup" in result.output


# -- check ----------------------------------------------------------------------------------------
STRONG_KEY = "k" * 20 + "Q9x7-2v_Lm3Np8Rt"


def check_app(**settings) -> Spruce:
    """An app whose deploy checks pass unless ``settings`` spoil them (https declared, a
    public host name)."""
    from spruce.security import Security

    settings.setdefault("secret_key", STRONG_KEY)
    settings.setdefault("allowed_hosts", ["example.com"])
    return Spruce(settings=Settings(**settings), batteries=[Security(https=True)])


def test_check_without_problems(project):
    result = project.invoke("check", obj=AppLoader(app=check_app()))
    assert result.exit_code == 0
    assert result.output == "No problems found.\n"


def test_check_reports_problems_of_app_checks(project):
    app = check_app()
    app.add_check(lambda app: ["the cache is not configured"])
    app.add_check(lambda app: iter(()))
    result = project.invoke("check", obj=AppLoader(app=app))
    assert result.exit_code == 1
    assert result.output == "Found 1 problem:\n  - the cache is not configured\n"


def test_deploy_checks_only_run_with_deploy(project):
    app = check_app(debug=True)
    app.add_check(lambda app: ["mail has no sender address"], deploy=True)
    assert project.invoke("check", obj=AppLoader(app=app)).exit_code == 0
    result = project.invoke("check", "--deploy", obj=AppLoader(app=app))
    assert result.exit_code == 1
    assert "Found 2 problems:" in result.output
    assert "  - security.W001 debug mode is on" in result.output
    assert "  - mail has no sender address" in result.output


def test_deploy_check_debug_mode(project):
    result = project.invoke("check", "--deploy", obj=AppLoader(app=check_app(debug=True)))
    assert result.exit_code == 1
    assert "debug mode is on" in result.output


def test_deploy_check_missing_secret_key(project):
    app = Spruce(settings=Settings())
    result = project.invoke("check", "--deploy", obj=AppLoader(app=app))
    assert result.exit_code == 1
    assert "no secret key is set" in result.output
    assert "SPRUCE_SECRET_KEY" in result.output


def test_deploy_check_short_secret_key(project):
    app = check_app(secret_key="short-key")
    result = project.invoke("check", "--deploy", obj=AppLoader(app=app))
    assert "the secret key is too weak" in result.output


def test_deploy_check_well_known_secret_key(project):
    result = project.invoke(
        "check", "--deploy", obj=AppLoader(app=check_app(secret_key="ChangeMe"))
    )
    assert "the secret key is too weak" in result.output


def test_deploy_check_allowed_hosts_wildcard(project):
    app = check_app(allowed_hosts=["example.com", "*"])
    result = project.invoke("check", "--deploy", obj=AppLoader(app=app))
    assert result.exit_code == 1
    assert "allowed_hosts contains '*'" in result.output


def test_deploy_checks_pass_for_a_production_configuration(project):
    app = check_app(allowed_hosts=["example.com"])
    result = project.invoke("check", "--deploy", obj=AppLoader(app=app))
    assert result.exit_code == 0, result.output


def test_deploy_checks_read_the_environment(project, monkeypatch):
    project.write("app.py", "from spruce import Spruce\napp = Spruce()\n")
    monkeypatch.setenv("SPRUCE_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("SPRUCE_ALLOWED_HOSTS", '["*"]')
    result = project.invoke("check", "--deploy")
    assert result.exit_code == 1
    assert "allowed_hosts contains '*'" in result.output
    assert "secret key" not in result.output


def test_a_failing_check_is_reported_not_raised(project):
    app = check_app()

    def explodes(app):
        raise RuntimeError("cannot reach the database")

    app.add_check(explodes)
    result = project.invoke("check", obj=AppLoader(app=app))
    assert result.exit_code == 1
    assert "explodes failed: RuntimeError: cannot reach the database" in result.output


def test_check_reports_an_app_that_cannot_start(project):
    app = check_app()

    @app.websocket("/ws")
    def sync_websocket(websocket):
        pass

    result = project.invoke("check", obj=AppLoader(app=app))
    assert result.exit_code == 1
    assert "the app cannot start:" in result.output


def test_duplicate_problems_are_reported_once(project):
    app = check_app(debug=True)
    app.add_check(lambda app: ["same problem"])
    app.add_check(lambda app: ["same problem"])
    result = project.invoke("check", obj=AppLoader(app=app))
    assert result.output.count("same problem") == 1

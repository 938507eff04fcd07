"""``spruce new``: names, folders, the files written, and the new projects themselves.

The slow tests generate each shape into a temporary folder and use it as its README says: they run
the project's own tests, ``spruce routes``, ``spruce db upgrade`` (full layout) and the README's run
command with a real server. They use this repository's Python, where Spruce is installed, instead
of the README's ``python3 -m venv .venv && .venv/bin/pip install ...`` (that step downloads every
dependency from the package index; it was checked by hand, see docs/tutorial.md).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from spruce.scaffold import InvalidProjectName, check_project_name, create_project
from spruce.scaffold.names import suggest_project_name
from spruce.scaffold.project import TEMPLATES_FOLDER
from spruce.scaffold.source import installed_from_folder, spruce_source

MINIMAL_FILES = {
    ".env",
    ".gitignore",
    "README.md",
    "app.py",
    "pyproject.toml",
    "static/style.css",
    "templates/index.html",
    "tests/conftest.py",
    "tests/test_app.py",
}
FULL_FILES = {
    ".env",
    ".gitignore",
    "README.md",
    "asgi.py",
    "pyproject.toml",
    "blog/__init__.py",
    "blog/app.py",
    "blog/models.py",
    "blog/settings.py",
    "blog/routers/__init__.py",
    "blog/routers/pages.py",
    "blog/migrations/README",
    "blog/migrations/env.py",
    "blog/migrations/script.py.mako",
    "blog/migrations/versions/0001_create_note.py",
    "blog/static/css/site.css",
    "blog/templates/base.html",
    "blog/templates/pages/index.html",
    "tests/conftest.py",
    "tests/test_pages.py",
}


def files_in(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def env_values(folder: Path) -> dict[str, str]:
    lines = (folder / ".env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


# -- names -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["blog", "my_blog", "shop2", "b"])
def test_valid_names(name):
    check_project_name(name)


@pytest.mark.parametrize(
    ("name", "reason", "suggestion"),
    [
        ("My-Blog", "only lowercase letters, digits and underscores", "my_blog"),
        ("blog site", "only lowercase letters", "blog_site"),
        ("2048", "cannot start with a digit", "project_2048"),
        ("class", "Python keyword", "class_site"),
        ("match", "Python keyword", "match_site"),
        ("email", "standard library module 'email'", "email_site"),
        ("spruce", "Spruce's own package", "spruce_site"),
        ("app", "(app.py)", "app_site"),
        ("_private", "leading underscore", "private"),
        ("---", "only lowercase letters", None),
        ("", "empty", None),
    ],
)
def test_invalid_names_say_why_and_suggest_a_fix(name, reason, suggestion):
    with pytest.raises(InvalidProjectName) as info:
        check_project_name(name)
    assert reason in info.value.reason
    assert info.value.suggestion == suggestion
    if suggestion is not None:
        check_project_name(suggestion)  # the suggestion is itself valid
        assert f"Try {suggestion!r}." in str(info.value)


def test_suggestions_are_always_valid_names():
    for name in ["Über-Blog", "9lives", "import", "json", "A  B", "x-", "TESTS"]:
        suggestion = suggest_project_name(name)
        assert suggestion is not None
        check_project_name(suggestion)


def test_the_command_refuses_a_bad_name_with_a_suggestion(project):
    result = project.invoke("new", "My-Blog")
    assert result.exit_code == 2
    assert "'My-Blog' cannot be a project name" in result.output
    assert "Try 'my_blog'." in result.output
    assert list(project.root.iterdir()) == []


# -- folders ---------------------------------------------------------------------------------------
def test_new_needs_no_app_and_never_imports_one(project):
    project.write("app.py", "raise SystemExit('the app must not be imported')")
    result = project.invoke("new", "hello", "--minimal")
    assert result.exit_code == 0, result.output
    assert (project.root / "hello" / "app.py").is_file()


def test_refuses_a_folder_that_is_not_empty(project):
    (project.root / "blog").mkdir()
    (project.root / "blog" / "notes.txt").write_text("mine")
    result = project.invoke("new", "blog")
    assert result.exit_code == 1
    assert "already exists and is not empty" in result.output
    assert "never overwrites" in result.output
    assert files_in(project.root / "blog") == {"notes.txt"}


def test_refuses_a_file_in_the_way(project):
    (project.root / "blog").write_text("a file")
    result = project.invoke("new", "blog")
    assert result.exit_code == 1
    assert "is a file" in result.output


def test_an_empty_folder_is_used(project):
    (project.root / "hello").mkdir()
    result = project.invoke("new", "hello", "--minimal")
    assert result.exit_code == 0, result.output
    assert files_in(project.root / "hello") == MINIMAL_FILES


def test_dir_can_be_the_current_folder(project):
    before = os.stat(project.root)
    result = project.invoke("new", "hello", "--minimal", "--dir", ".")
    assert result.exit_code == 0, result.output
    assert files_in(project.root) == MINIMAL_FILES
    assert os.stat(project.root).st_ino == before.st_ino  # filled, not replaced: the shell is in it
    assert "in the current folder (9 files)" in result.output
    assert "cd " not in result.output
    assert [p.name for p in project.root.iterdir() if p.name.endswith(".spruce-new")] == []


def test_a_folder_that_cannot_be_made_is_a_clear_error(project):
    (project.root / "notes.txt").write_text("a file")
    result = project.invoke("new", "hello", "--dir", "notes.txt/hello")
    assert result.exit_code == 1
    assert "Error: could not create the project:" in result.output
    assert "Traceback" not in result.output


def test_dir_chooses_the_folder_and_creates_its_parents(project):
    result = project.invoke("new", "hello", "--minimal", "--dir", "sites/greeter")
    assert result.exit_code == 0, result.output
    assert files_in(project.root / "sites" / "greeter") == MINIMAL_FILES
    assert not (project.root / "hello").exists()
    assert "sites/greeter/" in result.output


def test_a_failure_leaves_nothing_behind(tmp_path, monkeypatch):
    import spruce.db.migrations as migrations

    def broken(folder):
        raise OSError("disk full")

    monkeypatch.setattr(migrations, "init_migrations", broken)
    with pytest.raises(OSError, match="disk full"):
        create_project("blog", tmp_path / "blog")
    assert list(tmp_path.iterdir()) == []


# -- what is written -------------------------------------------------------------------------------
def test_minimal_project_files(project):
    result = project.invoke("new", "hello", "--minimal")
    assert result.exit_code == 0, result.output
    folder = project.root / "hello"
    assert files_in(folder) == MINIMAL_FILES
    assert "Created the minimal project 'hello' in hello/ (9 files)." in result.output
    pyproject = (folder / "pyproject.toml").read_text()
    assert 'name = "hello"' in pyproject
    assert re.search(r'dependencies = \["spruce>=[\d.]+"\]', pyproject)
    assert 'spruce_app = "app:app"' in pyproject
    assert "<h1>{{ title }}</h1>" in (folder / "templates" / "index.html").read_text()


def test_full_project_files(project):
    result = project.invoke("new", "blog")
    assert result.exit_code == 0, result.output
    folder = project.root / "blog"
    assert files_in(folder) == FULL_FILES
    assert "from blog.app import create_app" in (folder / "asgi.py").read_text()
    assert 'site_name: str = "Blog"' in (folder / "blog" / "settings.py").read_text()
    pyproject = (folder / "pyproject.toml").read_text()
    assert re.search(r'dependencies = \["spruce\[db\]>=[\d.]+"\]', pyproject)
    assert 'packages = ["blog"]' in pyproject
    for name in ("admin", "auth", "TODO"):  # no placeholders for batteries that do not exist yet
        assert name not in (folder / "blog" / "app.py").read_text()


@pytest.mark.parametrize("shape", [["--minimal"], []])
def test_templates_are_fully_rendered(project, shape):
    assert project.invoke("new", "blog", *shape).exit_code == 0
    folder = project.root / "blog"
    for path in folder.rglob("*"):
        assert not path.name.endswith("-tpl")
        assert path.name != "__project__"
        if path.is_file() and path.suffix in {".py", ".toml", ".md", ".html", ".css"}:
            text = path.read_text()
            assert "$project" not in text and "$setup" not in text and "$spruce" not in text, path


@pytest.mark.parametrize("shape", [["--minimal"], []])
def test_generated_python_passes_ruff(project, shape):
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed next to this Python")
    assert project.invoke("new", "blog", *shape).exit_code == 0
    result = subprocess.run(
        [
            str(ruff),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "E,F,W,I,B,UP",
            "--target-version",
            "py311",
            "--line-length",
            "100",
            ".",
        ],
        cwd=project.root / "blog",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_env_holds_a_fresh_secret_key_and_debug(project):
    assert project.invoke("new", "one", "--minimal").exit_code == 0
    assert project.invoke("new", "two").exit_code == 0
    one, two = env_values(project.root / "one"), env_values(project.root / "two")
    assert one["SPRUCE_DEBUG"] == "1"
    assert len(one["SPRUCE_SECRET_KEY"]) == 64  # secrets.token_urlsafe(48)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", one["SPRUCE_SECRET_KEY"])
    assert one["SPRUCE_SECRET_KEY"] != two["SPRUCE_SECRET_KEY"]
    assert stat.S_IMODE((project.root / "one" / ".env").stat().st_mode) == 0o600


def test_env_is_git_ignored(project):
    assert project.invoke("new", "hello", "--minimal").exit_code == 0
    ignored = (project.root / "hello" / ".gitignore").read_text().splitlines()
    assert ".env" in ignored
    assert "*.db" in ignored
    if shutil.which("git"):
        folder = project.root / "hello"
        subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert ".env" not in status
        assert "app.py" in status


def test_readme_commands_install_spruce_from_the_given_source(project, tmp_path_factory):
    checkout = tmp_path_factory.mktemp("spruce checkout")
    result = project.invoke("new", "hello", "--minimal", "--spruce-source", str(checkout))
    assert result.exit_code == 0, result.output
    readme = (project.root / "hello" / "README.md").read_text()
    quoted = f"'{checkout}'"  # the path has a space: quoted for the shell
    expected = (
        f'python3 -m venv .venv && .venv/bin/pip install -e {quoted} -e ".[dev]" '
        "&& .venv/bin/spruce run"
    )
    assert expected in readme
    assert expected in result.output
    assert f"local checkout at `{checkout}`" in readme
    assert ".venv/bin/pytest" in readme


def test_readme_commands_of_the_full_layout_apply_the_migrations(project, monkeypatch):
    monkeypatch.setenv("SPRUCE_SOURCE", "/opt/spruce")
    assert project.invoke("new", "blog").exit_code == 0
    readme = (project.root / "blog" / "README.md").read_text()
    assert (
        '.venv/bin/pip install -e /opt/spruce -e ".[dev]" && .venv/bin/spruce db upgrade '
        "&& .venv/bin/spruce run"
    ) in readme


def test_spruce_source_defaults_to_where_this_spruce_was_installed_from(monkeypatch):
    monkeypatch.delenv("SPRUCE_SOURCE", raising=False)
    origin = installed_from_folder()
    assert spruce_source() == origin
    assert spruce_source("elsewhere") == os.path.abspath("elsewhere")
    # This repository installs Spruce with `pip install -e .` (scripts/setup.sh).
    if origin is not None:
        assert (Path(origin) / "src" / "spruce" / "scaffold").is_dir()


def test_without_a_local_source_the_readme_installs_from_the_index(project, monkeypatch):
    import spruce.scaffold.source as source

    monkeypatch.delenv("SPRUCE_SOURCE", raising=False)
    monkeypatch.setattr(source, "installed_from_folder", lambda *args: None)
    assert project.invoke("new", "hello", "--minimal").exit_code == 0
    readme = (project.root / "hello" / "README.md").read_text()
    assert (
        'python3 -m venv .venv && .venv/bin/pip install -e ".[dev]" && .venv/bin/spruce run'
        in readme
    )
    assert "local checkout" not in readme


def test_the_file_templates_ship_in_the_wheel():
    """Hatch leaves git-ignored files out of the wheel: no template may be ignored."""
    repository = Path(__file__).resolve().parents[2]
    if shutil.which("git") is None or not (repository / ".git").exists():
        pytest.skip("not a git checkout")
    templates = [str(path) for path in TEMPLATES_FOLDER.rglob("*") if path.is_file()]
    assert templates
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *templates],
        cwd=repository,
        capture_output=True,
        text=True,
    ).stdout
    assert ignored == ""


# -- the projects at work (subprocesses) -----------------------------------------------------------
def clean_environment() -> dict[str, str]:
    """This environment without Spruce's and pytest's variables (the project must not see the
    settings of the test run, nor think it is an xdist worker)."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SPRUCE_", "PYTEST_", "DATABASE_", "_SPRUCE_"))
    }


def run(folder: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=folder,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def spruce(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(folder, "-m", "spruce.cli", *args)


def readme_setup_and_run(folder: Path) -> list[str]:
    """The README's first command, split at ``&&``: venv, pip install, then spruce commands."""
    readme = (folder / "README.md").read_text()
    command = re.findall(r"```sh\n(.*?)\n```", readme, re.DOTALL)[0]
    return [part.strip() for part in command.split("&&")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_and_get(folder: Path, run_command: str, paths: list[str]) -> list[tuple[int, str]]:
    """Start the README's run command (``.venv/bin/spruce run``, with this Python and a free
    port), GET ``paths`` once it answers, stop it."""
    assert run_command == ".venv/bin/spruce run"
    port = free_port()
    log = folder / "server.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "spruce.cli", "run", "--port", str(port)],
            cwd=folder,
            env=clean_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, log.read_text()
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"no answer within 30 s:\n{log.read_text()}"
                time.sleep(0.1)
        answers = []
        for path in paths:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
                answers.append((response.status, response.read().decode()))
        return answers
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)


@pytest.mark.slow
def test_minimal_project_works_as_its_readme_says(tmp_path):
    folder = create_project("hello", tmp_path / "hello", minimal=True).folder
    steps = readme_setup_and_run(folder)
    assert steps[0] == "python3 -m venv .venv"
    assert steps[1].startswith(".venv/bin/pip install ") and steps[1].endswith('-e ".[dev]"')
    assert steps[2:] == [".venv/bin/spruce run"]

    tests = run(folder, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout and "failed" not in tests.stdout

    routes = spruce(folder, "routes")
    assert routes.returncode == 0, routes.stderr
    assert re.search(r"GET\s+/\s+index\s+app\.index", routes.stdout)
    assert re.search(r"POST\s+/greet\s+greet\s+app\.greet", routes.stdout)

    (page_status, page), (css_status, css) = serve_and_get(
        folder, steps[2], ["/", "/static/style.css"]
    )
    assert page_status == 200 and "<h1>Hello</h1>" in page
    assert css_status == 200 and "--green" in css


@pytest.mark.slow
def test_full_project_works_as_its_readme_says(tmp_path):
    folder = create_project("blog", tmp_path / "blog").folder
    steps = readme_setup_and_run(folder)
    assert steps[0] == "python3 -m venv .venv"
    assert steps[2:] == [".venv/bin/spruce db upgrade", ".venv/bin/spruce run"]

    tests = run(folder, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout and "failed" not in tests.stdout
    assert not (folder / "blog" / "app.db").exists()  # the tests use their own databases

    routes = spruce(folder, "routes")
    assert routes.returncode == 0, routes.stderr
    assert re.search(r"GET\s+/\s+pages\.index\s+blog\.routers\.pages\.index", routes.stdout)
    assert re.search(r"POST\s+/notes\s+pages\.add_note", routes.stdout)

    upgrade = spruce(folder, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert (folder / "blog" / "app.db").is_file()
    current = spruce(folder, "db", "current")
    assert current.stdout.strip() == "0001 (head)", current.stdout + current.stderr
    check = spruce(folder, "db", "check")  # the shipped migration matches models.py
    assert check.returncode == 0, check.stdout + check.stderr

    [(status, page)] = serve_and_get(folder, steps[3], ["/"])
    assert status == 200
    assert "<title>Blog</title>" in page and "No notes yet" in page

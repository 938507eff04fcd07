"""The auth tables come from the battery's own migration, run by `spruce db upgrade` with the
app's; a project's own revisions build on it; a project with its own user model gets only the
group and permission tables from it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import create_engine, inspect, make_url

from spruce import Settings, Spruce
from spruce.auth import Auth
from spruce.db import Database, migrations
from spruce.sessions import Sessions

DEFAULT_TABLES = {"auth_user", "auth_user_groups", "auth_user_permissions", "auth_token"}
SHARED_TABLES = {"auth_group", "auth_permission", "auth_group_permissions"}


def tables(url: str) -> set[str]:
    sync_url = make_url(url)
    if sync_url.get_backend_name() == "postgresql":
        sync_url = sync_url.set(drivername="postgresql+psycopg")
    engine = create_engine(sync_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_creates_the_auth_tables_and_downgrade_removes_them(database_url, tmp_path):
    migrations.init_migrations(str(tmp_path / "migrations"))
    app = Spruce(
        settings=Settings(secret_key="m" * 40),
        batteries=[Sessions(), Database(database_url), Auth()],
        root_path=str(tmp_path),
    )
    migrations.upgrade(app)
    assert {*DEFAULT_TABLES, *SHARED_TABLES} <= tables(database_url)
    assert migrations.current(app) == ["auth_0001"]
    assert migrations.heads(app) == ["auth_0001"]
    migrations.downgrade(app, "base")
    assert not ({*DEFAULT_TABLES, *SHARED_TABLES} & tables(database_url))


def test_a_project_with_migrations_of_its_own_before_auth(sqlite_url, tmp_path):
    folder = migrations.init_migrations(str(tmp_path / "migrations"))
    (tmp_path / "migrations" / "versions" / "0001_notes.py").write_text(
        textwrap.dedent("""
        import sqlalchemy as sa
        from alembic import op

        revision = "0001"
        down_revision = None
        branch_labels = None
        depends_on = None

        def upgrade():
            op.create_table("note", sa.Column("id", sa.Integer(), primary_key=True))

        def downgrade():
            op.drop_table("note")
    """)
    )
    app = Spruce(
        settings=Settings(secret_key="m" * 40),
        batteries=[Sessions(), Database(sqlite_url), Auth()],
        root_path=str(tmp_path),
    )
    assert sorted(migrations.heads(app)) == ["0001", "auth_0001"]
    migrations.upgrade(app)  # both branches
    assert {"note", "auth_user"} <= tables(sqlite_url)
    path = migrations.revision(app, "next", rev_id="0002")
    assert path is not None and path.startswith(folder)
    source = open(path, encoding="utf-8").read()
    assert "('0001', 'auth_0001')" in source  # the branches merge again
    migrations.upgrade(app)
    assert migrations.heads(app) == ["0002"] and migrations.current(app) == ["0002"]


DEFAULT_PROJECT = {
    "app.py": """
        from spruce import Spruce
        from spruce.auth import Auth
        from spruce.db import Database
        from spruce.sessions import Sessions

        app = Spruce(batteries=[Sessions(), Database(models=["notes"]), Auth()])
    """,
    "notes.py": """
        from spruce.db import ForeignKey, IntegerPK, Mapped, Model, String, mapped_column

        class Note(IntegerPK, Model):
            text: Mapped[str] = mapped_column(String(100))
            author_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id"))
    """,
}

OWN_USER_PROJECT = {
    "app.py": """
        from spruce import Spruce
        from spruce.auth import Auth
        from spruce.db import Database
        from spruce.sessions import Sessions

        app = Spruce(batteries=[
            Sessions(),
            Database(models=["members"]),
            Auth(user_model="members:Member", token_model="members:MemberToken"),
        ])
    """,
    "members.py": """
        from spruce.auth.models import AbstractAPIToken, AbstractUser
        from spruce.db import ForeignKey, IntegerPK, Mapped, Model, String, mapped_column

        class Member(AbstractUser, IntegerPK, Model):
            nickname: Mapped[str] = mapped_column(String(50), default="")

        class MemberToken(AbstractAPIToken, IntegerPK, Model):
            user_id: Mapped[int] = mapped_column(
                ForeignKey("member.id", ondelete="CASCADE"), index=True
            )
    """,
}


def make_project(folder, files):
    for name, source in files.items():
        (folder / name).write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")


def spruce(folder, url, *args, stdin=None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SPRUCE_", "PYTEST_"))}
    environment.update(
        DATABASE_URL=url,
        SPRUCE_SECRET_KEY="p" * 40,
        SPRUCE_AUTH_ARGON2_MEMORY_KIB="1024",
        SPRUCE_AUTH_ARGON2_TIME_COST="1",
    )
    result = subprocess.run(
        [sys.executable, "-m", "spruce.cli", *args],
        cwd=folder,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"spruce {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.slow
def test_a_project_migrates_builds_on_the_auth_tables_and_creates_users(database_url, tmp_path):
    make_project(tmp_path, DEFAULT_PROJECT)
    spruce(tmp_path, database_url, "db", "init")
    spruce(tmp_path, database_url, "db", "upgrade")
    assert {*DEFAULT_TABLES, *SHARED_TABLES} <= tables(database_url)
    written = spruce(tmp_path, database_url, "db", "revision", "-m", "notes", "--autogenerate")
    [revision] = list((tmp_path / "migrations" / "versions").glob("*.py"))
    assert str(revision) in written  # in the project's folder, not the battery's
    source = revision.read_text()
    assert "create_table('note'" in source and "create_table('auth_" not in source
    assert "down_revision: str | Sequence[str] | None = 'auth_0001'" in source
    spruce(tmp_path, database_url, "db", "upgrade")
    assert "note" in tables(database_url)
    assert spruce(tmp_path, database_url, "db", "check") == "models and migrations agree\n"
    created = spruce(
        tmp_path,
        database_url,
        "auth",
        "createuser",
        "ann",
        "--password-stdin",
        stdin="correct horse battery staple\n",
    )
    assert created.startswith("created user 'ann'")
    spruce(tmp_path, database_url, "db", "downgrade", "base")
    assert not ({"note", *DEFAULT_TABLES} & tables(database_url))


@pytest.mark.slow
def test_a_project_with_its_own_user_model(database_url, tmp_path):
    make_project(tmp_path, OWN_USER_PROJECT)
    spruce(tmp_path, database_url, "db", "init")
    spruce(tmp_path, database_url, "db", "upgrade")
    present = tables(database_url)
    assert SHARED_TABLES <= present and not (DEFAULT_TABLES & present)
    spruce(tmp_path, database_url, "db", "revision", "-m", "members", "--autogenerate")
    spruce(tmp_path, database_url, "db", "upgrade")
    assert {"member", "member_token", "member_groups", "member_permissions"} <= tables(database_url)
    assert spruce(tmp_path, database_url, "db", "check") == "models and migrations agree\n"
    created = spruce(
        tmp_path,
        database_url,
        "auth",
        "createuser",
        "ann",
        "--superuser",
        "--password-stdin",
        stdin="correct horse battery staple\n",
    )
    assert created.startswith("created superuser 'ann'")

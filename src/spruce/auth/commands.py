"""``spruce auth ...``: users from the command line.

    spruce auth createuser ann --email ann@example.com          # asks for the password twice
    spruce auth createuser admin --superuser                    # staff and superuser
    printf '%s\\n' "$PASSWORD" | spruce auth createuser ci --password-stdin   # in scripts
    spruce auth createuser robot --no-password                  # cannot log in with a password

The password rules apply (``--skip-password-rules`` to bypass them knowingly). The password is
never taken as an argument: arguments end up in shell histories and process lists.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = ["auth_commands"]


@click.group("auth")
def auth_commands() -> None:
    """Users: create accounts."""


def _interactive() -> bool:
    """True when a person at a terminal can be asked for the password."""
    return sys.stdin.isatty()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        given = line[:-1] if line.endswith("\n") else line
        if not given:
            raise click.UsageError("--password-stdin: standard input held no password")
        return given
    if not _interactive():
        raise click.UsageError(
            "no terminal to ask for the password: pass --password-stdin (and pipe it in) or "
            "--no-password"
        )
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt="Again")
    return password


@auth_commands.command("createuser")
@click.argument("username")
@click.option("--email", default=None, help="The user's e-mail address (for password resets).")
@click.option("--superuser", is_flag=True, help="Every permission, and staff (admin access).")
@click.option("--staff", is_flag=True, help="Staff: may use the admin.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--no-password", is_flag=True, help="An unusable password (log in another way).")
@click.option("--skip-password-rules", is_flag=True, help="Accept a password the rules refuse.")
def createuser_command(
    username: str,
    email: str | None,
    superuser: bool,
    staff: bool,
    password_stdin: bool,
    no_password: bool,
    skip_password_rules: bool,
) -> None:
    """Create the user USERNAME."""
    from ..db.commands import current_app
    from .battery import get_auth
    from .users import normalize_username, username_problem

    app = current_app()
    auth = get_auth(app)
    name = normalize_username(username)
    problem = username_problem(name)
    if problem:
        raise click.UsageError(f"user name {username!r}: {problem}")
    if no_password and password_stdin:
        raise click.UsageError("--no-password and --password-stdin do not go together")
    password = None if no_password else _read_password(password_stdin)
    if password is not None:
        problems = auth.password_problems(password, username=name, email=email)
        if problems and not skip_password_rules:
            raise click.ClickException(
                "the password was refused: "
                + " ".join(problems)
                + " (--skip-password-rules accepts it anyway)"
            )
    fields: dict[str, Any] = {"is_staff": staff or superuser, "is_superuser": superuser}
    user = asyncio.run(_create(app, name, password, email, fields))
    kind = "superuser" if superuser else "staff user" if staff else "user"
    click.echo(f"created {kind} {user.username!r} (id {user.pk})")


async def _create(
    app: Spruce, name: str, password: str | None, email: str | None, fields: dict[str, Any]
) -> Any:
    from .battery import get_auth
    from .users import create_user, username_taken

    database = get_auth(app).database
    try:
        async with database.session() as db:
            if await username_taken(db, get_auth(app).user_model, name):
                raise click.ClickException(f"a user called {name!r} exists already")
            return await create_user(db, app, name, password, email=email, **fields)
    finally:
        await database.dispose()

"""``spruce new``: create a project, as one file (``--minimal``) or as a package (the default).

The command needs no app, so it works in any folder. The work is done by ``spruce.scaffold``,
imported when the command runs.
"""

from __future__ import annotations

import os
import shlex

import click

__all__ = ["new_command"]


@click.command("new")
@click.argument("name")
@click.option(
    "--minimal",
    is_flag=True,
    help="One app.py with a template, a stylesheet and a test, instead of a package.",
)
@click.option(
    "--dir",
    "folder",
    metavar="PATH",
    type=click.Path(file_okay=False, path_type=str),
    help="The folder to create the project in (default: ./NAME); if it exists, it must be empty.",
)
@click.option(
    "--spruce-source",
    metavar="PATH",
    type=click.Path(file_okay=False, exists=True),
    help="A local Spruce checkout the project's README installs Spruce from. Default: "
    "$SPRUCE_SOURCE, else the folder this Spruce was installed from, if any.",
)
def new_command(name: str, minimal: bool, folder: str | None, spruce_source: str | None) -> None:
    """Create the project NAME (a Python package name, such as my_blog).

    The full layout has a package with settings, routers, models and migrations, templates,
    static files and tests; --minimal makes one app.py. Either way the project gets a .env with a
    fresh secret key (git-ignored), and a README whose two commands set it up, run it and test it.
    """
    from ..scaffold import InvalidProjectName, ProjectError, create_project

    try:
        project = create_project(name, folder, minimal=minimal, source=spruce_source)
    except InvalidProjectName as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    except ProjectError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"could not create the project: {exc}") from None
    where = os.path.relpath(project.folder)
    if where.startswith(os.pardir):
        where = str(project.folder)
    click.echo(
        f"Created the {project.layout} project {project.name!r} in "
        f"{'the current folder' if where == os.curdir else where + '/'} "
        f"({len(project.files)} files)."
    )
    click.echo("\nSet it up and run it:\n")
    if where != os.curdir:
        click.echo(f"    cd {shlex.quote(where)}")
    click.echo(f"    {project.setup_and_run}")
    click.echo("\nTest it:\n")
    click.echo(f"    {project.test}")
    if project.spruce_source:
        click.echo(f"\nSpruce is installed from {project.spruce_source} (see README.md).")

"""``spruce check``: report configuration problems; exit with status 1 when there are some."""

from __future__ import annotations

import click

from .checks import run_checks
from .group import current_app

__all__ = ["check_command"]


@click.command("check")
@click.option(
    "--deploy",
    is_flag=True,
    help="Also run the deploy checks (debug off, strong secret key, allowed hosts...).",
)
def check_command(deploy: bool) -> None:
    """Run the app's checks and report problems (exit status 1 when any are found).

    Without --deploy, the checks that apply everywhere run, and the app is compiled the way a
    server starts it. Run `spruce check --deploy` with the production settings before deploying.
    """
    problems = run_checks(current_app(), deploy=deploy)
    if not problems:
        click.echo("No problems found.")
        return
    noun = "problem" if len(problems) == 1 else "problems"
    click.echo(f"Found {len(problems)} {noun}:")
    for problem in problems:
        click.echo(f"  - {problem}")
    click.get_current_context().exit(1)

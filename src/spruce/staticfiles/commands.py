"""The ``spruce static`` command group: ``spruce static collect`` (and ``spruce static list``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = ["static_command"]


def static_command(app: Spruce) -> click.Group:
    """The ``static`` click group for ``app``."""

    @click.group("static")
    def static() -> None:
        """Static files: collect them for production, list where they are served."""

    @static.command("collect")
    @click.option(
        "--dest",
        type=click.Path(file_okay=False),
        default=None,
        help="Folder to write to (default: the static_root setting, SPRUCE_STATIC_ROOT).",
    )
    @click.option("--no-compress", is_flag=True, help="Do not write precompressed .gz/.br copies.")
    def collect(dest: str | None, no_compress: bool) -> None:
        """Copy static files with content-hashed names, precompressed copies and a manifest."""
        from .collect import collect_static

        try:
            report = collect_static(app, dest, compress=not no_compress)
        except ImproperlyConfigured as exc:
            raise click.UsageError(str(exc)) from None
        click.echo(
            f"Collected {report.files} file{'' if report.files == 1 else 's'} into "
            f"{report.destination} "
            f"({report.compressed} precompressed); manifest: {report.manifest_path}"
        )

    @static.command("list")
    def list_mounts() -> None:
        """Show each static URL prefix and the folders it serves, in search order."""
        from .sources import discover_mounts

        mounts = discover_mounts(app)
        if not mounts:
            click.echo("No static folders.")
        for mount in mounts:
            click.echo(f"{mount.url}  (route {mount.name!r})")
            for source in mount.sources:
                namespace = "/".join(source.namespace)
                shown = f"{namespace}/ -> " if namespace else ""
                click.echo(f"    {shown}{source.folder}")

    return static

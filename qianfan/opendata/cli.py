"""`qianfan export ocds [--since DATE] OUT`: every public release in one OCDS 1.1.5 release package.

OUT is one JSON release package (written release by release, so memory stays flat), or `-` for the
standard output. The file appears whole or not at all: it is written beside OUT and renamed at the end.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from qianfan.cli_context import AppContext, pass_app


@click.group("export")
def export_group() -> None:
    """Export open data: OCDS 1.1.5 release packages."""


@export_group.command("ocds")
@click.option("--since", metavar="DATE",
              help="Only releases dated on or after this local date (2026-11-01) or time (2026-11-01T08:00).")  # fmt: skip
@click.argument("out", metavar="OUT")
@pass_app
def ocds_command(app: AppContext, since: str | None, out: str) -> None:
    """Write the published orders, signed contracts and their changes as one OCDS release package
    (JSON) to OUT ("-": standard output)."""
    from models.errors import ValidationError
    from qianfan.opendata import Publisher, parse_since, write_release_package

    since_at = parse_since(since, field="--since")  # a bad date: one line from the group, exit 1
    target = None if out == "-" else Path(out).expanduser().resolve()
    if target is not None and not target.parent.is_dir():
        raise ValidationError("There is no folder %(folder)s to write OUT into.", field="OUT",
                              folder=str(target.parent))  # fmt: skip
    publisher = Publisher.from_settings(app.settings)
    with app.db.session_scope() as session:
        if target is None:
            counts = write_release_package(session, sys.stdout, since=since_at, publisher=publisher,
                                           uri=_package_uri(app.settings, None))  # fmt: skip
        else:
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".ocds-", suffix=".json")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    counts = write_release_package(
                        session, stream, since=since_at, publisher=publisher,
                        uri=_package_uri(app.settings, target),
                    )  # fmt: skip
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(temporary, 0o666 & ~umask)  # open data: readable like any file written here
                os.replace(temporary, target)
            finally:
                if os.path.exists(temporary):
                    os.unlink(temporary)
    summary = ", ".join(f"{tag} {n:,}" for tag, n in sorted(counts.items()))
    # With "-", the package is the standard output: what is said about it goes to the error output.
    if summary:
        click.echo(f"releases by tag: {summary}", err=out == "-")
    else:
        click.echo("no releases to publish (an OCDS package should hold at least one)", err=True)
    if out != "-":
        click.echo(f"written to {target}")


def _package_uri(settings, target: Path | None) -> str:
    """OCDS_PACKAGE_URI when set (where the file will be published); else the file's own URI."""
    if settings.get("OCDS_PACKAGE_URI"):
        return str(settings["OCDS_PACKAGE_URI"])
    return target.as_uri() if target is not None else "urn:qianfan:ocds:export"

"""Registry files: importing DTSEN extracts and BPJS participation lists."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.commands.common import with_app

if TYPE_CHECKING:
    from bot.bootstrap import App
    from sigap_core.config import Settings


def _warm_up_parsers(_settings: Settings, *, path: Path, **_options: Any) -> None:
    from sigap_core.importers.parallel import wants_workers, warm_up_fork_server

    if path.is_file() and wants_workers(path):
        # The parser processes' fork server boots while this process loads the database layer.
        threading.Thread(target=warm_up_fork_server, name="fork-server", daemon=True).start()


@click.command("import")
@click.argument("kind", type=click.Choice(["dtsen", "peserta"]))
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--report-dir",
    default=None,
    type=click.Path(path_type=Path),
    help="Where the rejected-rows report goes (default var/reports).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Import even when this exact file is already the current snapshot, or when the new snapshot "
    "removes more people than the policy's imports.max_drop_share.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar (none is drawn when stderr is not a terminal).")
@with_app(preflight=_warm_up_parsers)
async def import_registry(app: App, kind: str, path: Path, report_dir: Path | None, force: bool, quiet: bool) -> None:
    """Import a DTSEN registry extract or BPJS participation list (CSV or XLSX)."""
    from bot.progress import terminal_progress
    from sigap_core.importers.service import ImportFailed, import_file

    target = report_dir or app.settings.var_dir / "reports"
    try:
        with terminal_progress(f"{kind} {path.name}", quiet=quiet) as progress:
            result = await import_file(
                app.store.engine,
                app.domain.hasher,
                app.domain.wilayah,
                kind,
                path,
                target,
                force=force,
                limits=app.policy.imports,
                progress=progress,
            )
    except ImportFailed as error:
        raise click.ClickException(f"import failed, nothing changed: {error}") from error
    if result.unchanged:
        click.echo(f"{path.name} is already the current {kind} snapshot: nothing changed (use --force to reload)")
        return
    click.echo(
        f"{kind}: read {result.rows_read}, imported {result.rows_imported}, rejected {result.rows_rejected}"
        + (f" ({result.duplicates} duplicates)" if result.duplicates else "")
        + (f", warnings {result.warnings}" if result.warnings else "")
    )
    if result.rows_rejected or result.warnings:
        top = sorted(result.reasons.items(), key=lambda item: -item[1])[:8]
        for reason, count in top:
            click.echo(f"  {count:>7}  {reason}")
    click.echo(f"report: {result.report_path}")

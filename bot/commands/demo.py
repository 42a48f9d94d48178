"""Synthetic data and the one-command demo (`make demo`)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.commands.common import with_app

if TYPE_CHECKING:
    from bot.bootstrap import App

DEMO_SEED = 7


@click.command("demo-data")
@click.option("--people", default=2000, show_default=True, type=click.IntRange(20, 5_000_000))
@click.option("--seed", default=DEMO_SEED, show_default=True, type=int)
@click.option("--out", "out_dir", default="var/demo", show_default=True, type=click.Path(path_type=Path))
def demo_data(people: int, seed: int, out_dir: Path) -> None:
    """Write synthetic DIR/dtsen.csv and DIR/peserta.csv and print sample NIK + KK digits to try."""
    from sigap_core.demo import generate, write_files
    from sigap_core.wilayah import load_wilayah

    persons, peserta, samples = generate(people, seed, load_wilayah(), date.today())
    write_files(out_dir, persons, peserta, seed)
    (out_dir / "samples.json").write_text(json.dumps([s.__dict__ for s in samples], indent=1))
    click.echo(f"wrote {len(persons)} people to {out_dir / 'dtsen.csv'}")
    click.echo(f"wrote {len(peserta)} participation records to {out_dir / 'peserta.csv'}")
    print_samples(samples)


def print_samples(samples: list[Any]) -> None:
    click.echo("\nSample NIK + last 4 digits of the KK, one per outcome (synthetic people):")
    for sample in samples:
        note = f"  ({sample.note})" if sample.note else ""
        click.echo(f"  {sample.status:<20} NIK {sample.nik}  KK …{sample.kk4}{note}")


@click.command("demo")
@click.option("--people", default=2000, show_default=True, type=int)
@click.option("--no-chat", is_flag=True, help="Only prepare the demo database and print the report.")
@with_app
async def demo(app: App, people: int, no_chat: bool) -> None:
    """Prepare a demo database from synthetic data, print the report, then open the terminal chat."""
    from bot.report_format import format_report
    from sigap_core.demo import generate, write_files
    from sigap_core.i18n import Translator
    from sigap_core.importers.service import import_file
    from sigap_core.services import program_report

    out = app.settings.var_dir / "demo"
    persons, peserta, samples = generate(people, DEMO_SEED, app.domain.wilayah, app.today())
    write_files(out, persons, peserta, DEMO_SEED)
    for kind in ("dtsen", "peserta"):
        result = await import_file(
            app.store.engine,
            app.domain.hasher,
            app.domain.wilayah,
            kind,
            out / f"{kind}.csv",
            app.settings.var_dir / "reports",
        )
        if not result.unchanged:
            click.echo(f"{kind}: imported {result.rows_imported} of {result.rows_read} rows")
    async with app.store.uow() as uow:
        report = await program_report(uow, app.domain, app.today())
    click.echo("")
    click.echo(format_report(report, Translator("id")))
    print_samples(samples)
    if no_chat:
        return
    from bot.console import run_console

    click.echo("")
    await run_console(app, user="demo", lang="id")

"""The `sigap` command (CONTRACT §3)."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

# Heavy modules (SQLAlchemy, Babel, the importer) are imported inside the commands: the CLI starts faster,
# and the importer's worker processes, which re-import this entry module, stay small.
if TYPE_CHECKING:
    from bot.bootstrap import App
    from sigap_core.i18n import Translator
    from sigap_core.services import ProgramReport

T = TypeVar("T")

db_option = click.option(
    "--db", "database_url", default=None, help="SQLAlchemy async URL (overrides SIGAP_DATABASE_URL)."
)


def run_async(func: Callable[..., Coroutine[Any, Any, T]]) -> Callable[..., T]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return asyncio.run(func(*args, **kwargs))

    return wrapper


async def _with_app(database_url: str | None, body: Callable[[App], Awaitable[T]]) -> T:
    from bot.bootstrap import bootstrap
    from sigap_core.config import Settings
    from sigap_core.policy import PolicyError

    try:
        app = await bootstrap(Settings(), database_url)
    except PolicyError as error:
        raise click.ClickException(str(error)) from error
    try:
        return await body(app)
    finally:
        await app.close()


@click.group()
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """SIGAP bot: eligibility, data-update guidance and coverage for Kota Bekasi's informal workers."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@db_option
@run_async
async def db_upgrade(database_url: str | None) -> None:
    """Create or migrate the schema (idempotent)."""
    from sigap_core.config import Settings
    from sigap_core.store.db import current_revision, make_engine, upgrade

    engine = make_engine(database_url or Settings().resolved_database_url())
    try:
        await upgrade(engine)
        click.echo(f"schema at revision {await current_revision(engine)}")
    finally:
        await engine.dispose()


@main.command("demo-data")
@click.option("--people", default=2000, show_default=True, type=click.IntRange(20, 5_000_000))
@click.option("--seed", default=7, show_default=True, type=int)
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
    _print_samples(samples)


def _print_samples(samples: list[Any]) -> None:
    click.echo("\nSample NIK + last 4 digits of the KK, one per outcome (synthetic people):")
    for sample in samples:
        note = f"  ({sample.note})" if sample.note else ""
        click.echo(f"  {sample.status:<20} NIK {sample.nik}  KK …{sample.kk4}{note}")


@main.command("import")
@click.argument("kind", type=click.Choice(["dtsen", "peserta"]))
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--report-dir",
    default=None,
    type=click.Path(path_type=Path),
    help="Where the rejected-rows report goes (default var/reports).",
)
@click.option("--force", is_flag=True, help="Import even when this exact file is already the current snapshot.")
@db_option
@run_async
async def import_command(kind: str, path: Path, report_dir: Path | None, force: bool, database_url: str | None) -> None:
    """Import a DTSEN registry extract or BPJS participation list (CSV or XLSX)."""
    from sigap_core.importers.parallel import wants_workers, warm_up_fork_server

    if path.is_file() and wants_workers(path):
        # The parser processes' fork server boots while this process loads the database layer.
        threading.Thread(target=warm_up_fork_server, name="fork-server", daemon=True).start()
    from sigap_core.importers.service import ImportFailed, import_file

    async def body(app: App) -> None:
        target = report_dir or app.settings.var_dir / "reports"
        try:
            result = await import_file(
                app.store.engine, app.domain.hasher, app.domain.wilayah, kind, path, target, force=force
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

    await _with_app(database_url, body)


@main.command("check")
@click.argument("nik")
@click.option("--kk4", default=None, help="Last 4 digits of the family card (KK).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--lang", default="id", type=click.Choice(["id", "en"]))
@db_option
@run_async
async def check_command(nik: str, kk4: str | None, as_json: bool, lang: str, database_url: str | None) -> None:
    """Look up one NIK (for staff helping a walk-in citizen)."""
    from handlers.render import decision_text, nik_error_text
    from sigap_core.i18n import Translator
    from sigap_core.nik import NikError, parse_nik
    from sigap_core.services import check, decision_json

    _ = Translator(lang)
    try:
        parsed = parse_nik(nik)
    except NikError as error:
        raise click.ClickException(nik_error_text(_, error)) from error
    if kk4 is not None and (len(kk4.strip()) != 4 or not kk4.strip().isdigit()):
        raise click.ClickException(_("--kk4 harus 4 digit angka"))

    async def body(app: App) -> None:
        async with app.store.reader() as uow:
            decision = await check(uow, app.domain, parsed, app.today(), kk4.strip() if kk4 else None)
        async with app.store.uow() as uow:
            await uow.audit.add("cli", "check", app.domain.hasher.nik(parsed.value), decision.status.value)
        if as_json:
            click.echo(json.dumps(decision_json(decision, app.domain.wilayah), ensure_ascii=False))
        else:
            click.echo(f"NIK {parsed.masked()}")
            click.echo(decision_text(_, decision, app.domain, operator=True))

    await _with_app(database_url, body)


@main.command("report")
@click.option("--json", "as_json", is_flag=True)
@click.option("--lang", default="id", type=click.Choice(["id", "en"]))
@db_option
@run_async
async def report_command(as_json: bool, lang: str, database_url: str | None) -> None:
    """Program report per kecamatan: registry, eligible, enrolled, quota and budget."""
    from sigap_core.i18n import Translator
    from sigap_core.services import program_report

    async def body(app: App) -> None:
        async with app.store.reader() as uow:  # read-only: the report takes no write lock
            report = await program_report(uow, app.domain, app.today())
        click.echo(format_report(report, Translator(lang), as_json))

    await _with_app(database_url, body)


def format_report(report: ProgramReport, _: Translator, as_json: bool = False) -> str:
    rows = [*report.rows, report.outside]
    if as_json:
        return json.dumps(
            {
                "kecamatan": [
                    {
                        "code": r.code,
                        "name": r.name,
                        "in_registry": r.in_registry,
                        "eligible_priority": r.eligible_priority,
                        "eligible": r.eligible,
                        "enrolled": r.enrolled,
                        "budget_used": r.enrolled * report.yearly_contribution,
                    }
                    for r in rows
                ],
                "quota": report.quota,
                "enrolled": report.enrolled,
                "yearly_contribution": report.yearly_contribution,
                "budget_used": report.budget_used,
                "budget_quota": report.budget_quota,
            },
            ensure_ascii=False,
        )
    labels = [_("Kecamatan"), _("Terdata"), _("Prioritas"), _("Layak"), _("Terdaftar"), _("Iuran/tahun")]
    widths = (22, 10, 11, 9, 11, 18)

    def line(cells: list[str]) -> str:
        return cells[0].ljust(widths[0]) + "".join(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))

    header = line(labels)
    lines = [header, "-" * len(header)]
    for r in rows:
        if r is report.outside and r.in_registry == 0:
            continue
        name = _("(di luar Kota Bekasi)") if r is report.outside else r.name
        lines.append(
            line(
                [
                    name,
                    _.number(r.in_registry),
                    _.number(r.eligible_priority),
                    _.number(r.eligible),
                    _.number(r.enrolled),
                    _.money(r.enrolled * report.yearly_contribution),
                ]
            )
        )
    lines.append("-" * len(header))
    lines.append(
        line(
            [
                _("Jumlah"),
                _.number(sum(r.in_registry for r in rows)),
                _.number(sum(r.eligible_priority for r in rows)),
                _.number(sum(r.eligible for r in rows)),
                _.number(report.enrolled),
                _.money(report.budget_used),
            ]
        )
    )
    used = report.enrolled / report.quota * 100 if report.quota else 0.0
    lines.append("")
    lines.append(
        _("Kuota {quota} orang: terpakai {enrolled} ({percent}%). Iuran {per_year} per orang per tahun.").format(
            quota=_.number(report.quota),
            enrolled=_.number(report.enrolled),
            percent=f"{used:.1f}".replace(".", "," if _.lang == "id" else "."),
            per_year=_.money(report.yearly_contribution),
        )
    )
    lines.append(
        _("Anggaran: {used} dari {total}.").format(used=_.money(report.budget_used), total=_.money(report.budget_quota))
    )
    return "\n".join(lines)


@main.command("chat")
@click.option(
    "--user",
    default="local",
    show_default=True,
    help="Who you are in this chat (dialog state is kept per user).",
)
@click.option("--lang", default="id", type=click.Choice(["id", "en"]), show_default=True)
@db_option
@run_async
async def chat_command(user: str, lang: str, database_url: str | None) -> None:
    """Talk to the bot in the terminal (interactive, or one message per line when piped)."""
    from bot.console import run_console

    await _with_app(database_url, lambda app: run_console(app, user=user, lang=lang))


@main.command("nlu")
def nlu_command() -> None:
    """Read text lines on stdin, write one JSON object per line: intent, confidence, entities."""
    from handlers.nlu import understand

    for line in sys.stdin:
        text = line.rstrip("\n")
        click.echo(json.dumps(understand(text).as_json(), ensure_ascii=False))


@main.command("run")
@click.option("--demo", is_flag=True, help="Allow the generated demo key instead of SIGAP_SECRET_KEY.")
@db_option
@run_async
async def run_command(demo: bool, database_url: str | None) -> None:
    """The service: Telegram (webhook or polling), the webhooks, /healthz."""
    from sigap_core.config import Settings

    settings = Settings()
    if not settings.has_real_secret and not demo:
        raise click.ClickException("SIGAP_SECRET_KEY is not set: refusing to start (use --demo to try with a demo key)")
    if not settings.telegram_enabled and not settings.whatsapp_enabled:
        raise click.ClickException(
            "no chat channel is configured (set SIGAP_TELEGRAM_TOKEN, or the SIGAP_WHATSAPP_* settings). "
            "To talk to the bot in this terminal: sigap chat"
        )
    from bot.web import ConfigurationError, serve

    async def body(app: App) -> None:
        try:
            await serve(app)
        except ConfigurationError as error:
            raise click.ClickException(str(error)) from error

    await _with_app(database_url, body)


def _kelurahan_arg(app: App, value: str, allow_all: bool) -> str | None:
    if allow_all and value.lower() in ("all", "semua"):
        return None
    wilayah = app.domain.wilayah
    place = wilayah.get(value) or wilayah.find_kelurahan(value)
    if place is None:
        raise click.ClickException(f"unknown kelurahan {value!r} (a Kemendagri code like 32.75.08.1005, or a name)")
    return place.code


@main.group()
def staff() -> None:
    """Kelurahan staff: one-time invite codes, list, revoke."""


@staff.command("invite")
@click.option("--kelurahan", "kelurahan", default=None, help="Code or name (not needed for --role admin).")
@click.option("--role", type=click.Choice(["staff", "admin"]), default="staff", show_default=True)
@db_option
@run_async
async def staff_invite(kelurahan: str | None, role: str, database_url: str | None) -> None:
    """Print a one-time code; the staff member sends `/petugas CODE` in Telegram or WhatsApp."""
    from sigap_core.broadcasts import INVITE_DAYS, BroadcastError, create_invite
    from sigap_core.store.repositories import utcnow

    async def body(app: App) -> None:
        if role == "staff" and not kelurahan:
            raise click.ClickException("--kelurahan is required for --role staff")
        kode = _kelurahan_arg(app, kelurahan, allow_all=False) if role == "staff" and kelurahan else None
        async with app.store.uow() as uow:
            try:
                code, invite = await create_invite(uow, app.domain, role, kode, utcnow())
            except BroadcastError as error:
                raise click.ClickException(error.code) from error
        place = app.domain.wilayah.get(kode) if kode else None
        scope = f"staff of Kelurahan {place.name} ({kode})" if place else "admin of the whole city"
        click.echo(f"invite #{invite.id}: {scope}, single use, expires in {INVITE_DAYS} days")
        click.echo(f"code: {code}")
        click.echo(f"The staff member sends this to the bot:  /petugas {code}")

    await _with_app(database_url, body)


@staff.command("list")
@db_option
@run_async
async def staff_list(database_url: str | None) -> None:
    """All staff chats, with role, kelurahan and state."""
    from sigap_core.broadcasts import list_staff

    async def body(app: App) -> None:
        async with app.store.reader() as uow:
            people = await list_staff(uow)
        if not people:
            click.echo("no staff yet: create a code with `sigap staff invite`")
        for person in people:
            place = app.domain.wilayah.get(person.kode_kelurahan) if person.kode_kelurahan else None
            state = "revoked" if person.revoked_at else "active"
            where = place.name if place else "(whole city)"
            click.echo(f"#{person.id:<4} {person.role:<6} {where:<22} {person.channel}:{person.user_key}  {state}")

    await _with_app(database_url, body)


@staff.command("revoke")
@click.argument("staff_id", type=int)
@db_option
@run_async
async def staff_revoke(staff_id: int, database_url: str | None) -> None:
    """Take staff rights away from a chat."""
    from sigap_core.broadcasts import BroadcastError, revoke_staff
    from sigap_core.store.repositories import utcnow

    async def body(app: App) -> None:
        async with app.store.uow() as uow:
            try:
                await revoke_staff(uow, staff_id, utcnow())
            except BroadcastError as error:
                raise click.ClickException(f"no staff #{staff_id}") from error
        click.echo(f"staff #{staff_id} revoked")

    await _with_app(database_url, body)


@main.group()
def broadcast() -> None:
    """Announcements to subscribers (the CLI acts as city admin)."""


@broadcast.command("create")
@click.option("--kelurahan", required=True, help="Code, name, or `all`.")
@click.option("--audience", type=click.Choice(["all", "eligible", "enrolled", "needs_update"]), required=True)
@click.option("--text", "text", required=True)
@click.option("--at", "at", default=None, help="ISO time; without a zone it is WIB. Default: now.")
@db_option
@run_async
async def broadcast_create(kelurahan: str, audience: str, text: str, at: str | None, database_url: str | None) -> None:
    """Queue a broadcast; `sigap run` sends it at the channel's rate."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sigap_core.broadcasts import CLI_ACTOR, BroadcastError, create_broadcast
    from sigap_core.store.repositories import utcnow

    async def body(app: App) -> None:
        kode = _kelurahan_arg(app, kelurahan, allow_all=True)
        now = utcnow()
        send_at = now
        if at:
            try:
                parsed = datetime.fromisoformat(at)
            except ValueError as error:
                raise click.ClickException(f"--at: not an ISO time: {at!r}") from error
            send_at = parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo("Asia/Jakarta"))
        async with app.store.uow() as uow:
            try:
                item, count = await create_broadcast(
                    uow, app.domain, CLI_ACTOR, kode, audience, text, send_at, now, app.today()
                )
            except BroadcastError as error:
                raise click.ClickException(f"{error.code} {error.params or ''}".strip()) from error
        click.echo(f"broadcast #{item.id}: {count} recipients, sending from {send_at.isoformat()}")

    await _with_app(database_url, body)


@broadcast.command("list")
@db_option
@run_async
async def broadcast_list(database_url: str | None) -> None:
    """Recent broadcasts with their state."""
    from sigap_core.broadcasts import CLI_ACTOR, counts, list_broadcasts, sent_count

    async def body(app: App) -> None:
        async with app.store.reader() as uow:
            items = await list_broadcasts(uow, CLI_ACTOR, limit=50)
            for item in items:
                tally = await counts(uow, item.id)
                total = sum(v for k, v in tally.items() if k != "recovered_after_crash")
                place = app.domain.wilayah.get(item.kode_kelurahan) if item.kode_kelurahan else None
                click.echo(
                    f"#{item.id:<4} {item.status:<10} {(place.name if place else 'all'):<20} {item.audience:<12} "
                    f"sent {sent_count(tally)}/{total}  {item.text[:40]!r}"
                )
        if not items:
            click.echo("no broadcasts yet")

    await _with_app(database_url, body)


@broadcast.command("show")
@click.argument("broadcast_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@db_option
@run_async
async def broadcast_show(broadcast_id: int, as_json: bool, database_url: str | None) -> None:
    """Counts per delivery state."""
    from sigap_core.broadcasts import CLI_ACTOR, BroadcastError, counts, visible_broadcast

    async def body(app: App) -> None:
        async with app.store.reader() as uow:
            try:
                item = await visible_broadcast(uow, CLI_ACTOR, broadcast_id)
            except BroadcastError as error:
                raise click.ClickException(f"no broadcast #{broadcast_id}") from error
            tally = dict(await counts(uow, broadcast_id))
        if as_json:
            click.echo(json.dumps({"id": item.id, "status": item.status, "audience": item.audience, "counts": tally}))
            return
        click.echo(f"#{item.id} {item.status} audience={item.audience} send_at={item.send_at}")
        for state in ("pending", "sending", "sent", "delivered", "read", "failed", "opted_out", "blocked", "cancelled"):
            click.echo(f"  {state:<10} {tally.get(state, 0)}")
        if tally.get("recovered_after_crash"):
            click.echo(f"  resent after a crash (may have arrived twice): {tally['recovered_after_crash']}")

    await _with_app(database_url, body)


@broadcast.command("cancel")
@click.argument("broadcast_id", type=int)
@db_option
@run_async
async def broadcast_cancel(broadcast_id: int, database_url: str | None) -> None:
    """Stop a scheduled or running broadcast; what was sent stays sent."""
    from sigap_core.broadcasts import CLI_ACTOR, BroadcastError, cancel_broadcast, sent_count
    from sigap_core.store.repositories import utcnow

    async def body(app: App) -> None:
        async with app.store.uow() as uow:
            try:
                tally = await cancel_broadcast(uow, CLI_ACTOR, broadcast_id, utcnow())
            except BroadcastError as error:
                raise click.ClickException(f"cannot cancel #{broadcast_id}: {error.code}") from error
        click.echo(
            f"broadcast #{broadcast_id} cancelled: sent {sent_count(tally)}, cancelled {tally.get('cancelled', 0)}"
        )

    await _with_app(database_url, body)


@main.command("prune")
@db_option
@run_async
async def prune_command(database_url: str | None) -> None:
    """Delete expired conversations, links, counters and delivery records (`sigap run` does this hourly)."""
    from sigap_core.retention import prune
    from sigap_core.store.repositories import utcnow

    async def body(app: App) -> None:
        async with app.store.uow() as uow:
            removed = await prune(uow, app.policy, utcnow())
        click.echo(", ".join(f"{name} {count}" for name, count in removed.items()))

    await _with_app(database_url, body)


@main.command("demo")
@click.option("--people", default=2000, show_default=True, type=int)
@click.option("--no-chat", is_flag=True, help="Only prepare the demo database and print the report.")
@db_option
@run_async
async def demo_command(people: int, no_chat: bool, database_url: str | None) -> None:
    """Prepare a demo database from synthetic data, print the report, then open the terminal chat."""
    from sigap_core.demo import generate, write_files
    from sigap_core.i18n import Translator
    from sigap_core.importers.service import import_file
    from sigap_core.services import program_report

    async def body(app: App) -> None:
        out = app.settings.var_dir / "demo"
        persons, peserta, samples = generate(people, 7, app.domain.wilayah, app.today())
        write_files(out, persons, peserta, 7)
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
        _print_samples(samples)
        if no_chat:
            return
        from bot.console import run_console

        click.echo("")
        await run_console(app, user="demo", lang="id")

    await _with_app(database_url, body)


if __name__ == "__main__":  # pragma: no cover
    main()

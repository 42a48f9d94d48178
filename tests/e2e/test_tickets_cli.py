"""`sigap tickets list|show|export` and the tickets part of `sigap report`: what each command prints, refuses
and writes, run in this process (`sigap_here`: the same code from `main` down, the same exit codes and
stderr); nothing here is about the process boundary, which tests/e2e/test_cli.py covers."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.bootstrap import bootstrap
from sigap_core import tickets
from sigap_core.config import Settings
from sigap_core.store import models
from sigap_core.store.repositories import UnitOfWork
from sigap_core.working_hours import WIB
from tests.conftest import TEST_SECRET
from tests.e2e.cli_support import env, sigap_here

__all__ = ["env"]  # fixtures used by name

BEKASIJAYA = "32.75.01.1001"
MARGAHAYU = "32.75.01.1002"
OLD_QUESTION = "Data saya salah di DTSEN, NIK sudah benar tapi desil tidak sesuai"
NEW_QUESTION = "Sudah update tapi belum masuk, harus ke mana?"
CLOSED_QUESTION = "Suami saya kecelakaan kerja, saya harus ke mana dulu?"
ANSWER = "Silakan bawa KTP dan KK ke kantor kelurahan pada jam kerja."


async def _petugas(uow: UnitOfWork, now: datetime) -> models.Staff:
    """Bekasijaya's staff chat, which answers, closes and transfers in the seeds."""
    return await uow.staff.add(
        models.Staff(
            channel="telegram",
            user_key="petugas",
            role="staff",
            kode_kelurahan=BEKASIJAYA,
            invite_id=0,
            created_at=now,
        )
    )


async def _seed(directory: Path, url: str) -> dict[str, int]:
    settings = Settings(var_dir=directory / "var", secret_key=TEST_SECRET, _env_file=None)  # type: ignore[call-arg]
    app = await bootstrap(settings, url)
    now = datetime.now(UTC)
    try:
        async with app.store.uow() as uow:
            staff = await _petugas(uow, now)
        ids = {}
        for name, kode, text, age in (
            ("old", BEKASIJAYA, OLD_QUESTION, timedelta(days=3)),
            ("closed", BEKASIJAYA, CLOSED_QUESTION, timedelta(days=1)),
            ("new", MARGAHAYU, NEW_QUESTION, timedelta(hours=1)),
        ):
            async with app.store.uow() as uow:
                view = await tickets.open_ticket(
                    uow,
                    domain=app.domain,
                    channel="whatsapp",
                    user_key=f"62811{len(ids)}",
                    lang="id",
                    kode_kelurahan=kode,
                    topic="data",
                    text=text,
                    now=now - age,
                )
            ids[name] = view.id
        async with app.store.uow() as uow:
            at = now - timedelta(days=1) + timedelta(minutes=30)
            assert (await tickets.reply(uow, staff, ids["closed"], at, ANSWER)).ok
            assert (await tickets.close(uow, staff, ids["closed"], at)).ok
        async with app.store.uow() as uow:
            assert await tickets.rate(uow, "whatsapp", "628111", ids["closed"], True, now)
    finally:
        await app.close()
    return ids


@pytest.fixture
def seeded(env: dict[str, str], tmp_path: Path) -> tuple[dict[str, str], dict[str, int]]:
    sigap_here(env, "db", "upgrade")
    return env, asyncio.run(_seed(tmp_path, env["SIGAP_DATABASE_URL"]))


def test_list_filters_by_state_kelurahan_and_age_oldest_first(seeded: tuple[dict[str, str], dict[str, int]]) -> None:
    environment, ids = seeded
    lines = sigap_here(environment, "tickets", "list").stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == [f"#{ids['old']}", f"#{ids['new']}"]
    assert lines[-1] == "2 ticket(s)"
    closed = sigap_here(environment, "tickets", "list", "--state", "closed", "--json").stdout
    assert [row["number"] for row in json.loads(closed)] == [f"#{ids['closed']}"]
    everything = json.loads(sigap_here(environment, "tickets", "list", "--state", "all", "--json").stdout)
    assert [row["number"] for row in everything] == [f"#{ids[n]}" for n in ("old", "closed", "new")]
    by_name = json.loads(sigap_here(environment, "tickets", "list", "--kelurahan", "Margahayu", "--json").stdout)
    assert [row["number"] for row in by_name] == [f"#{ids['new']}"]
    by_code = json.loads(sigap_here(environment, "tickets", "list", "--kelurahan", BEKASIJAYA, "--json").stdout)
    assert [row["number"] for row in by_code] == [f"#{ids['old']}"]
    old = json.loads(sigap_here(environment, "tickets", "list", "--older-than", "2d", "--json").stdout)
    assert [row["number"] for row in old] == [f"#{ids['old']}"]
    assert all(OLD_QUESTION not in json.dumps(row) for row in everything)
    bad_age = sigap_here(environment, "tickets", "list", "--older-than", "2 tahun", check=False)
    assert bad_age.returncode == 2 and "2d, 36h, 90m or 1w" in bad_age.stderr
    nowhere = sigap_here(environment, "tickets", "list", "--kelurahan", "Atlantis", check=False)
    assert nowhere.returncode == 1 and "unknown kelurahan" in nowhere.stderr


def test_show_prints_one_ticket_with_its_messages(seeded: tuple[dict[str, str], dict[str, int]]) -> None:
    environment, ids = seeded
    out = sigap_here(environment, "tickets", "show", str(ids["closed"])).stdout
    assert out.startswith(f"ticket #{ids['closed']}: closed, Kelurahan Bekasijaya ({BEKASIJAYA})")
    assert CLOSED_QUESTION in out and ANSWER in out and "rating up" in out and "staff (staff #1):" in out
    missing = sigap_here(environment, "tickets", "show", "999", check=False)
    assert missing.returncode == 1 and "no ticket #999" in missing.stderr


def test_export_writes_metadata_without_texts_to_csv_and_xlsx(
    seeded: tuple[dict[str, str], dict[str, int]], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    environment, ids = seeded
    # The same default as `list` (not closed), and said so.
    out = sigap_here(environment, "tickets", "export", str(tmp_path / "default.csv")).stdout
    assert out.strip() == f"wrote 2 ticket(s) (open, answered) to {tmp_path / 'default.csv'} (metadata only, no texts)"
    listed = json.loads(sigap_here(environment, "tickets", "list", "--json").stdout)
    exported = list(csv.DictReader((tmp_path / "default.csv").read_text(encoding="utf-8").splitlines()))
    assert (
        [row["number"] for row in exported]
        == [row["number"] for row in listed]
        == [
            f"#{ids['old']}",
            f"#{ids['new']}",
        ]
    )
    out = sigap_here(environment, "tickets", "export", str(tmp_path / "t.csv"), "--state", "all").stdout
    assert (
        out.strip() == f"wrote 3 ticket(s) (open, answered, closed) to {tmp_path / 't.csv'} (metadata only, no texts)"
    )
    raw = (tmp_path / "t.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(raw.splitlines()))
    assert [row["number"] for row in rows] == [f"#{ids[n]}" for n in ("old", "closed", "new")]
    closed = rows[1]
    assert (
        closed["state"],
        closed["rating"],
        closed["within_sla"],
        closed["kecamatan"],
        closed["closed_without_answer"],
        closed["erased"],
        closed["transferred_from"],
        closed["transfers"],
    ) == ("closed", "up", "True", "Bekasi Timur", "False", "False", "", "0")
    # Unanswered: late once its deadline (office time, so it depends on today's weekday) has passed.
    late = rows[0]["due_at"] <= datetime.now(WIB).strftime("%Y-%m-%d %H:%M")
    assert rows[0]["first_response_at"] == "" and rows[0]["within_sla"] == ("False" if late else "")
    for text in (OLD_QUESTION, NEW_QUESTION, CLOSED_QUESTION, ANSWER, "62811"):
        assert text not in raw
    sigap_here(
        environment, "tickets", "export", str(tmp_path / "t.xlsx"), "--state", "open", "--kelurahan", "Margahayu"
    )
    sheet = load_workbook(tmp_path / "t.xlsx", read_only=True)["Tiket"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ["number", "kode_kelurahan", "kelurahan"] and len(values) == 2
    assert values[1][:3] == [f"#{ids['new']}", MARGAHAYU, "Margahayu"]
    wrong = sigap_here(environment, "tickets", "export", str(tmp_path / "t.pdf"), check=False)
    assert wrong.returncode == 1 and ".csv or .xlsx" in wrong.stderr


async def _seed_transferred(directory: Path, url: str) -> int:
    """One ticket asked in Bekasijaya, moved by its staff to Margahayu."""
    settings = Settings(var_dir=directory / "var", secret_key=TEST_SECRET, _env_file=None)  # type: ignore[call-arg]
    app = await bootstrap(settings, url)
    now = datetime.now(UTC)
    try:
        async with app.store.uow() as uow:
            staff = await _petugas(uow, now)
            view = await tickets.open_ticket(
                uow,
                domain=app.domain,
                channel="whatsapp",
                user_key="628119",
                lang="id",
                kode_kelurahan=BEKASIJAYA,
                topic="data",
                text=NEW_QUESTION,
                now=now,
            )
        async with app.store.uow() as uow:
            assert (await tickets.transfer(uow, staff, view.id, now, MARGAHAYU)).ok
    finally:
        await app.close()
    return view.id


def test_export_names_where_a_transferred_ticket_was_asked(env: dict[str, str], tmp_path: Path) -> None:
    sigap_here(env, "db", "upgrade")
    ticket_id = asyncio.run(_seed_transferred(tmp_path, env["SIGAP_DATABASE_URL"]))
    sigap_here(env, "tickets", "export", str(tmp_path / "t.csv"))
    [row] = list(csv.DictReader((tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()))
    assert (row["number"], row["kode_kelurahan"], row["transferred_from"], row["transfers"]) == (
        f"#{ticket_id}",
        MARGAHAYU,
        BEKASIJAYA,
        "1",
    )


def test_report_counts_tickets_per_kelurahan(seeded: tuple[dict[str, str], dict[str, int]], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    environment, _ids = seeded
    data = json.loads(sigap_here(environment, "report", "--json", "--xlsx", str(tmp_path / "r.xlsx")).stdout)["tickets"]
    assert data["sla_working_days"] == 2
    assert (data["total"]["tickets"], data["total"]["open"], data["total"]["answered"]) == (3, 2, 1)
    assert data["total"]["up_percent"] == 100.0
    rows = {row["name"]: row for row in data["kelurahan"]}
    assert list(rows) == ["Bekasijaya", "Margahayu"]
    assert rows["Bekasijaya"]["tickets"] == 2 and rows["Margahayu"]["open"] == 1
    assert (data["total"]["resolved"], data["total"]["closed_unanswered"], data["total"]["erased"]) == (1, 0, 0)
    text = sigap_here(environment, "report").stdout
    assert "Pertanyaan ke petugas (tiket)" in text and "Bekasijaya" in text
    header = next(line for line in text.splitlines() if line.startswith("Kelurahan "))
    assert header.split() == [
        "Kelurahan", "Tiket", "Terbuka", "Respons", "(median)", "Tepat", "waktu", "Selesai", "(median)", "Tanpa",
        "jawaban", "Dihapus", "Dipindah", "👍",
    ]  # fmt: skip
    sheet = load_workbook(tmp_path / "r.xlsx", read_only=True)["Tiket"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [row[1] for row in values[1:]] == ["Bekasijaya", "Margahayu", "Jumlah"]
    assert values[-1][2:5] == [3, 2, 1]

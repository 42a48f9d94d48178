"""`sigap selection …` as operators run it, on a real database file: the commands run in this process
(`sigap_here`, click's runner); `selection export` (it sets the process's SIGTERM handler) and a refusal's
exit code run as real processes (`sigap`)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.bootstrap import App
from bot.sender import BroadcastSender
from tests.conftest import TEST_SECRET, polling_bot
from tests.e2e.cli_support import env, loaded, loaded_template, sigap, sigap_here
from tests.fakes.telegram_api import FakeTelegram, callback, private_message
from tests.integration.helpers import KK4, NIK, dtsen, peserta

__all__ = ["env", "loaded", "loaded_template"]  # fixtures used by name


def test_check_json_says_selected_and_waiting_list_after_a_round(loaded: dict[str, str]) -> None:
    # Quota 2: the enrolled sample person holds one place, the priority (desil 2) person gets the other,
    # the desil-5 person waits.
    out = sigap_here(loaded, "selection", "run", "--quota", "2", "--note", "first round").stdout
    assert "selected now 1" in out and "waiting list 1" in out and "round #1 recorded" in out

    def status(who: str) -> str:
        result = json.loads(sigap_here(loaded, "check", NIK[who], "--kk4", KK4[who], "--json").stdout)
        return str(result["status"])

    assert status("priority") == "selected"
    assert status("eligible") == "waiting_list"
    assert status("enrolled") == "enrolled"
    assert status("rich") == "desil_above_limit"
    text = sigap_here(loaded, "check", NIK["eligible"], "--kk4", KK4["eligible"]).stdout
    assert "DAFTAR TUNGGU" in text
    assert "#" not in text.split("DAFTAR TUNGGU", 1)[1]  # no rank number shown
    assert "TERPILIH" in sigap_here(loaded, "check", NIK["priority"], "--kk4", KK4["priority"]).stdout
    english = sigap_here(loaded, "check", NIK["priority"], "--kk4", KK4["priority"], "--lang", "en").stdout
    assert "SELECTED" in english


def test_dry_run_and_rerun_record_nothing_new(loaded: dict[str, str]) -> None:
    assert "dry run: nothing recorded" in sigap_here(loaded, "selection", "run", "--quota", "2", "--dry-run").stdout
    assert "no selection round yet" in sigap_here(loaded, "selection", "list").stdout
    sigap_here(loaded, "selection", "run", "--quota", "2")
    assert "nothing changed" in sigap_here(loaded, "selection", "run", "--quota", "2").stdout
    listing = sigap_here(loaded, "selection", "list").stdout.strip().splitlines()
    assert len(listing) == 1 and listing[0].startswith("#1")
    shown = json.loads(sigap_here(loaded, "selection", "show", "1", "--json").stdout)
    assert (shown["selected"], shown["waiting_list"], shown["enrolled_now"]) == (1, 1, 0)
    assert shown["policy"]["order"] == ["tier", "desil", "lottery"]


def test_show_of_an_unknown_round_exits_non_zero(loaded: dict[str, str], tmp_path: Path) -> None:
    result = sigap(loaded, "selection", "show", "9", check=False)
    assert result.returncode != 0 and "no selection round #9" in result.stderr


@pytest.mark.long(10)
async def test_from_import_to_an_active_card_and_exactly_one_enrolled_notice(
    sqlite_app: App, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """import → selection → export → (BPJS enrols) peserta import → the citizen sees AKTIF and is told once."""
    cli = {
        **os.environ,
        "SIGAP_SECRET_KEY": TEST_SECRET,
        "SIGAP_DATABASE_URL": str(sqlite_app.store.engine.url),
        "SIGAP_VAR_DIR": str(tmp_path / "var"),
    }

    async def here(*args: str) -> str:
        """The command in this process, on a thread (this loop keeps serving the bot meanwhile)."""
        return (await asyncio.to_thread(sigap_here, cli, *args)).stdout

    async def process(*args: str) -> str:
        """The command as a real process (`selection export` sets its own SIGTERM handler)."""
        return (await asyncio.to_thread(sigap, cli, *args)).stdout

    registry = dtsen(tmp_path / "dtsen.csv")
    await here("import", "dtsen", str(registry))
    await here("import", "peserta", str(peserta(tmp_path / "peserta.csv")))
    assert "selected now 1" in await here("selection", "run", "--quota", "2")
    citizen = 4242
    async with polling_bot(sqlite_app, fake_telegram) as telegram:
        steps = [
            (private_message(citizen, "/start"), 1),
            (callback(citizen, "check"), 2),
            (callback(citizen, "consent:yes"), 3),
            (private_message(citizen, NIK["priority"]), 4),
            (private_message(citizen, KK4["priority"]), 6),
            (callback(citizen, "keep:yes"), 7),
            (private_message(citizen, "langganan info bekasijaya"), 8),
        ]
        for update, count in steps:
            fake_telegram.push(update)
            await fake_telegram.wait_sent(citizen, count)
        texts = [c.params["text"] for c in fake_telegram.sent(citizen)]
        assert "TERPILIH" in texts[4] and "Anda berlangganan" in texts[-1]

        sender = BroadcastSender(sqlite_app.store, sqlite_app.domain, "telegram", telegram.deliver_announcement, 25)
        assert "selected       1 people" in await here("selection", "notify")
        await sender.step()
        await fake_telegram.wait_sent(citizen, 9)
        assert "Anda TERPILIH" in fake_telegram.sent(citizen)[-1].params["text"]

        out = tmp_path / "enrolment.xlsx"
        exported = await process("selection", "export", "1", "--source", str(registry), "--out", str(out))
        assert "wrote 1 of 1 selected people" in exported
        sheet = load_workbook(out).active
        assert sheet is not None
        niks = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert niks == [NIK["priority"]]
        # BPJS Ketenagakerjaan enrols the people in the file; its participation list comes back.
        enrolled = [f"{nik},55566677788,SIGAP,JKK+JKM,2026-11-01,2027-10-31,AKTIF" for nik in niks]
        await here("import", "peserta", str(peserta(tmp_path / "peserta-2.csv", enrolled)))
        shown = json.loads(await here("selection", "show", "1", "--json"))
        assert (shown["selected"], shown["enrolled_now"]) == (1, 1)

        fake_telegram.push(private_message(citizen, "status kepesertaan"))
        await fake_telegram.wait_sent(citizen, 10)
        assert "Status: AKTIF" in fake_telegram.sent(citizen)[-1].params["text"]

        first = await here("selection", "notify")
        second = await here("selection", "notify")
        assert "enrolled       1 people" in first and "nothing due" in second
        while await sender.step():
            pass
        notices = [c.params["text"] for c in fake_telegram.sent(citizen) if "sudah AKTIF" in c.params["text"]]
        assert len(notices) == 1
        assert "JMO" in notices[0] and "2×24 jam" in notices[0]
        assert "enrolled  broadcast" in await here("selection", "notices")


def test_export_refuses_a_round_of_another_key_and_writes_nothing(loaded: dict[str, str], tmp_path: Path) -> None:
    sigap_here(loaded, "selection", "run", "--quota", "2")
    registry = dtsen(tmp_path / "again.csv")
    out = tmp_path / "enrolment.xlsx"
    other_key = {**loaded, "SIGAP_SECRET_KEY": "a-different-secret-key-for-this-test"}
    refused = sigap_here(
        other_key, "selection", "export", "1", "--source", str(registry), "--out", str(out), check=False
    )
    assert refused.returncode != 0 and "different SIGAP_SECRET_KEY" in refused.stderr
    assert not out.exists()
    written = sigap(loaded, "selection", "export", "1", "--source", str(registry), "--out", str(out)).stdout
    assert "wrote 1 of 1 selected people" in written and out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []

"""`sigap selection …` as operators run it: real processes on a real database file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import env, loaded, sigap
from tests.integration.helpers import KK4, NIK

__all__ = ["env", "loaded"]  # fixtures


def test_check_json_says_selected_and_waiting_list_after_a_round(loaded: dict[str, str]) -> None:
    # Quota 2: the enrolled sample person holds one place, the priority (desil 2) person gets the other,
    # the desil-5 person waits.
    out = sigap(loaded, "selection", "run", "--quota", "2", "--note", "first round").stdout
    assert "selected now 1" in out and "waiting list 1" in out and "round #1 recorded" in out

    def status(who: str) -> str:
        result = json.loads(sigap(loaded, "check", NIK[who], "--kk4", KK4[who], "--json").stdout)
        return str(result["status"])

    assert status("priority") == "selected"
    assert status("eligible") == "waiting_list"
    assert status("enrolled") == "enrolled"
    assert status("rich") == "desil_above_limit"
    text = sigap(loaded, "check", NIK["eligible"], "--kk4", KK4["eligible"]).stdout
    assert "DAFTAR TUNGGU" in text
    assert "#" not in text.split("DAFTAR TUNGGU", 1)[1]  # no rank number shown
    assert "TERPILIH" in sigap(loaded, "check", NIK["priority"], "--kk4", KK4["priority"]).stdout
    english = sigap(loaded, "check", NIK["priority"], "--kk4", KK4["priority"], "--lang", "en").stdout
    assert "SELECTED" in english


def test_dry_run_and_rerun_record_nothing_new(loaded: dict[str, str]) -> None:
    assert "dry run: nothing recorded" in sigap(loaded, "selection", "run", "--quota", "2", "--dry-run").stdout
    assert "no selection round yet" in sigap(loaded, "selection", "list").stdout
    sigap(loaded, "selection", "run", "--quota", "2")
    assert "nothing changed" in sigap(loaded, "selection", "run", "--quota", "2").stdout
    listing = sigap(loaded, "selection", "list").stdout.strip().splitlines()
    assert len(listing) == 1 and listing[0].startswith("#1")
    shown = json.loads(sigap(loaded, "selection", "show", "1", "--json").stdout)
    assert (shown["selected"], shown["waiting_list"], shown["enrolled_now"]) == (1, 1, 0)
    assert shown["policy"]["order"] == ["tier", "desil", "lottery"]


def test_show_of_an_unknown_round_exits_non_zero(loaded: dict[str, str], tmp_path: Path) -> None:
    result = sigap(loaded, "selection", "show", "9", check=False)
    assert result.returncode != 0 and "no selection round #9" in result.stderr

"""The `sigap` command as operators and acceptance tests use it, on a real database file: what each command
prints, refuses and records runs in this process (`sigap_here`); that the command works as a real process —
its JSON on stdout, a refusal's exit code and stderr, piped chat surviving a restart — runs as one
(`sigap`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import built_once, copy_sqlite_database
from tests.e2e.cli_support import cli_env, env, loaded, loaded_template, sigap, sigap_here

__all__ = ["env", "loaded", "loaded_template"]  # fixtures used by name
from tests.integration.helpers import GOOD, KK4, NIK, OUTCOME_STATUS, OUTCOME_TEXT, dtsen

STATUS = OUTCOME_STATUS


def test_check_json_for_every_status(loaded: dict[str, str]) -> None:
    for who, status in STATUS.items():
        out = json.loads(sigap_here(loaded, "check", NIK[who], "--kk4", KK4[who], "--json").stdout)
        assert out["status"] == status
        assert set(out) >= {"status", "reasons", "kelurahan", "desil", "coverage"}
    enrolled = json.loads(sigap_here(loaded, "check", NIK["enrolled"], "--json").stdout)
    assert enrolled["coverage"]["state"] == "active" and enrolled["kelurahan"]
    assert (
        json.loads(sigap_here(loaded, "check", NIK["priority"], "--kk4", "9999", "--json").stdout)["status"]
        == "kk_mismatch"
    )
    # The same command as a real process: its JSON on stdout.
    assert json.loads(sigap(loaded, "check", "3275016612990999", "--json").stdout)["status"] == "not_found"


def test_check_refuses_a_malformed_nik_with_a_reason(loaded: dict[str, str]) -> None:
    result = sigap(loaded, "check", "327501410190001", check=False)
    assert result.returncode != 0 and "15 digit" in result.stderr


@pytest.mark.parametrize("who", list(STATUS))
def test_piped_chat_journey_for_every_outcome(loaded: dict[str, str], who: str) -> None:
    script = f"halo\n1\n1\n{NIK[who]}\n{KK4[who]}\n"
    out = sigap_here(loaded, "chat", "--user", who, stdin=script).stdout
    assert "[1] Cek kelayakan" in out and "[2] Tidak setuju" in out
    assert OUTCOME_TEXT[who] in out
    assert NIK[who] not in out


def test_piped_chat_buttons_by_label_and_unknown_nik(loaded: dict[str, str]) -> None:
    out = sigap_here(loaded, "chat", stdin="halo\nCek kelayakan\nsetuju\n3275016612990999\n1234\n").stdout
    assert "belum masuk DTSEN" in out


def test_dialog_survives_a_restart(loaded: dict[str, str]) -> None:
    first = sigap(loaded, "chat", "--user", "restart", stdin=f"cek\n1\n{NIK['enrolled']}\n").stdout
    assert "4 digit terakhir nomor KK" in first
    second = sigap(loaded, "chat", "--user", "restart", stdin=f"{KK4['enrolled']}\n").stdout
    assert "Status: AKTIF" in second


def test_chat_in_english(loaded: dict[str, str]) -> None:
    out = sigap_here(loaded, "chat", "--lang", "en", stdin="hello\n").stdout
    assert "Check eligibility" in out


def test_nlu_writes_one_json_object_per_line(env: dict[str, str]) -> None:
    out = sigap_here(env, "nlu", stdin="sy mau cek bpjs gratis dr pemkot\nberhenti\nnik 3275 0141 0190 0001\n").stdout
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["intent"] for line in lines] == ["check_eligibility", "unsubscribe", "check_eligibility"]
    assert lines[2]["entities"] == {"nik": "3275014101900001"}
    assert all(0 <= line["confidence"] <= 1 for line in lines)


def test_import_reports_counts_and_refuses_a_wrong_header(env: dict[str, str], tmp_path: Path) -> None:
    path = dtsen(tmp_path / "d.csv", ["3275016612990201,1,X"])
    out = sigap_here(env, "import", "dtsen", str(path)).stdout
    assert f"read {len(GOOD) + 1}, imported {len(GOOD)}, rejected 1" in out and "report:" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("nik;nama\n1;2\n")
    result = sigap_here(env, "import", "dtsen", str(bad), check=False)
    assert result.returncode != 0 and "missing column" in result.stderr and "nothing changed" in result.stderr
    missing = sigap_here(env, "import", "peserta", str(tmp_path / "nope.csv"), check=False)
    assert missing.returncode != 0 and "does not exist" in missing.stderr


@dataclass
class Demo:
    directory: Path
    output: str  # what `sigap demo-data` printed

    @property
    def database(self) -> Path:
        return self.directory / "cli.db"


def load_demo_data(directory: Path) -> None:
    env = cli_env(directory)
    out = sigap_here(env, "demo-data", "--people", "500", "--seed", "3", "--out", str(directory / "demo")).stdout
    (directory / "demo-data.out").write_text(out)
    sigap_here(env, "import", "dtsen", str(directory / "demo" / "dtsen.csv"))
    sigap_here(env, "import", "peserta", str(directory / "demo" / "peserta.csv"))


@pytest.fixture(scope="module")
def demo(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """`sigap demo-data` (500 people) imported by the commands, once per run."""
    directory = built_once(pytestconfig, tmp_path_factory, "cli-demo", load_demo_data)
    return Demo(directory, (directory / "demo-data.out").read_text())


def test_demo_data_and_report(env: dict[str, str], tmp_path: Path, demo: Demo) -> None:
    for status in STATUS.values():
        assert status in demo.output
    assert (demo.directory / "demo" / "dtsen.csv").exists() and (demo.directory / "demo" / "peserta.csv").exists()
    copy_sqlite_database(demo.database, tmp_path / "cli.db")
    report = sigap_here(env, "report").stdout
    assert "Pondokgede" in report and "Rp201.600" in report and "Kuota 11.666" in report
    data = json.loads(sigap_here(env, "report", "--json").stdout)
    assert sum(k["in_registry"] for k in data["kecamatan"]) == 500
    assert data["budget_used"] == data["enrolled"] * 201_600


def test_demo_samples_give_the_outcomes_they_claim(env: dict[str, str], tmp_path: Path, demo: Demo) -> None:
    """Every sample `demo-data` prints gets the status it claims from `sigap check` (in this process; that
    `check` works as a real process is test_check_json_for_every_status's job)."""
    copy_sqlite_database(demo.database, tmp_path / "cli.db")
    samples = json.loads((demo.directory / "demo" / "samples.json").read_text())
    assert len({sample["status"] for sample in samples}) >= len(STATUS) + 2  # incl. not_found, kk_mismatch
    for sample in samples:
        result = sigap_here(env, "check", sample["nik"], "--kk4", sample["kk4"], "--json")
        assert json.loads(result.stdout)["status"] == sample["status"], sample

"""`sigap import` as a real process: killed with SIGKILL mid-import, drawing progress on a terminal, its peak
memory on the worst workbooks (the set-up and the clean-up commands around them run in this process)."""

from __future__ import annotations

import os
import pty
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from sigap_core.demo import generate, write_files
from sigap_core.wilayah import load_wilayah
from tests.conftest import TEST_SECRET, TODAY
from tests.e2e.cli_support import ROOT, sigap, sigap_here
from tests.integration.helpers import GOOD, dtsen


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SIGAP_SECRET_KEY": TEST_SECRET,
        "SIGAP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "SIGAP_VAR_DIR": str(tmp_path / "var"),
    }


def big_extract(tmp_path: Path, people: int = 6000, repeat: int = 40) -> Path:
    """Over the 8 MiB at which workers parse (the repeats are duplicates: they are only read)."""
    persons, peserta, _ = generate(people, 5, load_wilayah(), TODAY)
    write_files(tmp_path / "big", persons, peserta, 5)
    header, body = (tmp_path / "big" / "dtsen.csv").read_bytes().split(b"\n", 1)
    path = tmp_path / "big.csv"
    path.write_bytes(header + b"\n" + body * repeat)
    return path


def registry(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.long(4)
def test_kill_9_mid_import_leaves_no_process_and_the_next_upgrade_sweeps(
    env: dict[str, str],
    tmp_path: Path,
) -> None:
    db = tmp_path / "cli.db"
    sigap_here(env, "import", "dtsen", str(dtsen(tmp_path / "first.csv")))  # the snapshot the kill must keep
    path = big_extract(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "import", "dtsen", str(path)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    helpers: list[int] = []
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline and process.poll() is None:
            helpers = [child.pid for child in psutil.Process(process.pid).children(recursive=True)]
            staging = registry(db, "SELECT name FROM sqlite_master WHERE name LIKE 'registry_person_stage_%'")
            # the fork server, its workers (and the resource tracker), and rows on their way in
            if len(helpers) >= 3 and staging:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the import finished before it could be killed"
        assert len(helpers) >= 3
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(map(alive, helpers)):
        time.sleep(0.1)
    left = [pid for pid in helpers if alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)  # tidy up what outlived its parent, then fail
    assert not left, f"{len(left)} helper process(es) outlived the killed import"
    # The debris a kill leaves: the old snapshot intact, a staging table and a `running` run.
    assert registry(db, "SELECT COUNT(*) FROM registry_person") == [(len(GOOD),)]
    assert registry(db, "SELECT status FROM import_run ORDER BY id") == [("active",), ("running",)]
    upgraded = sigap_here(env, "db", "upgrade").stdout
    assert "1 staging table(s) dropped, 1 import run(s) marked failed" in upgraded
    assert registry(db, "SELECT name FROM sqlite_master WHERE name LIKE '%_stage_%'") == []
    assert registry(db, "SELECT status FROM import_run ORDER BY id") == [("active",), ("failed",)]
    assert "cleaned up" not in sigap_here(env, "db", "upgrade").stdout


def _import_on_a_terminal(environment: dict[str, str], *args: str) -> tuple[int, str]:
    """Run `sigap import` with stderr on a pseudo-terminal; returns the exit code and what it drew."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "import", *args],
        env={**environment, "COLUMNS": "100"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        stdin=subprocess.DEVNULL,
    )
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    return process.wait(120), drawn.decode(errors="replace")


@pytest.mark.long(3)
@pytest.mark.parametrize("quiet", [False, True], ids=["terminal", "quiet"])
def test_import_shows_progress_on_a_terminal_unless_quiet(
    env: dict[str, str],
    tmp_path: Path,
    quiet: bool,
) -> None:
    persons, peserta, _ = generate(20000, 5, load_wilayah(), TODAY)
    write_files(tmp_path / "d", persons, peserta, 5)
    path = tmp_path / "d" / "dtsen.csv"
    code, drawn = _import_on_a_terminal(env, "dtsen", str(path), *(["--quiet"] if quiet else []))
    assert code == 0
    if quiet:
        assert drawn == ""
    else:
        assert "dtsen dtsen.csv" in drawn and "100%" in drawn


def test_import_draws_no_progress_when_piped(env: dict[str, str], tmp_path: Path) -> None:
    result = sigap(env, "import", "dtsen", str(dtsen(tmp_path / "d.csv")))
    assert "%" not in result.stderr and "%" not in result.stdout


def _hostile_workbook(path: Path, hostile: str) -> Path:
    from tests.fakes.xlsx import row_xml, table_rows, write_xlsx
    from tests.integration.helpers import DTSEN_HEADER

    header, first = DTSEN_HEADER.split(","), GOOD["priority"].split(",")

    def rows() -> object:
        yield from table_rows(header, [first])  # type: ignore[list-item]
        if hostile == "whitespace_2gb":
            block = " " * (1 << 22)
            for _ in range(512):
                yield block
        elif hostile == "cell_300mb":
            yield row_xml(3, ["A" * (300 << 20)])
        else:  # a million empty rows after the one valid row
            empty = "".join(f'<c r="{column}{{n}}" t="inlineStr"><is><t></t></is></c>' for column in "ABCDEFGHIJKL")
            for n in range(3, 1_000_003):
                yield f'<row r="{n}">' + empty.format(n=n) + "</row>"

    return write_xlsx(path, rows(), level=1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param("whitespace_2gb", marks=pytest.mark.long(5)),
        pytest.param("cell_300mb", marks=pytest.mark.long(5)),
        pytest.param("one_row_and_a_million_empty", marks=pytest.mark.long(15)),
    ],
)
def test_the_worst_workbooks_are_refused_quickly_in_little_memory(
    env: dict[str, str], tmp_path: Path, hostile: str
) -> None:
    sigap_here(env, "import", "dtsen", str(big_extract(tmp_path, people=2000, repeat=1)))
    path = _hostile_workbook(tmp_path / "hostile.xlsx", hostile)
    # A wrapper process reports its one child's peak RSS (RUSAGE_CHILDREN), in KiB on Linux.
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "started = time.monotonic()\n"
        "done = subprocess.run([sys.executable, '-m', 'bot.cli', 'import', 'dtsen', sys.argv[1]],"
        " capture_output=True, text=True)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
        " round(time.monotonic() - started, 1))\n"
        "print(done.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", wrapper, str(path)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    code, peak_kib, seconds = result.stdout.split("\n", 1)[0].split()
    message = result.stdout.split("\n", 1)[1]
    assert int(code) != 0 and "nothing changed" in message
    assert {
        "whitespace_2gb": "over the limit of 1,024 MiB",
        "cell_300mb": "longer than 256 KiB",
        "one_row_and_a_million_empty": "would remove 2,000 of the 2,000 people",
    }[hostile] in message
    assert int(peak_kib) < 300 * 1024, f"peak RSS {int(peak_kib) // 1024} MiB"
    assert float(seconds) < 120  # it took 562 s before; a wide margin for a loaded machine
    assert registry(tmp_path / "cli.db", "SELECT COUNT(*) FROM registry_person") == [(2000,)]

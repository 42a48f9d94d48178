"""Benchmark: the worst workbooks of issue 13 against a real `sigap import` (peak RSS, seconds), and a
CSV cut mid-row at 60 % (people lost). Writes bench/out/import_hostile.json.

    .venv/bin/python bench/import_hostile.py
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import write_figures  # noqa: E402
from tests.e2e.test_import_process import _hostile_workbook, big_extract  # noqa: E402

WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "started = time.monotonic()\n"
    "done = subprocess.run([sys.executable, '-m', 'bot.cli', 'import', 'dtsen', *sys.argv[1:]],"
    " capture_output=True, text=True)\n"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
    " round(time.monotonic() - started, 1))\n"
    "print(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.stdout)\n"
)


def main() -> None:
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        env = {
            **os.environ,
            "SIGAP_SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "SIGAP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'h.db'}",
            "SIGAP_VAR_DIR": str(tmp / "var"),
        }
        first = big_extract(tmp, people=2000, repeat=1)
        subprocess.run([sys.executable, "-m", "bot.cli", "import", "dtsen", str(first)], env=env, check=True)

        def run(*args: str) -> dict[str, object]:
            done = subprocess.run(
                [sys.executable, "-c", WRAPPER, *args], env=env, cwd=ROOT, capture_output=True, text=True
            )
            head, message = done.stdout.split("\n", 1)
            code, peak, seconds = head.split()
            with sqlite3.connect(tmp / "h.db") as db:
                people = db.execute("SELECT COUNT(*) FROM registry_person").fetchone()[0]
            return {
                "exit": int(code),
                "peak_rss_mib": round(int(peak) / 1024),
                "seconds": float(seconds),
                "people_after": people,
                "message": message.strip()[:200],
            }

        for hostile in ("whitespace_2gb", "cell_300mb", "one_row_and_a_million_empty"):
            started = time.monotonic()
            path = _hostile_workbook(tmp / f"{hostile}.xlsx", hostile)
            figures[hostile] = {"built_s": round(time.monotonic() - started, 1), **run(str(path))}
            path.unlink()
        data = first.read_bytes()
        cut = tmp / "cut.csv"
        cut.write_bytes(data[: int(len(data) * 0.6) + 7])
        figures["csv_cut_at_60_percent_with_force"] = run(str(cut), "--force")
    write_figures("import_hostile", figures)


if __name__ == "__main__":
    main()

"""Benchmark: XLSX registry import — the readers side by side, then `sigap import` end to end.

    .venv/bin/python bench/import_xlsx.py [--rows 200000]

Builds a workbook as Excel writes it (texts in the shared-strings table, NIK/KK as text, desil as a
number) from `sigap demo-data`, then measures, each in a fresh process: reading every row with
python-calamine-plus's streaming reader (what the importer uses), openpyxl's read-only mode (the
fallback), and upstream python-calamine (loads the whole sheet), with rows/s and the process's peak RSS;
then `sigap import dtsen` of the workbook into a fresh SQLite database (wall time, rows/s, peak RSS of the
process tree). Writes bench/out/import_xlsx.json.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SECRET = "bench-secret-key-0123456789abcdef"
sys.path.insert(0, str(ROOT))

from bench.common import write_figures  # noqa: E402
from bench.import_dtsen import ensure_file, run_measured  # noqa: E402

READ = """
import sys, time
reader, path = sys.argv[1], sys.argv[2]
started = time.perf_counter()
rows = 0
if reader == "calamine-plus":
    from python_calamine_plus import CalamineWorkbook
    for row in CalamineWorkbook.from_path(path).stream_sheet_by_index(0):
        rows += 1
elif reader == "calamine":
    from python_calamine import CalamineWorkbook
    for row in CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows():
        rows += 1
else:
    from openpyxl import load_workbook
    for row in load_workbook(path, read_only=True, data_only=True).worksheets[0].iter_rows(values_only=True):
        rows += 1
seconds = time.perf_counter() - started
# VmHWM, not ru_maxrss: the latter keeps the parent's size at fork (this bench holds the table).
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(rows, seconds, peak / 1024)
"""


def workbook(rows: int) -> Path:
    path = OUT / f"dtsen_{rows}" / "dtsen.xlsx"
    if not path.exists():
        from tests.fakes.xlsx import write_shared_xlsx

        with ensure_file(rows).open(newline="") as handle:
            table: list[list[object]] = [
                [int(cell) if index == 9 and cell.isdigit() else cell for index, cell in enumerate(line)]
                for line in csv.reader(handle)
            ]
        write_shared_xlsx(path, table)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    path = workbook(args.rows)
    figures: dict[str, object] = {"rows": args.rows, "workbook_mib": round(path.stat().st_size / 2**20, 1)}
    for reader in ("calamine-plus", "openpyxl", "calamine"):
        done = subprocess.run([sys.executable, "-c", READ, reader, str(path)], capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            figures[reader] = {"error": done.stderr.strip().splitlines()[-1]}
            continue
        count, seconds, peak = done.stdout.split()
        figures[reader] = {
            "rows_per_s": round(int(count) / float(seconds)),
            "seconds": round(float(seconds), 2),
            "peak_rss_mib": round(float(peak)),
        }
    db = OUT / "import_xlsx.db"
    for leftover in OUT.glob("import_xlsx.db*"):
        leftover.unlink()
    env = {
        **os.environ,
        "SIGAP_SECRET_KEY": SECRET,
        "SIGAP_VAR_DIR": str(OUT / "var"),
        "SIGAP_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
    }
    sigap = str(Path(sys.executable).parent / "sigap")
    subprocess.run([sigap, "db", "upgrade"], env=env, check=True, capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, peak, out = run_measured([sigap, "import", "dtsen", str(path), "--quiet"], env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    figures["sigap_import"] = {
        "seconds": round(seconds, 2),
        "rows_per_s": round(args.rows / seconds),
        # On a shared machine the wall time mostly measures the neighbours; CPU time is the process's own.
        "cpu_seconds": round(cpu, 2),
        "rows_per_cpu_s": round(args.rows / cpu),
        "peak_rss_tree_mib": round(peak),
        "output": out.strip().splitlines()[0],
    }
    write_figures("import_xlsx", figures)


if __name__ == "__main__":
    main()

"""Benchmark: a selection round over a 1,000,000-row registry, the enrolment export's re-join of the same
CSV, and the report with the quota part — each as the `sigap` command an operator runs.

    .venv/bin/python bench/selection.py [--rows 1000000] [--runs 3]

Writes bench/out/selection.json and prints a Markdown table for bench/README.md. Targets (issue #14):
selection < 10 s, export re-join >= 100k rows/s from CSV, peak RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench.common import write_figures  # noqa: E402
from bench.import_dtsen import SECRET, ensure_file  # noqa: E402
from bench.import_dtsen import run_measured as run_timed  # noqa: E402

CPU: dict[str, list[float]] = {}
LOAD: dict[str, list[float]] = {}  # the 1-minute load average as each measured command started


def run_measured(command: list[str], env: dict[str, str], label: str = "") -> tuple[float, float, str]:
    """As bench/import_dtsen.py, and the command's CPU seconds (user + system) under CPU[label]: on a
    machine shared by several jobs, wall time mostly measures the queue for the cores."""
    if label:
        LOAD.setdefault(label, []).append(os.getloadavg()[0])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run_timed(command, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if label:
        CPU.setdefault(label, []).append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return result


def rejoin_in_process(csv_path: Path, wanted_every: int) -> tuple[float, int, int, float]:
    """The export's matching pass alone (no process start, no database): seconds, rows, matches, CPU s."""
    import csv

    from sigap_core.crypto import Hasher
    from sigap_core.enrolment_file import match_source

    hasher = Hasher(SECRET.encode())
    wanted = set()
    with csv_path.open() as handle:
        reader = csv.reader(handle)
        next(reader)
        for index, row in enumerate(reader):
            if index % wanted_every == 0:
                wanted.add(hasher.nik(row[0]))
    started, cpu = time.perf_counter(), time.process_time()
    match = match_source(csv_path, hasher, wanted)
    return time.perf_counter() - started, match.rows_read, len(match.rows), time.process_time() - cpu


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its WAL included), replacing `target`."""
    for leftover in target.parent.glob(target.name + "*"):
        leftover.unlink()
    with contextlib.closing(sqlite3.connect(source)) as origin, contextlib.closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--places", type=int, default=11_666)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = ensure_file(args.rows)
    db = OUT / "selection.db"
    for leftover in OUT.glob("selection.db*"):
        leftover.unlink()
    env = {
        **os.environ,
        "SIGAP_SECRET_KEY": SECRET,
        "SIGAP_VAR_DIR": str(OUT / "var"),
        "SIGAP_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
    }
    sigap = str(Path(sys.executable).parent / "sigap")
    run_measured([sigap, "import", "dtsen", str(csv_path)], env)
    run_measured([sigap, "import", "peserta", str(csv_path.parent / "peserta.csv")], env)

    # The synthetic peserta list already enrols ~4 % of the registry (more than the city's 11,666 places):
    # the quota is set so that `--places` places remain for the round to fill.
    _, _, out = run_measured([sigap, "selection", "run", "--dry-run"], env)
    enrolled = int(out.split("(enrolled ", 1)[1].split(",", 1)[0])
    quota = ["--quota", str(enrolled + args.places)]
    dry_runs, dry_peaks = [], []
    for _ in range(args.runs):
        elapsed, peak, out = run_measured([sigap, "selection", "run", "--dry-run", *quota], env, "dry_run")
        dry_runs.append(elapsed)
        dry_peaks.append(peak)
    plan_line = out.splitlines()[1]
    # The recorded round, `--runs` times: each from a copy of the database as it was before any round.
    before_round = OUT / "selection-before-round.db"
    copy_database(db, before_round)
    record_runs, record_peaks = [], []
    for _ in range(args.runs):
        copy_database(before_round, db)
        elapsed_run, peak_run, out = run_measured([sigap, "selection", "run", "--note", "bench", *quota], env, "run")
        assert "round #1 recorded" in out, out
        record_runs.append(elapsed_run)
        record_peaks.append(peak_run)
    before_round.unlink()
    rerun, peak_rerun, out = run_measured([sigap, "selection", "run", *quota], env, "rerun")
    assert "nothing changed" in out, out

    exports, export_peaks = [], []
    for n in range(args.runs):
        elapsed, peak, out = run_measured(
            [sigap, "selection", "export", "1", "--source", str(csv_path), "--out", str(OUT / f"enrolment-{n}.xlsx")],
            env,
            "export",
        )
        assert "wrote" in out, out
        exports.append(elapsed)
        export_peaks.append(peak)
    identical = len({(OUT / f"enrolment-{n}.xlsx").read_bytes() for n in range(args.runs)}) == 1
    rejoin = [rejoin_in_process(csv_path, wanted_every=86) for _ in range(args.runs)]
    report, peak_report, _ = run_measured([sigap, "report", "--xlsx", str(OUT / "report.xlsx")], env, "report")

    best_rejoin = min(rejoin)
    figures = {
        "rows": args.rows,
        "enrolled_before": enrolled,
        "places": args.places,
        "plan": plan_line,
        "selection_dry_run_seconds": [round(e, 2) for e in dry_runs],
        "selection_run_seconds": [round(e, 2) for e in record_runs],
        "selection_rerun_unchanged_seconds": round(rerun, 2),
        "selection_peak_rss_mib": round(max([*dry_peaks, *record_peaks, peak_rerun])),
        "export_seconds": [round(e, 2) for e in exports],
        "export_rows_per_second": round(args.rows / min(exports)),
        "export_rows_per_second_median": round(args.rows / statistics.median(exports)),
        "export_peak_rss_mib": round(max(export_peaks)),
        "export_identical_bytes": identical,
        "rejoin_only_seconds": round(best_rejoin[0], 2),
        "rejoin_only_rows_per_second": round(best_rejoin[1] / best_rejoin[0]),
        "rejoin_matches": best_rejoin[2],
        "report_xlsx_seconds": round(report, 2),
        "report_peak_rss_mib": round(peak_report),
        "rejoin_only_cpu_seconds": round(min(r[3] for r in rejoin), 2),
        "rejoin_only_rows_per_cpu_second": round(best_rejoin[1] / min(r[3] for r in rejoin)),
        "cpu_seconds": {label: [round(v, 2) for v in values] for label, values in CPU.items()},
        "load_average_1min_at_start": {label: [round(v, 2) for v in values] for label, values in LOAD.items()},
        "export_rows_per_cpu_second": round(args.rows / min(CPU["export"])),
        "load_average_after": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    write_figures("selection", figures)
    print()
    cpu = {label: min(values) for label, values in CPU.items()}
    loads = [value for values in LOAD.values() for value in values]
    print(f"1-minute load average {min(loads):.1f}–{max(loads):.1f} on {os.cpu_count()} CPUs during the commands")
    print("| measure (1,000,000-row registry, SQLite) | wall, median (range) | CPU, median (range) | target |")
    print("|---|---|---|---|")
    print(f"| `selection run --dry-run`, {args.runs} runs | {spread(dry_runs)} | {spread(CPU['dry_run'])} | < 10 s |")
    print(
        f"| `selection run` (records the round), {args.runs} runs | {spread(record_runs)} "
        f"| {spread(CPU['run'])} | < 10 s |"
    )
    print(f"| `selection run` again, nothing changed | {rerun:.2f} s | {cpu['rerun']:.2f} s | |")
    print(f"| selection peak RSS | {figures['selection_peak_rss_mib']} MiB | | < 300 MB |")
    export_wall = f"{min(exports):.2f} s = {figures['export_rows_per_second']:,} rows/s"
    export_cpu = f"{cpu['export']:.2f} s = {figures['export_rows_per_cpu_second']:,} rows/s"
    print(f"| `selection export` (whole command), best of {args.runs} | {export_wall} | {export_cpu} | ≥ 100k rows/s |")
    rejoin_wall = f"{figures['rejoin_only_rows_per_second']:,} rows/s"
    rejoin_cpu = f"{figures['rejoin_only_rows_per_cpu_second']:,} rows/s"
    print(f"| re-join pass alone (in process) | {rejoin_wall} | {rejoin_cpu} | ≥ 100k rows/s |")
    print(f"| export peak RSS | {figures['export_peak_rss_mib']} MiB | | < 300 MB |")
    print(f"| `report --xlsx` | {report:.2f} s | {cpu['report']:.2f} s | |")
    print(f"| report peak RSS | {figures['report_peak_rss_mib']} MiB | | |")


if __name__ == "__main__":
    main()

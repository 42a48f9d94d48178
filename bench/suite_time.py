"""The test suite's cost: pytest as `make test` runs it, the CPU seconds of its whole process tree, and each
test's and each file's share.

    python bench/suite_time.py                      # the whole suite, as `make test` runs it (after lint)
    python bench/suite_time.py tests/e2e/test_cli.py -n 0

CPU is user + system time of every process the run waited for (the xdist workers, the `sigap` processes
and fake servers the tests start, Chromium), from `getrusage(RUSAGE_CHILDREN)`, as `/usr/bin/time` reports
it; the PostgreSQL server's own work is not in it. On a shared machine CPU seconds stay steady while wall
time follows the load. A test's share is its worker's CPU (its own and its waited-for children's) from
the start of its set-up to the end of its tear-down, so a session fixture's cost lands on the first test
that needs it. Figures go to bench/out/suite_time.json.

This file is also the pytest plugin (`-p suite_time`) that records each test in each worker.
"""

from __future__ import annotations

import collections
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE_TEST = ["-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "worksteal"]  # the Makefile's `test`


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# The plugin, in each worker ------------------------------------------------------------------------------

_rows: list[tuple[str, float, float]] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: Any, nextitem: Any) -> Any:
    cpu, wall = _cpu(), time.perf_counter()
    yield
    _rows.append((item.nodeid, _cpu() - cpu, time.perf_counter() - wall))


def pytest_sessionfinish(session: Any) -> None:
    out = os.environ.get("SUITE_TIME_OUT")
    if out:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        Path(out, f"{worker}.json").write_text(json.dumps({"rows": _rows, "cpu": _cpu()}))


# The script -------------------------------------------------------------------------------------------


def main(args: list[str]) -> None:
    with tempfile.TemporaryDirectory() as out:
        env = {
            **os.environ,
            "SUITE_TIME_OUT": out,
            "PYTHONPATH": f"{ROOT / 'bench'}:{os.environ.get('PYTHONPATH', '')}",
        }
        command = [sys.executable, "-m", "pytest", *MAKE_TEST, "-p", "suite_time", *args]
        started = time.monotonic()
        code = subprocess.run(command, cwd=ROOT, env=env).returncode
        wall = time.monotonic() - started
        tree = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers = {path.stem: json.loads(path.read_text()) for path in Path(out).glob("*.json")}
    rows = [row for worker in workers.values() for row in worker["rows"]]
    files: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for nodeid, cpu, seconds in rows:
        entry = files[nodeid.split("::")[0]]
        entry[0] += cpu
        entry[1] += seconds
        entry[2] += 1
    figures = {
        "exit_code": code,
        "tests": len(rows),
        "wall_s": round(wall, 1),
        "cpu_user_s": round(tree.ru_utime, 1),
        "cpu_sys_s": round(tree.ru_stime, 1),
        "cpu_s": round(tree.ru_utime + tree.ru_stime, 1),
        "load_average_at_end": os.getloadavg(),
        "workers": {
            name: {
                "tests": len(w["rows"]),
                "wall_s": round(sum(r[2] for r in w["rows"]), 1),
                "cpu_s": round(w["cpu"], 1),
            }
            for name, w in sorted(workers.items())
        },
        "files": {
            name: {"cpu_s": round(c, 2), "wall_s": round(s, 2), "tests": n}
            for name, (c, s, n) in sorted(files.items(), key=lambda kv: -kv[1][0])
        },
        "slowest_by_cpu": [
            {"test": nodeid, "cpu_s": round(cpu, 2), "wall_s": round(seconds, 2)}
            for nodeid, cpu, seconds in sorted(rows, key=lambda r: -r[1])[:25]
        ],
        # Wall far above CPU: waiting (pacing, sleeps, a child process, a lock, the database server, the load).
        "slowest_by_wall": [
            {"test": nodeid, "cpu_s": round(cpu, 2), "wall_s": round(seconds, 2)}
            for nodeid, cpu, seconds in sorted(rows, key=lambda r: -r[2])[:25]
        ],
    }
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "suite_time.json").write_text(json.dumps(figures, indent=2))
    print(f"\n{len(rows)} tests, exit {code}: wall {wall:.1f} s, CPU {figures['cpu_s']} s (user + sys, whole tree)")
    for name, entry in list(figures["files"].items())[:15]:  # type: ignore[union-attr]
        print(f"  {entry['cpu_s']:7.1f} CPU s {entry['wall_s']:7.1f} s  {entry['tests']:4d}  {name}")
    sys.exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])

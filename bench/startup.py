"""Benchmark: start-up of `sigap run` to its first 200 from /healthz, WhatsApp-only and with Telegram
(webhook mode against the fake Bot API server), beside a bare `python -c "import aiogram"` measured in the
same rounds.

    .venv/bin/python bench/startup.py [--rounds 5]

Targets (issue #12 §2): WhatsApp-only ready in ≤ 2 s; with Telegram ≤ 1.3 × the bare aiogram import. The
database is migrated once before the rounds, so each run is a service restart. Each round runs the bare
import, the WhatsApp-only start, the Telegram start and the bare import again; the Telegram start is
divided by the mean of the two bare imports around it (on a machine whose speed drifts, one import before
it gave ratios of 0.75–1.73 at a steady load). CPU seconds (user +
system, from /proc at the moment of the first 200) are given beside wall time: on a shared machine they are
what the start-up itself costs, while wall time also counts waiting for a core. The 1-minute load average is
recorded before and after each round, and the summary (a Markdown table for bench/README.md) gives the
median and range of both wall and CPU time with the load the rounds ran under.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import write_figures  # noqa: E402

TOKEN = "123456:BENCH"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bare_import() -> tuple[float, float]:
    """Wall and CPU seconds of `python -c "import aiogram"`."""
    started, cpu = time.perf_counter(), children_cpu()
    subprocess.run([sys.executable, "-c", "import aiogram"], check=True)
    return time.perf_counter() - started, children_cpu() - cpu


def ready_seconds(env: dict[str, str]) -> tuple[float, float]:
    """Wall time from spawning `sigap run` to its first 200 from /healthz, and the CPU it used by then."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        env={**env, "SIGAP_HTTP_PORT": str(port)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"sigap run exited: {process.stderr.read().decode() if process.stderr else ''}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - started, process_cpu(process.pid)
            except OSError:
                pass
            if time.perf_counter() - started > 120:
                raise SystemExit("no /healthz within 120 s")
            time.sleep(0.01)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "fake-telegram"
        fake = subprocess.Popen([sys.executable, "-m", "tests.fakes.telegram_api", str(port_file)], cwd=ROOT)
        try:
            while not port_file.exists() or not port_file.read_text():
                time.sleep(0.05)
            base = {
                **{k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")},
                "SIGAP_SECRET_KEY": "bench-secret-key-0001",
                "SIGAP_DATABASE_URL": f"sqlite+aiosqlite:///{Path(tmp) / 'startup.db'}",
                "SIGAP_VAR_DIR": str(Path(tmp) / "var"),
            }
            subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=base, cwd=ROOT, check=True)
            whatsapp = {
                **base,
                "SIGAP_WHATSAPP_TOKEN": "t",
                "SIGAP_WHATSAPP_PHONE_NUMBER_ID": "1",
                "SIGAP_WHATSAPP_APP_SECRET": "s",
            }
            telegram = {
                **base,
                "SIGAP_TELEGRAM_TOKEN": TOKEN,
                "SIGAP_TELEGRAM_API_BASE": port_file.read_text(),
                "SIGAP_TELEGRAM_WEBHOOK_URL": "https://example.invalid/webhooks/telegram",
                "SIGAP_TELEGRAM_WEBHOOK_SECRET": "bench-hook-secret",
            }
            rounds: list[dict[str, Any]] = []
            for n in range(args.rounds):
                load_before = os.getloadavg()[0]
                (bare_1, bare_cpu_1), (wa, wa_cpu), (tg, tg_cpu), (bare_2, bare_cpu_2) = (
                    bare_import(),
                    ready_seconds(whatsapp),
                    ready_seconds(telegram),
                    bare_import(),
                )
                bare, bare_cpu = (bare_1 + bare_2) / 2, (bare_cpu_1 + bare_cpu_2) / 2
                row: dict[str, float | tuple[float, ...]] = {
                    "import_aiogram_s": bare,
                    "import_aiogram_before_after_s": (bare_1, bare_2),
                    "whatsapp_only_ready_s": wa,
                    "telegram_ready_s": tg,
                    "telegram_over_import": tg / bare,
                    "import_aiogram_cpu_s": bare_cpu,
                    "whatsapp_only_cpu_s": wa_cpu,
                    "telegram_cpu_s": tg_cpu,
                    "telegram_over_import_cpu": tg_cpu / bare_cpu,
                    "load_1min_before": load_before,
                    "load_1min_after": os.getloadavg()[0],
                }
                rounds.append({key: rounded(value) for key, value in row.items()})
                print(f"round {n + 1}: {rounds[-1]}", file=sys.stderr)
        finally:
            fake.terminate()
            fake.wait()
    medians = {
        key: round(statistics.median(r[key] for r in rounds), 3)
        for key in rounds[0]
        if key != "import_aiogram_before_after_s"
    }
    print(summary_table(rounds), file=sys.stderr)
    write_figures(
        "startup",
        {
            "rounds": rounds,
            "median": medians,
            "targets": {"whatsapp_only_ready_s": "<= 2", "telegram_over_import": "<= 1.3"},
            "load_average_at_end": os.getloadavg(),
            "cpu_count": os.cpu_count(),
        },
    )


def rounded(value: float | tuple[float, ...]) -> Any:
    return tuple(round(v, 3) for v in value) if isinstance(value, tuple) else round(value, 3)


def summary_table(rounds: list[dict[str, Any]]) -> str:
    """Median (range) of wall and CPU time per measure, and the load the rounds ran under."""

    def cell(key: str, unit: str) -> str:
        values = [r[key] for r in rounds]
        return f"{statistics.median(values):.2f}{unit} ({min(values):.2f}–{max(values):.2f})"

    loads = [value for r in rounds for value in (r["load_1min_before"], r["load_1min_after"])]
    lines = [
        f"{len(rounds)} rounds, {os.cpu_count()} CPUs, 1-minute load average {min(loads):.1f}–{max(loads):.1f} "
        f"(median {statistics.median(loads):.1f})",
        "",
        f"| {len(rounds)} rounds, median (range) | wall | CPU (user + system) | target |",
        "|---|---|---|---|",
        f'| `python -c "import aiogram"` | {cell("import_aiogram_s", " s")} | {cell("import_aiogram_cpu_s", " s")} | |',
        f"| WhatsApp-only `sigap run` ready | {cell('whatsapp_only_ready_s', ' s')} "
        f"| {cell('whatsapp_only_cpu_s', ' s')} | ≤ 2 s |",
        f"| with Telegram, ready | {cell('telegram_ready_s', ' s')} | {cell('telegram_cpu_s', ' s')} | |",
        f"| with Telegram ÷ bare import, per round | {cell('telegram_over_import', '')} "
        f"| {cell('telegram_over_import_cpu', '')} | ≤ 1.3 |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

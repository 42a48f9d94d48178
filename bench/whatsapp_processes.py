"""Benchmark (#11): signed WhatsApp webhooks at 200 requests/s spread over 2 `sigap run` processes on one
PostgreSQL database, to the reply reaching a fake Graph API (its own process); p50/p99 and completed/s.
One request in ten is also delivered to the other process (as Meta may redeliver): each is answered once.

    .venv/bin/python bench/whatsapp_processes.py [--rate 200] [--seconds 10] [--processes 2]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aiohttp import ClientSession, TCPConnector

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile, write_figures  # noqa: E402
from bench.scale_out import PG, _admin  # noqa: E402
from bench.whatsapp_webhook import SECRET, payload  # noqa: E402

PATH = "/webhooks/whatsapp"


async def fire_all(ports: list[int], rate: float, seconds: float, arrivals_url: str) -> dict[str, object]:
    total = int(rate * seconds)
    bodies = [payload(n) for n in range(total)]
    sent_at: dict[str, float] = {}
    statuses: list[int] = []
    async with ClientSession(connector=TCPConnector(limit=512)) as http:

        async def post(port: int, body: bytes) -> None:
            signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            url = f"http://127.0.0.1:{port}{PATH}"
            async with http.post(url, data=body, headers={"X-Hub-Signature-256": signature}) as response:
                statuses.append(response.status)

        async def fire(n: int) -> None:
            sent_at[f"62813{n:07d}"] = time.time()
            port = ports[n % len(ports)]
            await post(port, bodies[n])
            if n % 10 == 0:  # delivered again, to another process
                await post(ports[(n + 1) % len(ports)], bodies[n])

        started = time.time()
        tasks = []
        for n in range(total):
            delay = started + n / rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(fire(n)))
        await asyncio.gather(*tasks)
        arrivals: dict[str, float] = {}
        while len(arrivals) < total and time.time() - started < seconds + 90:
            await asyncio.sleep(0.5)
            async with http.get(arrivals_url) as response:
                arrivals = await response.json()
        await asyncio.sleep(2.0)
        async with http.get(arrivals_url.replace("_arrivals", "_counts")) as response:
            counts: dict[str, int] = await response.json()
        elapsed = max(arrivals.values()) - started
    latencies = sorted((arrivals[user] - t) * 1000 for user, t in sent_at.items() if user in arrivals)
    by_second: dict[int, list[float]] = {}
    for user, t in sent_at.items():
        if user in arrivals:
            by_second.setdefault(int(t - started), []).append((arrivals[user] - t) * 1000)
    over_time = {
        str(second): {
            "p50_ms": round(statistics.median(values), 1),
            "p99_ms": round(percentile(sorted(values), 0.99), 1),
            "max_ms": round(max(values), 1),
        }
        for second, values in sorted(by_second.items())
    }
    single = {counts[f"62813{n:07d}"] for n in range(total) if n % 10 and f"62813{n:07d}" in counts}
    doubled = [counts.get(f"62813{n:07d}", 0) for n in range(0, total, 10)]
    return {
        "requests": total,
        "redelivered_to_the_other_process": len(doubled),
        "answered": len(latencies),
        "http_200": statuses.count(200),
        "completed_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(latencies[-1], 1),
        "messages_per_user_posted_once": sorted(single),
        "redelivered_answered_more_than_once": sum(1 for n in doubled if n not in single),
        "by_second_sent": over_time,
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(rate: float, seconds: float, processes: int) -> None:
    name = "sigap_bench_" + uuid.uuid4().hex[:10]
    asyncio.run(_admin(f"CREATE DATABASE {name}"))
    url = PG.rsplit("/", 1)[0] + "/" + name
    children: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        port_file.write_text("")
        fake = subprocess.Popen([sys.executable, "-m", "tests.fakes.graph_api", str(port_file)], cwd=ROOT)
        try:
            while not port_file.read_text():
                time.sleep(0.05)
            graph_base = port_file.read_text()
            env = {
                **os.environ,
                "SIGAP_SECRET_KEY": "bench-secret-key-0123456789abcdef",
                "SIGAP_DATABASE_URL": url,
                "SIGAP_VAR_DIR": str(Path(tmp) / "var"),
                "SIGAP_WHATSAPP_TOKEN": "wa-token",
                "SIGAP_WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
                "SIGAP_WHATSAPP_APP_SECRET": SECRET,
                "SIGAP_WHATSAPP_VERIFY_TOKEN": "v",
                "SIGAP_WHATSAPP_GRAPH_BASE": graph_base,
            }
            subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, cwd=ROOT, check=True)
            ports = [18_700 + n for n in range(processes)]
            for port in ports:
                children.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "bot.cli", "run"],
                        env={**env, "SIGAP_HTTP_PORT": str(port)},
                        cwd=ROOT,
                        stderr=subprocess.DEVNULL,
                    )
                )
            import urllib.request

            for port in ports:
                for _ in range(600):
                    try:
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                        break
                    except OSError:
                        time.sleep(0.1)
            arrivals_url = graph_base.rsplit("/", 1)[0] + "/_arrivals"
            before = [_cpu_seconds(child.pid) for child in children]
            figures = asyncio.run(fire_all(ports, rate, seconds, arrivals_url))
            figures["cpu_seconds_per_process"] = [
                round(_cpu_seconds(child.pid) - start, 2) for child, start in zip(children, before, strict=True)
            ]
            figures["cpu_seconds_fake_graph"] = round(_cpu_seconds(fake.pid), 2)
        finally:
            for child in children:
                child.send_signal(signal.SIGTERM)
            for child in children:
                child.wait(timeout=30)
            fake.kill()
            fake.wait()
            asyncio.run(_admin(f"DROP DATABASE {name} WITH (FORCE)"))
    write_figures(
        "whatsapp_processes",
        {"database": "postgresql", "processes": processes, "offered_rate_per_second": rate, **figures},
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--processes", type=int, default=2)
    options = parser.parse_args()
    main(options.rate, options.seconds, options.processes)

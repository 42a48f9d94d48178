"""aiogram takes seconds to import: the commands that do not talk to Telegram never import it (checked in
the real `sigap` process, through `sys.modules` at exit), and the service imports it only with a token."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import TELEGRAM_TOKEN, TEST_SECRET
from tests.integration.helpers import KK4, NIK, dtsen, peserta

ROOT = Path(__file__).resolve().parents[2]
# Runs `sigap ARGS…` in this interpreter and, at exit, writes which aiogram modules were loaded.
PROBE = """
import atexit, runpy, sys
out = sys.argv.pop(1)
def report():
    with open(out, "w") as handle:
        handle.write(",".join(sorted(m for m in sys.modules if m == "aiogram" or m.startswith("aiogram."))))
atexit.register(report)
sys.argv[0] = "sigap"
runpy.run_module("bot.cli", run_name="__main__", alter_sys=True)
"""


def probe(env: dict[str, str], out: Path, *args: str, stdin: str = "") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", PROBE, str(out), *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")},
        "SIGAP_SECRET_KEY": TEST_SECRET,
        "SIGAP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "SIGAP_VAR_DIR": str(tmp_path / "var"),
    }


# Runs several `sigap` commands one after the other in one fresh interpreter (each as `python -m bot.cli`
# runs it, its stdin given), writing after each which aiogram modules are loaded by then. Imports only
# accumulate, so "none after the last" means none of them imported aiogram, and the first non-empty entry
# names the command that did: one interpreter start instead of one per command.
SEQUENCE = """
import io, json, runpy, sys
out, commands = sys.argv[1], json.loads(sys.argv[2])
loaded = {}
for args, stdin in commands:
    sys.argv, sys.stdin = ["sigap", *args], io.StringIO(stdin)
    try:
        runpy.run_module("bot.cli", run_name="__main__", alter_sys=True)
    except SystemExit as exit:
        if exit.code not in (0, None):
            raise
    loaded[" ".join(args[:2])] = ",".join(sorted(m for m in sys.modules if m == "aiogram" or m.startswith("aiogram.")))
with open(out, "w") as handle:
    json.dump(loaded, handle)
"""


@pytest.mark.long(4)
def test_check_import_report_and_chat_never_import_aiogram(env: dict[str, str], tmp_path: Path) -> None:
    commands: list[tuple[tuple[str, ...], str]] = [
        (("import", "dtsen", str(dtsen(tmp_path / "dtsen.csv"))), ""),
        (("import", "peserta", str(peserta(tmp_path / "peserta.csv"))), ""),
        (("check", NIK["priority"], "--kk4", KK4["priority"], "--json"), ""),
        (("report", "--json"), ""),
        (("selection", "run", "--dry-run"), ""),
        (("chat",), "halo\ncek kelayakan\n"),
    ]
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", SEQUENCE, str(out), json.dumps(commands)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(out.read_text())
    assert list(loaded) == [" ".join(args[:2]) for args, _stdin in commands]  # each ran and exited 0
    assert loaded == {name: "" for name in loaded}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_until_healthy(env: dict[str, str], tmp_path: Path) -> str:
    """`sigap run` until /healthz answers 200, then Ctrl-C; the aiogram modules it had loaded."""
    port = free_port()
    env = {**env, "SIGAP_HTTP_PORT": str(port)}
    out = tmp_path / "run-modules.txt"
    process = probe(env, out, "run")
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "no /healthz"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    return out.read_text()


def test_a_whatsapp_only_service_never_imports_aiogram(env: dict[str, str], tmp_path: Path) -> None:
    whatsapp = {
        "SIGAP_WHATSAPP_TOKEN": "t",
        "SIGAP_WHATSAPP_PHONE_NUMBER_ID": "1",
        "SIGAP_WHATSAPP_APP_SECRET": "s",
        "SIGAP_WHATSAPP_GRAPH_BASE": "http://127.0.0.1:9/v25.0",
    }
    assert run_until_healthy({**env, **whatsapp}, tmp_path) == ""


@pytest.mark.long(12)
def test_the_service_with_a_telegram_token_imports_aiogram(env: dict[str, str], tmp_path: Path) -> None:
    telegram = {
        "SIGAP_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "SIGAP_TELEGRAM_API_BASE": "http://127.0.0.1:9",  # nothing listens: polling retries, /healthz answers
    }
    assert "aiogram" in run_until_healthy({**env, **telegram}, tmp_path).split(",")

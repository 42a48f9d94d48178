"""The `sigap` command as a real process (`sigap`) or in this process (`sigap_here`), and the sample registry
loaded by the commands once per run: helpers and fixtures the CLI end-to-end modules share (imported by
name where used).

A real process costs about a CPU-second (the interpreter and the imports); a test about what a command
prints, refuses or records runs it here, through click's runner: the same code from `main` down, the same
environment, stdin, stdout, stderr and exit code. Tests about the process itself (the entry point, a
restart, a signal, a terminal) use `sigap`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import TEST_SECRET, built_once, copy_sqlite_database
from tests.integration.helpers import dtsen, peserta

ROOT = Path(__file__).resolve().parents[2]


def cli_env(directory: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SIGAP_SECRET_KEY": TEST_SECRET,
        "SIGAP_DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'cli.db'}",
        "SIGAP_VAR_DIR": str(directory / "var"),
    }


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path)


def sigap(
    env: dict[str, str], *args: str, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def sigap_here(
    env: dict[str, str], *args: str, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """`sigap` run in this process by click's runner; the result reads like `sigap`'s (exit code, stdout,
    stderr). Not from inside a running event loop (the command runs its own): use a thread there."""
    from bot.cli import main

    result = CliRunner().invoke(main, list(args), input=stdin, env=env)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        stderr += "".join(traceback.format_exception(result.exception))
    done = subprocess.CompletedProcess(["sigap", *args], result.exit_code, result.stdout, stderr)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def load_sample_registry(directory: Path) -> None:
    env = cli_env(directory)
    sigap_here(env, "db", "upgrade")
    sigap_here(env, "import", "dtsen", str(dtsen(directory / "dtsen.csv")))
    sigap_here(env, "import", "peserta", str(peserta(directory / "peserta.csv")))


@pytest.fixture(scope="module")
def loaded_template(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample registry loaded by the commands, once per run; `loaded` gives each test a copy."""
    return built_once(pytestconfig, tmp_path_factory, "cli-loaded", load_sample_registry) / "cli.db"


@pytest.fixture
def loaded(env: dict[str, str], tmp_path: Path, loaded_template: Path) -> dict[str, str]:
    copy_sqlite_database(loaded_template, tmp_path / "cli.db")
    return env

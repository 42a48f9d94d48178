"""A PostgreSQL server of the test's own (initdb + pg_ctl in a temp dir, as user postgres, on a free port),
so a test can stop and start it under a running service. The shared server on 5432 is never touched."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.service import free_port


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def unavailable() -> str | None:
    """None when a private server can be started here, else why not."""
    if _bin_dir() is None:
        return "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres user to run a private server as"
    if os.geteuid() != 0:
        return "starting a private server as user postgres needs root"
    return None


@dataclass
class PrivatePostgres:
    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str, timeout: float = 60) -> None:
        bin_dir = _bin_dir()
        assert bin_dir is not None
        command = [str(bin_dir / args[0]), *args[1:]]
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @classmethod
    def create(cls) -> PrivatePostgres:
        root = Path(tempfile.mkdtemp(prefix="sigap-pg-"))
        shutil.chown(root, "postgres", "postgres")
        server = cls(root, free_port())
        server._run("initdb", "-D", str(server.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        server.start()
        server._run("createdb", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", "sigap")
        return server

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/sigap"

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        with suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
